package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// TestAuditTrail: a scenario that makes every kind of security event
// leaves exactly its rows, in order, with the actor ("cli" for the
// operator, the admin's e-mail for the admin's console), the subject and
// the outcome, and no secret; a refused change (over a limit, another
// user's id, a wrong key) leaves no row but its own failure event where
// one is defined. Runs on the backend GATEHOUSE_TEST_STORE names.
func TestAuditTrail(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, MaxKeysPerUser: 2})
	ctx := context.Background()
	ci := core.ClientInfo{IP: "192.0.2.7", UserAgent: "t/1"}

	_, key, err := svc.Signup(ctx, core.SignupInput{Email: "a@example.com", Password: "password1", ConfirmPassword: "password1", Client: ci})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateUser(ctx, "root@example.com", "password1", true, true); err != nil {
		t.Fatal(err)
	}
	res, err := svc.ConsoleLogin(ctx, core.ConsoleLoginInput{Email: "root@example.com", Password: "password1", Client: ci})
	if err != nil {
		t.Fatal(err)
	}
	admin := as(must(svc.AuthenticateSession(ctx, res.Session, ci))(t))
	if _, err := svc.ActivateUser(admin, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.ExchangeToken(ctx, "a@example.com", key+"x", ci); err == nil {
		t.Fatal("a wrong key exchanged")
	}
	if _, _, err := svc.ExchangeToken(ctx, "a@example.com", key, ci); err != nil {
		t.Fatal(err)
	}
	p := must(svc.Authenticate(ctx, key, ci))(t)
	user := as(p)
	k, _, err := svc.CreateKey(user, "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateKey(user, "third"); gatehouse.ErrorCode(err) != gatehouse.EINVALID && gatehouse.ErrorCode(err) != gatehouse.ECONFLICT && gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN {
		t.Fatalf("a key over the limit: %v", err)
	}
	if err := svc.DeleteKey(user, 9999); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Fatalf("another id: %v", err)
	}
	if err := svc.DeleteKey(user, k.ID); err != nil {
		t.Fatal(err)
	}
	ak := must(svc.CreateAccountKey(user, "acct"))(t)
	acct := as(must(svc.AuthenticateKeySecret(ctx, ak.Key.ID, ak.Secret, ci))(t))
	app := must(svc.CreateApp(acct, new("app"), gatehouse.AppSettingsPatch{}, nil))(t)
	appKey := must(svc.CreateAppKey(acct, app.ID, "k"))(t)
	if err := svc.DeleteAppKey(acct, app.ID, appKey.Key.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteApp(acct, app.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteAccountKey(user, ak.Key.ID); err != nil {
		t.Fatal(err)
	}
	d := must(svc.AddDataset(user, "data", gatehouse.Unclassified))(t)
	if err := svc.ShareDataset(user, d.Name, "root@example.com", gatehouse.PermRead); err != nil {
		t.Fatal(err)
	}
	if err := svc.UnshareDataset(user, d.Name, "root@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteDataset(user, d.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCAC(ctx, "a@example.com", true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeactivateUser(admin, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := svc.ConsoleLogout(ctx, res.Session); err != nil {
		t.Fatal(err)
	}

	evs, err := svc.ListAudit(ctx, gatehouse.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, string(e.Type)+" "+e.Actor+" "+e.Outcome)
		for _, secret := range []string{key, ak.Secret, appKey.Secret, res.Session, "password1"} {
			if strings.Contains(e.Subject+e.Detail+e.Actor+e.Email, secret) {
				t.Errorf("event %+v holds a secret", e)
			}
		}
		if e.At.IsZero() || e.ID == 0 {
			t.Errorf("event %+v lacks its time or id", e)
		}
	}
	want := []string{
		"signup a@example.com success",
		"account.create cli success",
		"console.login root@example.com success",
		"account.activate root@example.com success",
		"token.exchange a@example.com invalid api key",
		"token.exchange a@example.com success",
		"key.create a@example.com success",
		"key.delete a@example.com success",
		"account_key.create a@example.com success",
		"app.create a@example.com success",
		"app_key.create a@example.com success",
		"app_key.delete a@example.com success",
		"app.delete a@example.com success",
		"account_key.delete a@example.com success",
		"dataset.share a@example.com success",
		"dataset.unshare a@example.com success",
		"dataset.delete a@example.com success",
		"account.cac cli success",
		"account.deactivate root@example.com success",
		"console.logout root@example.com success",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit trail:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if evs[4].IP != ci.IP || evs[4].Email != "a@example.com" {
		t.Errorf("the failed exchange: %+v", evs[4])
	}

	// Filters: by e-mail (the account or the actor), by type.
	byType := must(svc.ListAudit(ctx, gatehouse.AuditFilter{Type: gatehouse.AuditTokenExchange}))(t)
	if len(byType) != 2 {
		t.Errorf("token exchanges: %d", len(byType))
	}
	root := must(svc.ListAudit(ctx, gatehouse.AuditFilter{Email: "ROOT@example.com"}))(t)
	var rootTypes []string
	for _, e := range root {
		rootTypes = append(rootTypes, string(e.Type))
	}
	// Created, logged in, activated a (actor), shared with and unshared
	// from (the account concerned), deactivated a (actor), logged out.
	if want := "account.create console.login account.activate dataset.share dataset.unshare account.deactivate console.logout"; strings.Join(rootTypes, " ") != want {
		t.Errorf("root's events: %v, want %s", rootTypes, want)
	}
	// A non-admin may not read the trail.
	if _, err := svc.ListAudit(user, gatehouse.AuditFilter{}); gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN {
		t.Errorf("a user reads the audit trail: %v", err)
	}
}

// TestAuditRetention: with AuditRetention set, the background cleanup
// deletes the events older than it and keeps the rest; without it every
// event stays.
func TestAuditRetention(t *testing.T) {
	for _, keep := range []bool{true, false} {
		clk := newClock()
		opt := core.Options{Argon2: cheap, Now: clk.Now}
		if keep {
			opt.AuditRetention = 30 * 24 * time.Hour
		}
		svc := core.New(openStore(t, ""), opt)
		activeUser(t, svc, "old@example.com") // signup, activation
		clk.Add(31 * 24 * time.Hour)
		activeUser(t, svc, "new@example.com")
		core.Cleanup(svc, context.Background())
		evs := must(svc.ListAudit(context.Background(), gatehouse.AuditFilter{}))(t)
		want := 4
		if keep {
			want = 2
		}
		if len(evs) != want {
			t.Errorf("retention %v: %d events left, want %d", opt.AuditRetention, len(evs), want)
		}
		for _, e := range evs {
			if keep && e.Email != "new@example.com" {
				t.Errorf("an event older than the retention was kept: %+v", e)
			}
		}
	}
}
