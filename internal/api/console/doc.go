// Package console is the web console: server-rendered pages (html/template,
// assets embedded) under /console/ for what a user and an operator do in a
// browser: sign up, log in and out, keys and access tokens (each shown
// once), login history, and the admin pages (activation, deactivation,
// CAC). It is a surface like the dialects: it parses forms and cookies,
// calls core with a console-session principal (gatehouse.CredSession), and
// renders; every rule and every authorization decision is core's.
//
// Sessions are rows (core.ConsoleLogin); the cookie is HttpOnly,
// SameSite=Lax, Secure under TLS, scoped to /console/. Every state-changing
// request must come from the console's own pages (http.CrossOriginProtection),
// and every page carries a strict Content-Security-Policy: no inline script
// or style. A build with the no_console tag leaves the console out.
package console
