package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

func consoleLogin(svc *core.Service, email, pw, device, ip string) (core.ConsoleLoginResult, error) {
	return svc.ConsoleLogin(context.Background(), core.ConsoleLoginInput{Email: email, Password: pw, Device: device,
		Client: core.ClientInfo{IP: ip, UserAgent: "browser/1"}})
}

// TestConsoleLogin: the right password of an active account starts a
// session that authenticates as the account; pending and disabled accounts
// are told so only with the right password; a wrong password and an
// unknown e-mail get the same error; every attempt is in the history.
func TestConsoleLogin(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap})
	ctx := context.Background()
	if _, _, err := svc.Signup(ctx, core.SignupInput{Email: "a@example.com", Password: "password1", ConfirmPassword: "password1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.1"); gatehouse.ErrorReason(err) != gatehouse.ReasonAccountPending {
		t.Fatalf("pending: %v, want ReasonAccountPending", err)
	}
	_, wrongPending := consoleLogin(svc, "a@example.com", "password2", "", "192.0.2.1")
	_, unknown := consoleLogin(svc, "nobody@example.com", "password1", "", "192.0.2.1")
	for what, err := range map[string]error{"wrong password (pending)": wrongPending, "unknown e-mail": unknown} {
		if gatehouse.ErrorReason(err) != gatehouse.ReasonBadLogin {
			t.Errorf("%s: %v, want ReasonBadLogin", what, err)
		}
	}
	if _, err := svc.ActivateUser(ctx, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	res, err := consoleLogin(svc, " A@Example.com ", "password1", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.AuthenticateSession(ctx, res.Session, core.ClientInfo{})
	if err != nil || p.Kind != gatehouse.CredSession || p.Email != "a@example.com" || p.Admin {
		t.Fatalf("AuthenticateSession: %+v, %v", p, err)
	}
	ls, err := svc.ListLogins(as(p), 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		if l.Kind != gatehouse.LoginConsole || l.IP != "192.0.2.1" || l.UserAgent != "browser/1" {
			t.Errorf("login row %+v", l)
		}
		got = append(got, l.Reason)
	}
	if want := []string{"", "invalid password", "account pending"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("login reasons (newest first) %q, want %q", got, want)
	}

	// Logout ends the session; ending it again is fine.
	if err := svc.ConsoleLogout(ctx, res.Session); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateSession(ctx, res.Session, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("after logout: %v", err)
	}
	if err := svc.ConsoleLogout(ctx, res.Session); err != nil {
		t.Fatalf("second logout: %v", err)
	}

	// Deactivation ends every session of the account.
	res, err = consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeactivateUser(ctx, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateSession(ctx, res.Session, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("after deactivation: %v", err)
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.1"); gatehouse.ErrorReason(err) != gatehouse.ReasonAccountDisabled {
		t.Fatalf("disabled: %v, want ReasonAccountDisabled", err)
	}
	for _, bad := range []string{"", "ghs_x", strings.Repeat("a", 53), res.Session + "x"} {
		if _, err := svc.AuthenticateSession(ctx, bad, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Errorf("AuthenticateSession(%q): %v", bad, err)
		}
	}
}

// TestConsoleSessionExpiry: a session ends after SessionIdle without a
// request, and SessionMaxAge after sign-in even when used all along.
func TestConsoleSessionExpiry(t *testing.T) {
	clk := newClock()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now})
	activeUser(t, svc, "a@example.com")
	ctx := context.Background()
	res, err := consoleLogin(svc, "a@example.com", "password1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(gatehouse.SessionIdle - time.Second)
	if _, err := svc.AuthenticateSession(ctx, res.Session, core.ClientInfo{}); err != nil {
		t.Fatalf("just before the idle limit: %v", err)
	}
	idle, err := consoleLogin(svc, "a@example.com", "password1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(gatehouse.SessionIdle)
	if _, err := svc.AuthenticateSession(ctx, idle.Session, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("after the idle limit: %v", err)
	}
	used, err := consoleLogin(svc, "a@example.com", "password1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	for clk.Now().Sub(start) < gatehouse.SessionMaxAge-time.Hour {
		clk.Add(time.Hour)
		if _, err := svc.AuthenticateSession(ctx, used.Session, core.ClientInfo{}); err != nil {
			t.Fatalf("%v after sign-in, used hourly: %v", clk.Now().Sub(start), err)
		}
	}
	clk.Add(time.Hour)
	if _, err := svc.AuthenticateSession(ctx, used.Session, core.ClientInfo{}); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("at the absolute limit: %v", err)
	}
}

// TestConsoleLoginThrottles: past the per-IP-and-e-mail budget a login is
// refused before the password is checked, right or wrong, from that IP
// only; past the per-account budget every IP is refused except a browser
// holding the account's device cookie, which the owner got from an earlier
// login; known and unknown e-mails are throttled alike.
func TestConsoleLoginThrottles(t *testing.T) {
	clk := newClock()
	lim := core.Limits{
		LoginFailuresPerIP:        core.Unlimited,
		LoginFailuresPerIPAccount: ratelimit.Limit{Every: time.Minute, Burst: 3},
		LoginFailuresPerAccount:   ratelimit.Limit{Every: time.Hour, Burst: 6},
	}
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now, Limits: lim})
	activeUser(t, svc, "a@example.com")
	owner, err := consoleLogin(svc, "a@example.com", "password1", "", "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"a@example.com", "ghost@example.com"} {
		for i := range 3 {
			if _, err := consoleLogin(svc, email, "wrong-password", "", "192.0.2.1"); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
				t.Fatalf("%s failure %d: %v", email, i, err)
			}
		}
		if _, err := consoleLogin(svc, email, "wrong-password", "", "192.0.2.1"); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
			t.Fatalf("%s past the IP+e-mail budget: %v", email, err)
		}
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.1"); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
		t.Fatalf("right password from the throttled IP: %v, want ERATELIMIT", err)
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.2"); err != nil {
		t.Fatalf("right password from another IP: %v", err)
	}
	// Three more IPs spend the per-account budget (6).
	for i, ip := range []string{"192.0.2.3", "192.0.2.4", "192.0.2.5"} {
		if _, err := consoleLogin(svc, "a@example.com", "wrong-password", "", ip); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED && i < 2 {
			t.Fatalf("failure from %s: %v", ip, err)
		}
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.9"); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
		t.Fatalf("right password from a new IP past the account budget: %v, want ERATELIMIT", err)
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", owner.Device, "192.0.2.9"); err != nil {
		t.Fatalf("the owner's browser (device cookie) past the account budget: %v", err)
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", owner.Device+"x", "192.0.2.10"); gatehouse.ErrorCode(err) != gatehouse.ERATELIMIT {
		t.Fatalf("a forged device cookie: %v, want ERATELIMIT", err)
	}
	if _, err := consoleLogin(svc, "b@example.com", "password1", owner.Device, "192.0.2.11"); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("a's device cookie for another e-mail: %v", err)
	}
	clk.Add(7 * time.Hour) // the budgets refill
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", "192.0.2.1"); err != nil {
		t.Fatalf("after the budgets refilled: %v", err)
	}
}

// TestConsoleLoginRehash: a password stored under weaker parameters is
// rehashed under the current ones by a successful login, and still works.
func TestConsoleLoginRehash(t *testing.T) {
	st := openStore(t, "")
	weak := core.New(st, core.Options{Argon2: cheap})
	activeUser(t, weak, "a@example.com")
	stronger := password.Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	svc := core.New(st, core.Options{Argon2: stronger})
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", ""); err != nil {
		t.Fatal(err)
	}
	u, err := svc.FindUserByEmail(context.Background(), "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=128,t=2,p=1$") {
		t.Fatalf("hash after login %q", u.PasswordHash)
	}
	if _, err := consoleLogin(svc, "a@example.com", "password1", "", ""); err != nil {
		t.Fatalf("login after rehash: %v", err)
	}
}
