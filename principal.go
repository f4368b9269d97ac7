package gatehouse

import "context"

// CredentialKind names the kind of credential a caller presented.
type CredentialKind uint8

// Credential kinds.
const (
	CredNone        CredentialKind = iota
	CredAPIKey                     // a user's static "stai-" key
	CredAccessToken                // a 24-hour token made from an API key
	CredAppKey                     // a Sunshine app key (app_...), scoped to one app
	CredAccountKey                 // a Sunshine account key (act_...), scoped to an account's apps
	CredSession                    // a web console session (cookie): the account itself
)

func (k CredentialKind) String() string {
	switch k {
	case CredAPIKey:
		return "api_key"
	case CredAccessToken:
		return "access_token"
	case CredAppKey:
		return "app_key"
	case CredAccountKey:
		return "account_key"
	case CredSession:
		return "session"
	}
	return "none"
}

// Principal is who is calling and with what. The dialect middleware puts one
// in the request context; core decides what it may do.
type Principal struct {
	UserID int64
	Email  string
	Kind   CredentialKind
	KeyID  int64  // the API key used, or the one the token was made from
	CredID string // the app_ or act_ key used
	AppID  string // for an app key: the one app it may touch
	Admin  bool
	CAC    bool // the session counts as CAC-authenticated
}

type principalKey struct{}

// NewContextWithPrincipal returns a copy of ctx carrying p.
func NewContextWithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the caller in ctx, if any.
func PrincipalFromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.UserID != 0
}
