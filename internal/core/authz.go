package core

import (
	"context"

	"github.com/gatehouse/gatehouse"
)

// Authorization by credential kind. Routing decides nothing: every exported
// use case that acts for a caller starts with authorize(ctx, <set>), and its
// doc comment names the set, so a credential of the wrong kind is refused
// here, before any data is read, whichever surface (a dialect, forward-auth,
// the console) called. Operator use cases (the command line) start with
// operator(ctx) instead and refuse any principal. What remains (Signup,
// ExchangeToken, Authenticate*, Verify, Unauthenticated, Ready, Run, Stats,
// CheckMasterKey) acts for no one: Verify, the gate's credential check,
// admits every kind and takes no caller from the context.
// authz_test.go walks every exported use case × every kind and fails when
// one is added without being listed there.

// callers is a set of credential kinds.
type callers uint32

func allow(kinds ...gatehouse.CredentialKind) callers {
	var c callers
	for _, k := range kinds {
		c |= 1 << k
	}
	return c
}

func (c callers) has(k gatehouse.CredentialKind) bool { return k < 32 && c&(1<<k) != 0 }

// The sets the use cases name.
var (
	// userCallers: an Ask Sage user, by API key or by an access token made
	// from one (the seeds manage keys with either).
	// A console session is the account itself, signed in with its
	// password, so it may do whatever the account's keys may.
	userCallers = allow(gatehouse.CredAPIKey, gatehouse.CredAccessToken, gatehouse.CredSession)
	// accountCallers: a Sunshine account key (act_): account provisioning
	// and app keys (docs/spec/sunshine.md §5.4); and a console session.
	accountCallers = allow(gatehouse.CredAccountKey, gatehouse.CredSession)
	// appCallers: a Sunshine account key, or an app key (app_) for its own
	// app, which appAccess enforces; and a console session.
	appCallers = allow(gatehouse.CredAccountKey, gatehouse.CredAppKey, gatehouse.CredSession)
	// sessionCallers: a console session only.
	sessionCallers = allow(gatehouse.CredSession)
)

// errWrongCredential refuses a valid credential of a kind the use case does
// not serve.
var errWrongCredential = gatehouse.CodeErr(gatehouse.EFORBIDDEN)

// authorize returns the caller in ctx if its credential kind is in allowed:
// EUNAUTHORIZED without a caller, EFORBIDDEN for another kind (for an app
// key on an account-only use case, the Sunshine wording).
func authorize(ctx context.Context, allowed callers) (gatehouse.Principal, error) {
	p, ok := gatehouse.PrincipalFromContext(ctx)
	if !ok {
		return gatehouse.Principal{}, errUnauthorized
	}
	if !allowed.has(p.Kind) {
		if p.Kind == gatehouse.CredAppKey && allowed.has(gatehouse.CredAccountKey) {
			return gatehouse.Principal{}, errAccountScope
		}
		return gatehouse.Principal{}, errWrongCredential
	}
	return p, nil
}

// admin admits the operator (no principal) and a console session of an
// account with the admin flag, which core reads from the account row on
// every console request, so a revoked flag takes effect at once: the
// account administration use cases (list, activate, deactivate, CAC) that
// the console's admin pages and the command line share. EFORBIDDEN for any
// other caller, an API key of an admin included: admin power needs the
// password, never a key a script may leak.
func admin(ctx context.Context) (gatehouse.Principal, error) {
	p, ok := gatehouse.PrincipalFromContext(ctx)
	if p == (gatehouse.Principal{}) {
		return p, nil
	}
	if !ok || p.Kind != gatehouse.CredSession || !p.Admin {
		return gatehouse.Principal{}, errWrongCredential
	}
	return p, nil
}

// operator admits only a context without a principal: operator use cases
// (the command line, which has the database and the master key anyway) act
// on any account by e-mail, so no remote caller, of whatever kind or
// privilege, may reach one. EFORBIDDEN otherwise.
func operator(ctx context.Context) error {
	if p, _ := gatehouse.PrincipalFromContext(ctx); p != (gatehouse.Principal{}) {
		return errWrongCredential
	}
	return nil
}
