package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CookieName is the session cookie. Its value is a "ghs_" token; the
// store keeps only its hash (core.ConsoleLogin).
const CookieName = "gatehouse_session"

// DeviceCookieName is the device cookie: set by a successful login, it
// lets this browser past the per-account login budget that a guesser
// elsewhere may have spent (core.ConsoleLoginInput.Device).
const DeviceCookieName = "gatehouse_device"

// Prefix is where the console is served.
const Prefix = "/console/"

// maxForm bounds a console form's body: every form is a few short fields.
const maxForm = 16 << 10

// csp is the console's Content-Security-Policy: its own styles and script
// only, no inline code, no frames, forms only to itself.
const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Console is the web console's handler.
type Console struct {
	svc   *core.Service
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

// New returns the console, to be mounted at Prefix.
func New(svc *core.Service, log *slog.Logger) *Console {
	c := &Console{svc: svc, log: log, pages: parsePages(), mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	c.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusForbidden, "This form was sent from another site, so it was refused. Reload the page and try again.")
	}))
	c.routes()
	return c
}

// ServeHTTP answers a console request: every answer carries the CSP and
// no-store, and every state-changing request must come from the console's
// own pages (http.CrossOriginProtection: Sec-Fetch-Site, else Origin
// against Host).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.cop.Handler(c.mux).ServeHTTP(w, r)
}

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
	}
	// The layout and the partials (_*.html) are shared; each other file is
	// a page defining "content".
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// page is what every template gets.
type page struct {
	Title   string
	User    *gatehouse.Principal // nil when signed out
	Flash   string               // a plain-word success message
	Error   string               // a plain-word error for the whole form
	Fields  map[string]string    // errors next to a field, by field name
	Form    map[string]string    // values to put back in the form
	Data    any
	Section string
}

func (p *page) fieldError(name, msg string) {
	if p.Fields == nil {
		p.Fields = map[string]string{}
	}
	p.Fields[name] = msg
}

// render writes page name with status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t := c.pages[name]
	if t == nil {
		panic("console: no page " + name)
	}
	if p.User == nil {
		if pr, ok := gatehouse.PrincipalFromContext(r.Context()); ok {
			p.User = &pr
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.log.Error("console: template", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders a page holding only an error.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "error", &page{Title: http.StatusText(status), Error: msg})
}

// failErr renders err on a page of its own (errText).
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status, text := c.errText(w, r, err)
	c.fail(w, r, status, text)
}

// errText is the status and gatehouse's words of err, for whichever page
// shows it. A 429 or 503 gets its Retry-After on w, as on every surface. A
// fault is logged here with the request id; the page says only "Internal
// error".
func (c *Console) errText(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	status, text := apierror.Describe(err)
	if status >= 500 {
		c.log.LogAttrs(r.Context(), slog.LevelError, "console request failed",
			slog.String("requestId", reqinfo.From(r.Context()).ID), slog.Any("err", err))
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		secs := max((gatehouse.ErrorRetryAfter(err)+time.Second-1)/time.Second, 1)
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	return status, text
}

// fieldPage is the status of err and a page showing its words beside the
// form field field, with form's values put back.
func (c *Console) fieldPage(w http.ResponseWriter, r *http.Request, err error, field string, form map[string]string) (int, *page) {
	status, text := c.errText(w, r, err)
	p := &page{Form: form}
	p.fieldError(field, text)
	return status, p
}

// formLimits bound a console form: every form is a few short fields.
var formLimits = httpio.BodyLimits{Body: maxForm, Value: maxForm, File: 0, Parts: 16}

// form reads a url-encoded (or multipart) form of at most maxForm bytes,
// through httpio, which never spools to disk. A bad body answers 400 (413
// past a limit) and returns false.
func (c *Console) form(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	var ignored struct{}
	f, err := httpio.DecodeJSONOrForm(w, r, formLimits, &ignored)
	if err == nil && f == nil {
		err = gatehouse.Err(gatehouse.ReasonFormUnreadable) // JSON: the console takes forms
	}
	if err != nil {
		status, _ := apierror.Describe(err)
		if status == http.StatusRequestEntityTooLarge {
			c.fail(w, r, status, "The form is too large.")
		} else {
			c.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		}
		return nil, false
	}
	return f, true
}

func clientInfo(r *http.Request) core.ClientInfo {
	return core.ClientInfo{IP: reqinfo.From(r.Context()).IP, UserAgent: r.UserAgent()}
}

// secure reports whether the session cookie must be Secure: the request
// came over TLS, or through a proxy that says it did.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: Prefix, HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(gatehouse.SessionMaxAge / time.Second)})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: Prefix, HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func setDevice(w http.ResponseWriter, r *http.Request, v string, exp time.Time) {
	http.SetCookie(w, &http.Cookie{Name: DeviceCookieName, Value: v, Path: Prefix + "login", HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteStrictMode, Expires: exp})
}

func cookieValue(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

func sessionToken(r *http.Request) string { return cookieValue(r, CookieName) }

// signedIn wraps a page that needs a session: without a valid one a GET is
// sent to the login page (and back after it), anything else gets 401.
func (c *Console) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := sessionToken(r)
		if tok != "" {
			p, err := c.svc.AuthenticateSession(r.Context(), tok, clientInfo(r))
			if err == nil {
				h(w, r.WithContext(gatehouse.NewContextWithPrincipal(r.Context(), p)))
				return
			}
			if code := gatehouse.ErrorCode(err); code != gatehouse.EUNAUTHORIZED {
				c.failErr(w, r, err)
				return
			}
			clearSession(w, r)
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		c.fail(w, r, http.StatusUnauthorized, "Your session has ended. Log in again.")
	}
}

// adminOnly wraps signedIn for the admin pages: 403 for anyone else.
func (c *Console) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return c.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if p, _ := gatehouse.PrincipalFromContext(r.Context()); !p.Admin {
			c.fail(w, r, http.StatusForbidden, "This page is for administrators.")
			return
		}
		h(w, r)
	})
}
