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
