// Package asksage serves the Ask Sage User API dialect (/user/...): its wire
// types, its {"response": ..., "status": <int>} envelope (the HTTP status
// always equals "status"), and its credential headers (x-access-tokens, and
// X-API-Key as sent by sumtyme clients).
package asksage
