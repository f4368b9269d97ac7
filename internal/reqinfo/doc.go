// Package reqinfo carries what the server learns about a request before any
// surface sees it: its id (also sent as X-Request-Id) and the client's IP.
// httpserver's first middleware puts it in the request context; the
// surfaces read it for their error logs and for the client information core
// throttles and records logins by. It is read-only past that middleware. Who
// the caller is travels separately, as the gatehouse.Principal in the
// context. It is a leaf package: it imports nothing of gatehouse.
package reqinfo
