package gatehouse

import "time"

// LoginKind names how a login happened.
type LoginKind string

// Login kinds.
const (
	LoginToken   LoginKind = "token"   // an API key exchanged for an access token
	LoginConsole LoginKind = "console" // a password login to the web console
)

// Login is one row of an account's login history: every token exchange and
// console login, success or failure.
type Login struct {
	ID        int64
	UserID    int64
	At        time.Time
	IP        string
	UserAgent string
	Kind      LoginKind
	Success   bool
	Reason    string // why it failed; empty on success
}

// LoginAttempt is a failed sign-in that names no account: a token exchange
// for an e-mail no account has. It has no account's history to go to, so it
// is kept apart, for the operator: many of them from one place is how
// credential stuffing shows. Writing it also gives such a failure the same
// cost as a failure for an existing account, so timing does not tell the
// two apart. The key or password tried is never kept.
type LoginAttempt struct {
	ID        int64
	At        time.Time
	IP        string
	UserAgent string
	Kind      LoginKind
	Email     string // as sent, when it reads as an e-mail address; else empty
	Reason    string
}
