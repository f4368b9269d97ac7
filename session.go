package gatehouse

import "time"

// ConsoleSession is a signed-in web console session. The browser holds a
// random token in an HttpOnly cookie; the store keeps only its hash, so a
// stolen database yields no usable session. Sessions are rows rather than
// signed cookies for the same reason access tokens are: logging out,
// deactivating the account or an admin's revocation must end a session at
// once on every node, which a delete does and a signature cannot.
type ConsoleSession struct {
	Hash      Hash
	UserID    int64
	CreatedAt time.Time
	SeenAt    time.Time // the last request, kept to within SessionTouchEvery
	ExpiresAt time.Time // the absolute end: CreatedAt + SessionMaxAge
	IP        string    // where it signed in
	UserAgent string
}

// Console session lifetimes: a session ends after SessionIdle without a
// request, or SessionMaxAge after sign-in, whichever comes first. SeenAt is
// written at most once per SessionTouchEvery, so a busy console page does
// not write on every request.
const (
	SessionIdle       = 2 * time.Hour
	SessionMaxAge     = 12 * time.Hour
	SessionTouchEvery = time.Minute
)
