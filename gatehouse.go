// Package gatehouse holds the domain vocabulary of the gatehouse account and
// API-key service: accounts, API keys, access tokens, logins, the calling
// Principal, the Error type and the storage ports. It does no I/O and knows
// nothing of HTTP or SQL; see internal/core for the rules and internal/store
// for the backends.
package gatehouse

// Version and Commit are set at build time with -ldflags.
var (
	Version = "dev"
	Commit  = ""
)
