package console

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// Sunshine apps, their keys, and account keys. The console acts as the
// account itself (a console session is an account caller in core).

func (c *Console) appRoutes() {
	m := c.mux
	m.HandleFunc("GET /console/apps", c.signedIn(c.apps))
	m.HandleFunc("POST /console/apps", c.signedIn(c.createApp))
	m.HandleFunc("GET /console/apps/{id}", c.signedIn(c.app))
	m.HandleFunc("POST /console/apps/{id}/rename", c.signedIn(c.renameApp))
	m.HandleFunc("GET /console/apps/{id}/delete", c.signedIn(c.confirmDeleteApp))
	m.HandleFunc("POST /console/apps/{id}/delete", c.signedIn(c.deleteApp))
	m.HandleFunc("POST /console/apps/{id}/keys", c.signedIn(c.createAppKey))
	m.HandleFunc("POST /console/apps/{id}/keys/{kid}/reveal", c.signedIn(c.revealAppKey))
	m.HandleFunc("POST /console/apps/{id}/keys/{kid}/delete", c.signedIn(c.deleteAppKey))

	m.HandleFunc("GET /console/account-keys", c.signedIn(c.accountKeys))
	m.HandleFunc("POST /console/account-keys", c.signedIn(c.createAccountKey))
	m.HandleFunc("POST /console/account-keys/{id}/delete", c.signedIn(c.deleteAccountKey))
}

// appsListMax bounds the apps the apps page lists.
const appsListMax = 100

func (c *Console) appsPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	list, err := c.svc.ListApps(r.Context(), gatehouse.AppPage{Size: appsListMax})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	p.Title, p.Section, p.Data = "Apps", "apps", list
	c.render(w, r, status, "apps", p)
}

func (c *Console) apps(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("done") == "deleted" {
		p.Flash = "The app was deleted, with its keys."
	}
	c.appsPage(w, r, http.StatusOK, p)
}

func (c *Console) createApp(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(f.Get("name"))
	a, err := c.svc.CreateApp(r.Context(), &name, gatehouse.AppSettingsPatch{}, nil)
	if err != nil {
		status, p := c.fieldPage(w, r, err, "name", map[string]string{"name": name})
		c.appsPage(w, r, status, p)
		return
	}
	http.Redirect(w, r, Prefix+"apps/"+a.ID+"?done=created", http.StatusSeeOther)
}

// appData is one app's page.
type appData struct {
	App      *gatehouse.App
	Keys     []core.AppKeyView // secrets blanked but the revealed one
	Revealed *core.AppKeyView
}

func (c *Console) appPage(w http.ResponseWriter, r *http.Request, status int, p *page, revealed *core.AppKeyView) {
	ctx := r.Context()
	id := r.PathValue("id")
	a, err := c.svc.GetApp(ctx, id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	keys, err := c.svc.ListAppKeys(ctx, id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	for i := range keys {
		keys[i].Secret = "" // shown only on request (Reveal)
	}
	p.Title, p.Section, p.Data = a.DisplayName, "apps", appData{App: a, Keys: keys, Revealed: revealed}
	c.render(w, r, status, "app", p)
}

func (c *Console) app(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	switch r.URL.Query().Get("done") {
	case "created":
		p.Flash = "The app was created. Create a key to call the API as this app."
	case "renamed":
		p.Flash = "The app was renamed."
	case "key-deleted":
		p.Flash = "The key was deleted. It no longer works anywhere."
	}
	c.appPage(w, r, http.StatusOK, p, nil)
}

func (c *Console) renameApp(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	name := strings.TrimSpace(f.Get("name"))
	if _, err := c.svc.UpdateApp(r.Context(), id, core.AppPatch{DisplayName: &name}); err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.EINVALID {
			status, p := c.fieldPage(w, r, err, "name", map[string]string{"name": name})
			c.appPage(w, r, status, p, nil)
			return
		}
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"apps/"+id+"?done=renamed", http.StatusSeeOther)
}

func (c *Console) confirmDeleteApp(w http.ResponseWriter, r *http.Request) {
	a, err := c.svc.GetApp(r.Context(), r.PathValue("id"))
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "deleteapp", &page{Title: "Delete app", Section: "apps", Data: a})
}

func (c *Console) deleteApp(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.DeleteApp(r.Context(), r.PathValue("id")); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"apps?done=deleted", http.StatusSeeOther)
}

func (c *Console) createAppKey(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(f.Get("name"))
	k, err := c.svc.CreateAppKey(r.Context(), r.PathValue("id"), name)
	if err != nil {
		if code := gatehouse.ErrorCode(err); code == gatehouse.EINVALID || code == gatehouse.ECONFLICT || code == gatehouse.EFORBIDDEN {
			status, p := c.fieldPage(w, r, err, "key_name", map[string]string{"key_name": name})
			c.appPage(w, r, status, p, nil)
			return
		}
		c.failErr(w, r, err)
		return
	}
	c.appPage(w, r, http.StatusOK, &page{Flash: "The key was created."}, k)
}

func (c *Console) revealAppKey(w http.ResponseWriter, r *http.Request) {
	k, err := c.svc.GetAppKey(r.Context(), r.PathValue("id"), r.PathValue("kid"))
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.appPage(w, r, http.StatusOK, &page{}, k)
}

func (c *Console) deleteAppKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := c.svc.DeleteAppKey(r.Context(), id, r.PathValue("kid")); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"apps/"+id+"?done=key-deleted", http.StatusSeeOther)
}

// accountKeysData is the account keys page.
type accountKeysData struct {
	Keys     []*gatehouse.AccountKey
	Revealed *core.AccountKeyView
}

func (c *Console) accountKeysPage(w http.ResponseWriter, r *http.Request, status int, p *page, revealed *core.AccountKeyView) {
	keys, err := c.svc.ListAccountKeys(r.Context())
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	p.Title, p.Section, p.Data = "Account keys", "apps", accountKeysData{Keys: keys, Revealed: revealed}
	c.render(w, r, status, "accountkeys", p)
}

func (c *Console) accountKeys(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("done") == "deleted" {
		p.Flash = "The account key was deleted. It no longer works anywhere."
	}
	c.accountKeysPage(w, r, http.StatusOK, p, nil)
}

func (c *Console) createAccountKey(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(f.Get("name"))
	k, err := c.svc.CreateAccountKey(r.Context(), name)
	if err != nil {
		status, p := c.fieldPage(w, r, err, "name", map[string]string{"name": name})
		c.accountKeysPage(w, r, status, p, nil)
		return
	}
	c.accountKeysPage(w, r, http.StatusOK, &page{Flash: "The account key was created."}, k)
}

func (c *Console) deleteAccountKey(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.DeleteAccountKey(r.Context(), r.PathValue("id")); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"account-keys?done=deleted", http.StatusSeeOther)
}
