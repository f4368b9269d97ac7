// Package gate serves /auth/verify, gatehouse's forward-auth endpoint: a
// reverse proxy (nginx auth_request, Caddy forward_auth, Traefik
// ForwardAuth, Envoy's HTTP ext_authz) asks it whether a request's
// credential is live, and passes the identity headers of a 200 to its
// upstream. It is the one surface that speaks for no dialect: it accepts
// every credential gatehouse issues, from x-access-tokens, X-API-Key or
// Authorization (Bearer or Basic), and answers in its own tiny envelope
// (docs/architecture.md, "The hot path of a request"; the README, "Forward
// auth").
//
// The contract, and the choices made where the contract is silent:
//   - Any method, and any path under /auth/verify/ (Envoy appends the
//     original path). The request body is never read.
//   - Exactly one credential header, sent once: none, two of them (even
//     with the same value) or one repeated is the one 401.
//   - x-access-tokens carries an API key or an access token; X-API-Key an
//     API key only; Bearer an API key or an access token (by prefix) or
//     else a Sunshine JWT; Basic an app_ or act_ key id and its secret.
//   - 200 without a body, with the X-Gatehouse-* identity headers (never
//     an empty one; X-Gatehouse-Cac only for API keys and access tokens);
//     401 {"error":"unauthorized"} with WWW-Authenticate for every
//     credential that does not verify; 403 {"error":"inactive"} for a
//     credential of any kind, once it has verified, of an account that is
//     not active.
//   - Past the client's failure budget: 429 {"error":"rate_limited"} with
//     Retry-After; a database that cannot answer: 503
//     {"error":"unavailable"} with Retry-After. Both refuse the request,
//     whatever the proxy makes of them (nginx's auth_request turns them
//     into a 500 unless it is told otherwise: see the README).
//   - Every other path under /auth/ is the gate's 404 {"error":"not_found"}.
package gate
