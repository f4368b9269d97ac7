package core

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/password"
)

// Console sessions (the web console's sign-in). Design, hard to undo, so
// written down here: a session is a random "ghs_" token in an HttpOnly
// cookie, stored as its SHA-256 with the account, the sign-in time and the
// last request (gatehouse.ConsoleSession). Every console request reads the
// row and the account, so logging out, an expiry, a deactivation and a
// revoked admin flag take effect on the next request on every node, with no
// cache and no revocation event to wait for: the console is not a hot path.

var (
	errBadLogin      = gatehouse.Err(gatehouse.ReasonBadLogin)
	errPendingLogin  = gatehouse.Err(gatehouse.ReasonAccountPending)
	errDisabledLogin = gatehouse.Err(gatehouse.ReasonAccountDisabled)
)

// dummyHash is checked in place of an unknown account's password hash, so
// an unknown e-mail costs what a wrong password costs.
var dummyHash struct {
	once sync.Once
	phc  string
}

func (s *Service) dummyPHC() string {
	dummyHash.once.Do(func() {
		dummyHash.phc, _ = s.hasher.Hash(credential.NewSessionToken())
	})
	return dummyHash.phc
}

// ConsoleLoginInput is a console login.
type ConsoleLoginInput struct {
	Email, Password string
	// Device is the browser's device cookie, if it has one: proof that an
	// earlier login for this account succeeded in this browser, which lets
	// it past the per-account failure budget (never past the per-IP ones).
	Device string
	Client ClientInfo
}

// ConsoleLoginResult is a started session.
type ConsoleLoginResult struct {
	Session       string    // the session token, for the session cookie
	Device        string    // a fresh device cookie for the account
	DeviceExpires time.Time // when that cookie stops counting
}

// deviceTTL is how long a device cookie lets its browser past the
// per-account login budget.
const deviceTTL = 90 * 24 * time.Hour

// ConsoleLogin checks an e-mail and password and, when they match an active
// account, starts a console session (its token is returned in clear, for
// the cookie; only its hash is stored). Every attempt writes a login row
// (kind console), success or failure; an e-mail no account has writes a
// LoginAttempt, after checking the password against a dummy hash, so the
// answer, the throttles and the cost are those of a wrong password. A
// password stored under weaker argon2 parameters than the current ones is
// rehashed on a successful login.
//
// Returns EUNAUTHORIZED (ReasonBadLogin) for a wrong pair, EINACTIVE
// (ReasonAccountPending, ReasonAccountDisabled) for the right password of
// an account that is not active, ERATELIMIT past a failure budget (per IP,
// per IP and e-mail, per e-mail unless in.Device vouches for the browser;
// checked before the password, so past it a guesser learns nothing), and
// EUNAVAILABLE when too many passwords are being checked at once.
func (s *Service) ConsoleLogin(ctx context.Context, in ConsoleLoginInput) (ConsoleLoginResult, error) {
	email := strings.TrimSpace(in.Email)
	ci := in.Client
	ip := clientKey(ci.IP)
	norm := gatehouse.NormalizeEmail(email)
	h := credential.Hash(norm)
	acct, ipAcct := string(h[:16]), ip+"\x00"+string(h[:16])
	now := s.now().UTC()
	trusted := s.deviceValid(in.Device, norm, now)
	if ip != "" {
		blockedIP, waitIP := s.loginFailures.Blocked(ip)
		blockedAcct, waitAcct := s.loginFailuresAcc.Blocked(ipAcct)
		if blockedIP || blockedAcct {
			return ConsoleLoginResult{}, throttled(max(waitIP, waitAcct))
		}
	}
	if !trusted {
		if blocked, wait := s.loginFailuresAll.Blocked(acct); blocked {
			return ConsoleLoginResult{}, throttled(wait)
		}
	}
	var u *gatehouse.User
	if email != "" && len(email) <= gatehouse.EmailMaxLen {
		err := s.store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			u, err = tx.Users().FindUserByEmail(ctx, email)
			return err
		})
		switch gatehouse.ErrorCode(err) {
		case "":
		case gatehouse.ENOTFOUND:
			u = nil
		default:
			return ConsoleLoginResult{}, err
		}
	}
	phc := s.dummyPHC()
	if u != nil {
		phc = u.PasswordHash
	}
	if err := s.acquireHash(ctx); err != nil {
		return ConsoleLoginResult{}, err
	}
	ok, _ := password.Check(in.Password, phc) // a malformed stored hash matches nothing
	var rehashed string
	if ok && u != nil && password.NeedsRehash(phc, s.hasher.Params) {
		rehashed, _ = s.hasher.Hash(in.Password)
	}
	<-s.hashSem
	ok = ok && u != nil

	ua := truncate(ci.UserAgent, 512)
	if !ok {
		var outcome error = errBadLogin
		reason := "invalid password"
		over, wait := false, time.Duration(0)
		if ip != "" {
			okIP, waitIP := s.loginFailures.Allow(ip)
			okAcct, waitAcct := s.loginFailuresAcc.Allow(ipAcct)
			over, wait = !okIP || !okAcct, max(waitIP, waitAcct)
		}
		if !trusted {
			if okAll, waitAll := s.loginFailuresAll.Allow(acct); !okAll {
				over, wait = true, max(wait, waitAll)
			}
		}
		if over {
			outcome, reason = throttled(wait), "throttled"
		}
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			named := attemptEmail(email)
			if u != nil {
				named = u.Email
			}
			if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditConsoleLogin, Actor: named, Subject: named, Email: named, IP: ci.IP, Outcome: reason}); err != nil {
				return err
			}
			if u == nil {
				return tx.Logins().CreateLoginAttempt(ctx, &gatehouse.LoginAttempt{
					At: now, IP: ci.IP, UserAgent: ua, Kind: gatehouse.LoginConsole, Email: attemptEmail(email), Reason: reason})
			}
			return tx.Logins().CreateLogin(ctx, &gatehouse.Login{
				UserID: u.ID, At: now, IP: ci.IP, UserAgent: ua, Kind: gatehouse.LoginConsole, Reason: reason})
		})
		if err != nil {
			return ConsoleLoginResult{}, err
		}
		return ConsoleLoginResult{}, outcome
	}

	clear := credential.NewSessionToken()
	var outcome error
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// The account as it is now: it may have changed since the read.
		// Locked, so a deactivation waits for this session or comes first.
		cur, err := tx.Users().LockUser(ctx, u.ID)
		if err != nil {
			return err
		}
		login := &gatehouse.Login{UserID: u.ID, At: now, IP: ci.IP, UserAgent: ua, Kind: gatehouse.LoginConsole}
		switch cur.Status {
		case gatehouse.UserActive:
			sess := &gatehouse.ConsoleSession{Hash: credential.Hash(clear), UserID: u.ID, CreatedAt: now, SeenAt: now,
				ExpiresAt: now.Add(gatehouse.SessionMaxAge), IP: ci.IP, UserAgent: ua}
			if err := tx.Sessions().CreateSession(ctx, sess); err != nil {
				return err
			}
			login.Success = true
		case gatehouse.UserPending:
			outcome, login.Reason = errPendingLogin, "account pending"
		default:
			outcome, login.Reason = errDisabledLogin, "account "+string(cur.Status)
		}
		ev := gatehouse.AuditEvent{Type: gatehouse.AuditConsoleLogin, Actor: cur.Email, Subject: cur.Email, Email: cur.Email, IP: ci.IP, Outcome: login.Reason}
		if err := s.audit(ctx, tx, ev); err != nil {
			return err
		}
		// Only the hash the password was checked against is replaced: a
		// password changed meanwhile stays.
		if rehashed != "" && cur.PasswordHash == phc {
			if _, err := tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{PasswordHash: &rehashed, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return tx.Logins().CreateLogin(ctx, login)
	})
	if err != nil {
		return ConsoleLoginResult{}, err
	}
	if outcome != nil {
		return ConsoleLoginResult{}, outcome
	}
	exp := now.Add(deviceTTL)
	return ConsoleLoginResult{Session: clear, Device: s.device(norm, exp), DeviceExpires: exp}, nil
}

// device is the device cookie of the account with normalised e-mail norm,
// good until exp: "<exp unix>.<base64url HMAC-SHA-256(deviceKey, exp|norm)>".
// It names no account in clear and grants nothing but a way past the
// per-account login budget; the password is still checked.
func (s *Service) device(norm string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write([]byte(e + "|" + norm))
	return e + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// deviceValid reports whether v is an unexpired device cookie of norm.
func (s *Service) deviceValid(v, norm string, now time.Time) bool {
	e, _, ok := strings.Cut(v, ".")
	if !ok || len(v) > 80 {
		return false
	}
	unix, err := strconv.ParseInt(e, 10, 64)
	if err != nil || !now.Before(time.Unix(unix, 0)) {
		return false
	}
	return hmac.Equal([]byte(v), []byte(s.device(norm, time.Unix(unix, 0))))
}

// deriveKey is HMAC-SHA-256(master, label): a key of its own for each use
// of the master key.
func deriveKey(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// AuthenticateSession returns the caller a console session token stands
// for: its account, as the account is now (kind CredSession, with the
// account's admin and CAC flags). EUNAUTHORIZED when the token is
// malformed, unknown, past its absolute or idle expiry, or its account is
// no longer active (a malformed or unknown token counts in ci's failure
// budget, as any failed credential check). The session's last-seen time
// is written at most once per gatehouse.SessionTouchEvery.
func (s *Service) AuthenticateSession(ctx context.Context, token string, ci ClientInfo) (gatehouse.Principal, error) {
	p, err := s.authenticateSession(ctx, token, ci)
	s.stats.verified(statSession, err, false)
	return p, err
}

func (s *Service) authenticateSession(ctx context.Context, token string, ci ClientInfo) (gatehouse.Principal, error) {
	if !credential.IsSessionToken(token) {
		return gatehouse.Principal{}, s.failed(ci)
	}
	if err := s.throttledIP(ci); err != nil {
		return gatehouse.Principal{}, err
	}
	h := credential.Hash(token)
	now := s.now().UTC()
	var sess *gatehouse.ConsoleSession
	var u *gatehouse.User
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		if sess, err = tx.Sessions().FindSessionByHash(ctx, h); err != nil {
			return err
		}
		u, err = tx.Users().FindUserByID(ctx, sess.UserID)
		return err
	})
	switch gatehouse.ErrorCode(err) {
	case "":
	case gatehouse.ENOTFOUND:
		return gatehouse.Principal{}, s.failed(ci)
	default:
		return gatehouse.Principal{}, err
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.SeenAt) >= gatehouse.SessionIdle || u.Status != gatehouse.UserActive {
		return gatehouse.Principal{}, errUnauthorized
	}
	if now.Sub(sess.SeenAt) >= gatehouse.SessionTouchEvery {
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.Sessions().TouchSession(ctx, h, now) })
		if err != nil && ctx.Err() == nil {
			s.log.Warn("console session: last-seen time not written", "err", err)
		}
	}
	return gatehouse.Principal{UserID: u.ID, Email: u.Email, Kind: gatehouse.CredSession, Admin: u.Admin, CAC: u.CAC}, nil
}

// ConsoleLogout ends the session of token, on every node at once (its row
// is deleted). Ending a session that does not exist is not an error.
func (s *Service) ConsoleLogout(ctx context.Context, token string) error {
	if !credential.IsSessionToken(token) {
		return nil
	}
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		h := credential.Hash(token)
		sess, err := tx.Sessions().FindSessionByHash(ctx, h)
		if err != nil {
			return err
		}
		if err := tx.Sessions().DeleteSession(ctx, h); err != nil {
			return err
		}
		u, err := tx.Users().FindUserByID(ctx, sess.UserID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditConsoleLogout, Actor: u.Email, Subject: u.Email, Email: u.Email})
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil
	}
	return err
}

// CreateAccessToken makes a 24-hour access token from one of the caller's
// API keys, as a token exchange does, and returns it in clear, once, with
// its expiry. It writes no login row: the caller is already signed in.
// Returns ENOTFOUND (ReasonAPIKeyNotFound) for a key that is not the
// caller's.
// Callers: a console session (the API's own way is the token exchange).
func (s *Service) CreateAccessToken(ctx context.Context, keyID int64) (string, time.Time, error) {
	p, err := authorize(ctx, sessionCallers)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now().UTC()
	clear := credential.NewAccessToken()
	tok := &gatehouse.AccessToken{Hash: credential.Hash(clear), UserID: p.UserID, KeyID: keyID,
		CreatedAt: now, ExpiresAt: now.Add(gatehouse.AccessTokenTTL)}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.Users().LockUser(ctx, p.UserID)
		if err != nil {
			return err
		}
		keys, err := tx.Keys().FindKeysByUser(ctx, p.UserID)
		if err != nil {
			return err
		}
		found := false
		for _, k := range keys {
			found = found || k.ID == keyID
		}
		if !found {
			return gatehouse.Err(gatehouse.ReasonAPIKeyNotFound)
		}
		if u.Status != gatehouse.UserActive {
			return errInactive
		}
		if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
			return err
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditTokenCreate, Actor: p.Email, Subject: u.Email, Email: u.Email,
			Detail: "key " + strconv.FormatInt(keyID, 10)})
	})
	if err != nil {
		return "", time.Time{}, err
	}
	s.neg.forget(tok.Hash)
	return clear, tok.ExpiresAt, nil
}
