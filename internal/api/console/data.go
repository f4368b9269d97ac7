package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// Datasets, chats and prompt logs: the account's data pages.

func (c *Console) dataRoutes() {
	m := c.mux
	m.HandleFunc("GET /console/datasets", c.signedIn(c.datasets))
	m.HandleFunc("POST /console/datasets", c.signedIn(c.createDataset))
	m.HandleFunc("GET /console/datasets/{ref}", c.signedIn(c.dataset))
	m.HandleFunc("POST /console/datasets/{ref}/share", c.signedIn(c.shareDataset))
	m.HandleFunc("POST /console/datasets/{ref}/unshare", c.signedIn(c.unshareDataset))
	m.HandleFunc("GET /console/datasets/{ref}/delete", c.signedIn(c.confirmDeleteDataset))
	m.HandleFunc("POST /console/datasets/{ref}/delete", c.signedIn(c.deleteDataset))

	m.HandleFunc("GET /console/chats", c.signedIn(c.chats))
	m.HandleFunc("GET /console/chats/{id}", c.signedIn(c.chat))
	m.HandleFunc("POST /console/chats/{id}/delete", c.signedIn(c.deleteChat))
}

// datasetRow is one dataset as the caller sees it.
type datasetRow struct {
	FullName       string
	Name           string
	Classification gatehouse.Classification
	Permission     gatehouse.Permission
	Owner          bool
	Admin          bool // may see and change the shares
}

func rowOf(a gatehouse.DatasetAccess) datasetRow {
	return datasetRow{FullName: a.Dataset.FullName(), Name: a.Dataset.Name, Classification: a.Dataset.Classification,
		Permission: a.Permission, Owner: a.Permission == gatehouse.PermOwner, Admin: a.Permission.AtLeast(gatehouse.PermAdmin)}
}

// datasetsData is the datasets page.
type datasetsData struct {
	Datasets []datasetRow
	CAC      bool
}

func (c *Console) datasetsPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	list, err := c.svc.ListDatasets(r.Context())
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	d := datasetsData{}
	for _, a := range list {
		d.Datasets = append(d.Datasets, rowOf(a))
	}
	me, _ := gatehouse.PrincipalFromContext(r.Context())
	d.CAC = me.CAC
	p.Title, p.Section, p.Data = "Datasets", "datasets", d
	c.render(w, r, status, "datasets", p)
}

func (c *Console) datasets(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	switch r.URL.Query().Get("done") {
	case "deleted":
		p.Flash = "The dataset was deleted."
	case "left":
		p.Flash = "You no longer have access to that dataset."
	}
	c.datasetsPage(w, r, http.StatusOK, p)
}

func (c *Console) createDataset(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(f.Get("name"))
	class := gatehouse.Unclassified
	if f.Get("classification") == string(gatehouse.CUI) {
		class = gatehouse.CUI
	}
	d, err := c.svc.AddDataset(r.Context(), name, class)
	if err != nil {
		status, p := c.fieldPage(w, r, err, "name", map[string]string{"name": name, "classification": string(class)})
		c.datasetsPage(w, r, status, p)
		return
	}
	c.datasetsPage(w, r, http.StatusOK, &page{Flash: "Dataset " + d.FullName() + " was created."})
}

// findDataset is the caller's view of the dataset ref (a full name), or a
// 404 page.
func (c *Console) findDataset(w http.ResponseWriter, r *http.Request) (datasetRow, bool) {
	ref := r.PathValue("ref")
	list, err := c.svc.ListDatasets(r.Context())
	if err != nil {
		c.failErr(w, r, err)
		return datasetRow{}, false
	}
	for _, a := range list {
		if a.Dataset.FullName() == ref {
			return rowOf(a), true
		}
	}
	c.fail(w, r, http.StatusNotFound, "There is no such dataset, or it is not shared with you.")
	return datasetRow{}, false
}

// datasetData is one dataset's page.
type datasetData struct {
	Dataset datasetRow
	Shares  []gatehouse.ShareHolder
	Perms   []gatehouse.Permission
}

var sharePerms = []gatehouse.Permission{gatehouse.PermRead, gatehouse.PermEdit, gatehouse.PermAdmin}

func (c *Console) datasetPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	d, ok := c.findDataset(w, r)
	if !ok {
		return
	}
	data := datasetData{Dataset: d, Perms: sharePerms}
	if d.Admin {
		shares, err := c.svc.ListShares(r.Context(), d.FullName)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		data.Shares = shares
	}
	p.Title, p.Section, p.Data = d.FullName, "datasets", data
	c.render(w, r, status, "dataset", p)
}

func (c *Console) dataset(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("done") == "shared" {
		p.Flash = "The sharing was changed."
	}
	c.datasetPage(w, r, http.StatusOK, p)
}

func (c *Console) shareDataset(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	ref := r.PathValue("ref")
	email := strings.TrimSpace(f.Get("email"))
	err := c.svc.ShareDataset(r.Context(), ref, email, gatehouse.Permission(f.Get("permission")))
	if err != nil {
		status, p := c.fieldPage(w, r, err, "email", map[string]string{"email": email})
		c.datasetPage(w, r, status, p)
		return
	}
	http.Redirect(w, r, Prefix+"datasets/"+url.PathEscape(ref)+"?done=shared", http.StatusSeeOther)
}

func (c *Console) unshareDataset(w http.ResponseWriter, r *http.Request) {
	f, ok := c.form(w, r)
	if !ok {
		return
	}
	ref := r.PathValue("ref")
	email := f.Get("email")
	if err := c.svc.UnshareDataset(r.Context(), ref, email); err != nil {
		c.failErr(w, r, err)
		return
	}
	me, _ := gatehouse.PrincipalFromContext(r.Context())
	if gatehouse.NormalizeEmail(email) == gatehouse.NormalizeEmail(me.Email) {
		http.Redirect(w, r, Prefix+"datasets?done=left", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"datasets/"+url.PathEscape(ref)+"?done=shared", http.StatusSeeOther)
}

func (c *Console) confirmDeleteDataset(w http.ResponseWriter, r *http.Request) {
	d, ok := c.findDataset(w, r)
	if !ok {
		return
	}
	if !d.Owner {
		c.fail(w, r, http.StatusForbidden, "Only the owner can delete a dataset.")
		return
	}
	c.render(w, r, http.StatusOK, "deletedataset", &page{Title: "Delete dataset", Section: "datasets", Data: d})
}

func (c *Console) deleteDataset(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.DeleteDataset(r.Context(), r.PathValue("ref")); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"datasets?done=deleted", http.StatusSeeOther)
}

// chatPageMax bounds what one console page holds of chats: the list shows
// at most this many sessions, a chat at most this many messages.
const chatPageMax = 500

// chatCollector is a core.ChatWriter that keeps sessions (and, with
// messages set, their messages) for a page, up to chatPageMax.
type chatCollector struct {
	messages bool
	chats    []chatView
}

type chatView struct {
	Session  *gatehouse.ChatSession
	Count    int
	Messages []*gatehouse.ChatMessage
	More     bool // messages past chatPageMax were left out
}

var _ core.ChatWriter = (*chatCollector)(nil)

func (cc *chatCollector) StartChat(s *gatehouse.ChatSession) error {
	cc.chats = append(cc.chats, chatView{Session: s})
	return nil
}

func (cc *chatCollector) Messages(msgs []*gatehouse.ChatMessage) error {
	v := &cc.chats[len(cc.chats)-1]
	v.Count += len(msgs)
	if cc.messages {
		room := max(chatPageMax-len(v.Messages), 0)
		if len(msgs) > room {
			msgs, v.More = msgs[:room], true
		}
		v.Messages = append(v.Messages, msgs...)
	}
	return nil
}

func (cc *chatCollector) EndChat() error { return nil }

func (c *Console) chats(w http.ResponseWriter, r *http.Request) {
	cc := &chatCollector{}
	if err := c.svc.ListChats(r.Context(), cc); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := &page{Title: "Chats", Section: "chats", Data: cc.chats}
	if r.URL.Query().Get("done") == "deleted" {
		p.Flash = "The chat was deleted."
	}
	c.render(w, r, http.StatusOK, "chats", p)
}

func (c *Console) chat(w http.ResponseWriter, r *http.Request) {
	cc := &chatCollector{messages: true}
	if err := c.svc.GetChat(r.Context(), r.PathValue("id"), cc); err != nil {
		c.failErr(w, r, err)
		return
	}
	if len(cc.chats) != 1 {
		c.fail(w, r, http.StatusNotFound, "There is no such chat.")
		return
	}
	v := cc.chats[0]
	title := v.Session.Title
	if title == "" {
		title = "Untitled chat"
	}
	c.render(w, r, http.StatusOK, "chat", &page{Title: title, Section: "chats", Data: v})
}

func (c *Console) deleteChat(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.DeleteChat(r.Context(), r.PathValue("id")); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"chats?done=deleted", http.StatusSeeOther)
}
