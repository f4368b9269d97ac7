package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET /console/static/", http.StripPrefix("/console/", staticHandler()))
	m.HandleFunc("GET /console/login", c.loginPage)
	m.HandleFunc("POST /console/login", c.login)
	m.HandleFunc("GET /console/signup", c.signupPage)
	m.HandleFunc("POST /console/signup", c.signup)
	m.HandleFunc("POST /console/logout", c.logout)

	m.HandleFunc("GET /console/{$}", c.signedIn(c.home))
	m.HandleFunc("GET /console/keys", c.signedIn(c.keys))
	m.HandleFunc("POST /console/keys", c.signedIn(c.createKey))
	m.HandleFunc("GET /console/keys/{id}/delete", c.signedIn(c.confirmDeleteKey))
	m.HandleFunc("POST /console/keys/{id}/delete", c.signedIn(c.deleteKey))
	m.HandleFunc("POST /console/token", c.signedIn(c.createToken))
	m.HandleFunc("GET /console/activity", c.signedIn(c.activity))

	m.HandleFunc("GET /console/admin", c.adminOnly(c.admin))
	m.HandleFunc("POST /console/admin/activate", c.adminOnly(c.adminAct))
	m.HandleFunc("POST /console/admin/deactivate", c.adminOnly(c.adminAct))
	m.HandleFunc("POST /console/admin/cac", c.adminOnly(c.adminAct))

	c.dataRoutes()
	c.appRoutes()

	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "There is no such page.")
	})
}

func staticHandler() http.Handler {
	fsrv := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// localNext is where to go after logging in: a console path, never
// another site (an open redirect).
func localNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix
	}
	return next
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", &page{Title: "Log in", Form: map[string]string{"next": localNext(r.URL.Query().Get("next"))}})
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	email, next := f.Get("email"), localNext(f.Get("next"))
	res, err := c.svc.ConsoleLogin(r.Context(), core.ConsoleLoginInput{Email: email, Password: f.Get("password"),
		Device: cookieValue(r, DeviceCookieName), Client: clientInfo(r)})
	if err != nil {
		status, text := c.errText(w, r, err)
		p := &page{Title: "Log in", Error: text, Form: map[string]string{"email": email, "next": next}}
		if gatehouse.ErrorCode(err) == gatehouse.EINACTIVE {
			p.Title = "Waiting for activation"
		}
		c.render(w, r, status, "login", p)
		return
	}
	setSession(w, r, res.Session)
	setDevice(w, r, res.Device, res.DeviceExpires)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if tok := sessionToken(r); tok != "" {
		if err := c.svc.ConsoleLogout(r.Context(), tok); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	clearSession(w, r)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

func (c *Console) signupPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "signup", &page{Title: "Sign up"})
}

// signupResult is the page after a sign-up: the key, once.
type signupResult struct {
	Key    string
	Active bool
}

func (c *Console) signup(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	in := core.SignupInput{Email: f.Get("email"), Password: f.Get("password"),
		ConfirmPassword: f.Get("confirm_password"), CompanyID: f.Get("company_id"), Client: clientInfo(r)}
	u, key, err := c.svc.Signup(r.Context(), in)
	if err != nil {
		status, text := c.errText(w, r, err)
		p := &page{Title: "Sign up", Form: map[string]string{"email": in.Email, "company_id": in.CompanyID}}
		switch e := gatehouse.ErrorReason(err); {
		case strings.HasPrefix(e.Name, "email"):
			p.fieldError("email", text)
		case e == gatehouse.ReasonPasswordMismatch:
			p.fieldError("confirm_password", text)
		case strings.HasPrefix(e.Name, "password"):
			p.fieldError("password", text)
		case e == gatehouse.ReasonCompanyIDTooLong:
			p.fieldError("company_id", text)
		default:
			p.Error = text
		}
		c.render(w, r, status, "signup", p)
		return
	}
	c.render(w, r, http.StatusOK, "signedup", &page{Title: "Your API key", Data: signupResult{Key: key, Active: u.Status == gatehouse.UserActive}})
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "home", &page{Title: "Account", Section: "home"})
}

// keysData is the keys page.
type keysData struct {
	Keys     []*gatehouse.APIKey
	Revealed string // a key or token just made, shown once
	Kind     string // "key" or "token"
	Expires  string
}

func (c *Console) keysPage(w http.ResponseWriter, r *http.Request, status int, p *page, d keysData) {
	keys, err := c.svc.ListKeys(r.Context())
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	d.Keys = keys
	p.Title, p.Section, p.Data = "API keys", "keys", d
	c.render(w, r, status, "keys", p)
}

func (c *Console) keys(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("deleted") != "" {
		p.Flash = "The key was deleted. It no longer works anywhere."
	}
	c.keysPage(w, r, http.StatusOK, p, keysData{})
}

func (c *Console) createKey(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	name := f.Get("name")
	k, clear, err := c.svc.CreateKey(r.Context(), name)
	if err != nil {
		status, p := c.fieldPage(w, r, err, "name", map[string]string{"name": name})
		c.keysPage(w, r, status, p, keysData{})
		return
	}
	c.keysPage(w, r, http.StatusOK, &page{Flash: "Key " + strconv.Quote(k.Name) + " was created."}, keysData{Revealed: clear, Kind: "key"})
}

func (c *Console) findKey(w http.ResponseWriter, r *http.Request) (*gatehouse.APIKey, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		keys, err := c.svc.ListKeys(r.Context())
		if err != nil {
			c.failErr(w, r, err)
			return nil, false
		}
		if i := slices.IndexFunc(keys, func(k *gatehouse.APIKey) bool { return k.ID == id }); i >= 0 {
			return keys[i], true
		}
	}
	c.fail(w, r, http.StatusNotFound, "There is no such key.")
	return nil, false
}

func (c *Console) confirmDeleteKey(w http.ResponseWriter, r *http.Request) {
	k, ok := c.findKey(w, r)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "deletekey", &page{Title: "Delete key", Section: "keys", Data: k})
}

func (c *Console) deleteKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, http.StatusNotFound, "There is no such key.")
		return
	}
	if err := c.svc.DeleteKey(r.Context(), id); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"keys?deleted=1", http.StatusSeeOther)
}

func (c *Console) createToken(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(f.Get("key_id"), 10, 64)
	if err != nil {
		c.fail(w, r, http.StatusNotFound, "There is no such key.")
		return
	}
	tok, exp, err := c.svc.CreateAccessToken(r.Context(), id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.keysPage(w, r, http.StatusOK, &page{Flash: "An access token was made. It works for 24 hours."},
		keysData{Revealed: tok, Kind: "token", Expires: exp.UTC().Format("2006-01-02 15:04 UTC")})
}

// activityData is the activity page: the newest logins and prompt logs.
type activityData struct {
	Logins  []*gatehouse.Login
	Prompts []*gatehouse.PromptLog
}

// activityMax is how many logins and prompt logs the page shows.
const activityMax = 100

func (c *Console) activity(w http.ResponseWriter, r *http.Request) {
	logins, err := c.svc.ListLogins(r.Context(), activityMax)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	var prompts []*gatehouse.PromptLog
	err = c.svc.ListPromptLogs(r.Context(), activityMax, func(batch []*gatehouse.PromptLog) error {
		prompts = append(prompts, batch...)
		return nil
	})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "activity", &page{Title: "Activity", Section: "activity", Data: activityData{Logins: logins, Prompts: prompts}})
}

// adminData is the admin page.
type adminData struct {
	Pending []*gatehouse.User
	Users   []*gatehouse.User
	Query   string
	Self    int64
}

// adminListMax bounds the accounts the admin page lists.
const adminListMax = 500

func (c *Console) adminPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	ctx := r.Context()
	pending, err := c.svc.ListUsers(ctx, gatehouse.UserFilter{Status: gatehouse.UserPending, Limit: adminListMax})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	all, err := c.svc.ListUsers(ctx, gatehouse.UserFilter{})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var users []*gatehouse.User
	for _, u := range all {
		if q == "" || strings.Contains(strings.ToLower(u.Email), strings.ToLower(q)) {
			users = append(users, u)
		}
		if len(users) == adminListMax {
			break
		}
	}
	me, _ := gatehouse.PrincipalFromContext(ctx)
	p.Title, p.Section, p.Data = "Accounts", "admin", adminData{Pending: pending, Users: users, Query: q, Self: me.UserID}
	c.render(w, r, status, "admin", p)
}

func (c *Console) admin(w http.ResponseWriter, r *http.Request) {
	// The outcome of the last action, by name: the page words it, so a
	// crafted link cannot put words of its own on the admin's page.
	q := r.URL.Query()
	p := &page{}
	if words, ok := adminDone[q.Get("done")]; ok {
		p.Flash = q.Get("email") + words
	}
	c.adminPage(w, r, http.StatusOK, p)
}

func (c *Console) adminAct(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	email := f.Get("email")
	ctx := r.Context()
	var err error
	var done string
	switch r.URL.Path {
	case Prefix + "admin/activate":
		_, err = c.svc.ActivateUser(ctx, email)
		done = "activated"
	case Prefix + "admin/deactivate":
		_, err = c.svc.DeactivateUser(ctx, email)
		done = "deactivated"
	case Prefix + "admin/cac":
		on := f.Get("on") == "1"
		_, err = c.svc.SetCAC(ctx, email, on)
		done = "cac-off"
		if on {
			done = "cac-on"
		}
	}
	if err != nil {
		status, text := c.errText(w, r, err)
		c.adminPage(w, r, status, &page{Error: text})
		return
	}
	http.Redirect(w, r, Prefix+"admin?done="+done+"&email="+url.QueryEscape(email), http.StatusSeeOther)
}

// adminDone words the outcomes of the admin actions, after the e-mail.
var adminDone = map[string]string{
	"activated":   " is active.",
	"deactivated": " is deactivated: its keys, tokens and sessions no longer work.",
	"cac-on":      " is CAC-verified.",
	"cac-off":     " is no longer CAC-verified.",
}
