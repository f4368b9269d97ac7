package core_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// countingStore counts the transactions core opens while armed: a refused
// call must open none, so it neither reads nor changes anything.
type countingStore struct {
	gatehouse.Store
	armed atomic.Bool
	txs   atomic.Int64
}

func (c *countingStore) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	if c.armed.Load() {
		c.txs.Add(1)
	}
	return c.Store.Update(ctx, fn)
}

func (c *countingStore) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	if c.armed.Load() {
		c.txs.Add(1)
	}
	return c.Store.View(ctx, fn)
}

func (c *countingStore) Read(ctx context.Context, fn func(gatehouse.Tx) error) error {
	if c.armed.Load() {
		c.txs.Add(1)
	}
	return c.Store.Read(ctx, fn)
}

// countingModels is a model server that answers and counts its calls.
type countingModels struct{ calls atomic.Int64 }

func (m *countingModels) Complete(context.Context, gatehouse.CompletionRequest) (*gatehouse.Completion, error) {
	m.calls.Add(1)
	return &gatehouse.Completion{Text: "hello", Model: "m", PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}, nil
}

func (m *countingModels) Models(context.Context) ([]gatehouse.Model, error) {
	m.calls.Add(1)
	return []gatehouse.Model{{ID: "m"}}, nil
}

// authzWorld is one account holding a credential of every kind, a second
// account to share with, and the app its app key belongs to.
type authzWorld struct {
	svc                  *core.Service
	email, other         string
	api, token, acct, ap context.Context // the account's callers, by kind
	sess                 context.Context // the account's console session
	adminSess            context.Context // a console session of another account, an admin
	app                  string          // the app key's app
	appKeyID             string          // the app key itself
	n                    int
}

// name returns a fresh name with prefix.
func (w *authzWorld) name(prefix string) string { w.n++; return fmt.Sprintf("%s-%d", prefix, w.n) }

// must(f())(t) is f's value, or the end of t when f failed.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// newAuthzWorld builds the world from real credentials, each verified by
// core as a dialect would.
func newAuthzWorld(t *testing.T, svc *core.Service) *authzWorld {
	ctx := context.Background()
	w := &authzWorld{svc: svc, email: "u@example.com", other: "v@example.com"}
	key, pAPI := activeUser(t, svc, w.email)
	activeUser(t, svc, w.other)
	tok, _, err := svc.ExchangeToken(ctx, w.email, key, core.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	pTok := must(svc.Authenticate(ctx, tok, core.ClientInfo{}))(t)
	ak := must(svc.IssueAccountKey(ctx, w.email, "acct"))(t)
	pAcct := must(svc.AuthenticateKeySecret(ctx, ak.Key.ID, ak.Secret, core.ClientInfo{}))(t)
	app := must(svc.CreateApp(as(pAcct), new("app"), gatehouse.AppSettingsPatch{}, nil))(t)
	k := must(svc.CreateAppKey(as(pAcct), app.ID, "k"))(t)
	pApp := must(svc.AuthenticateKeySecret(ctx, k.Key.ID, k.Secret, core.ClientInfo{}))(t)
	for _, c := range []struct {
		p    gatehouse.Principal
		kind gatehouse.CredentialKind
	}{{pAPI, gatehouse.CredAPIKey}, {pTok, gatehouse.CredAccessToken}, {pAcct, gatehouse.CredAccountKey}, {pApp, gatehouse.CredAppKey}} {
		if c.p.Kind != c.kind || c.p.UserID != pAPI.UserID {
			t.Fatalf("principal %+v, want kind %v of user %d", c.p, c.kind, pAPI.UserID)
		}
	}
	w.api, w.token, w.acct, w.ap = as(pAPI), as(pTok), as(pAcct), as(pApp)
	w.sess = as(sessionOf(t, svc, w.email, "password1"))
	if _, _, err := svc.CreateUser(ctx, "admin@example.com", "password1", true, true); err != nil {
		t.Fatal(err)
	}
	w.adminSess = as(sessionOf(t, svc, "admin@example.com", "password1"))
	w.app, w.appKeyID = app.ID, k.Key.ID
	return w
}

// sessionOf logs email in to the console and returns its session's caller.
func sessionOf(t *testing.T, svc *core.Service, email, pw string) gatehouse.Principal {
	t.Helper()
	res := must(svc.ConsoleLogin(context.Background(), core.ConsoleLoginInput{Email: email, Password: pw}))(t)
	p := must(svc.AuthenticateSession(context.Background(), res.Session, core.ClientInfo{}))(t)
	if p.Kind != gatehouse.CredSession || p.Email != email {
		t.Fatalf("session principal %+v", p)
	}
	return p
}

// adminSession is the kind the matrix gives the admin's console session
// column (a CredSession with Admin set): allowed where an admin list names
// it; on the account's own data it is another account, so the matrix
// checks it on the admin and operator use cases only.
const adminSession gatehouse.CredentialKind = 253

// call makes what one call of a use case needs (the caller's kind is given
// so a fixture can depend on it) and returns the call.
type call func(t *testing.T, w *authzWorld, kind gatehouse.CredentialKind) func(ctx context.Context) error

var (
	user     = []gatehouse.CredentialKind{gatehouse.CredAPIKey, gatehouse.CredAccessToken, gatehouse.CredSession}
	account  = []gatehouse.CredentialKind{gatehouse.CredAccountKey, gatehouse.CredSession}
	appScope = []gatehouse.CredentialKind{gatehouse.CredAccountKey, gatehouse.CredAppKey, gatehouse.CredSession}
	session  = []gatehouse.CredentialKind{gatehouse.CredSession}
	// opOnly: CredNone here means "no principal at all": the operator.
	opOnly = []gatehouse.CredentialKind{gatehouse.CredNone}
	// adminOrOp: the operator or an admin's console session.
	adminOrOp = []gatehouse.CredentialKind{gatehouse.CredNone, adminSession}
)

// noPrincipal lists the exported methods of core.Service that act for no
// caller, so take none: credential checks, sign-up and infrastructure.
var noPrincipal = []string{
	"Authenticate", "AuthenticateJWT", "AuthenticateKeySecret", "AuthenticateSession", "CheckMasterKey", "ConsoleLogin", "ConsoleLogout",
	"ExchangeToken", "Ready", "Run", "Signup", "Stats", "Unauthenticated", "Verify",
}

// authzTable is who may call each use case, and a call
// that succeeds for an allowed caller. A call that must change something
// for an allowed caller targets the caller's own data, so that the same
// call by a refused caller would change it too if it got through.
func authzTable() map[string]struct {
	allowed []gatehouse.CredentialKind
	call    call
} {
	type row = struct {
		allowed []gatehouse.CredentialKind
		call    call
	}
	msg := []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "hi"}}
	return map[string]row{
		// Ask Sage user use cases: API key or access token.
		"ListKeys": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListKeys(ctx); return err }
		}},
		"CreateKey": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, _, err := w.svc.CreateKey(ctx, w.name("key")); return err }
		}},
		"DeleteKey": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			k, _, err := w.svc.IssueKey(context.Background(), w.email, w.name("victim"))
			if err != nil {
				t.Fatal(err)
			}
			return func(ctx context.Context) error { return w.svc.DeleteKey(ctx, k.ID) }
		}},
		"ListLogins": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListLogins(ctx, 10); return err }
		}},
		"ListPromptLogs": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				return w.svc.ListPromptLogs(ctx, 10, func([]*gatehouse.PromptLog) error { return nil })
			}
		}},
		"AddDataset": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := w.svc.AddDataset(ctx, w.name("data"), gatehouse.Unclassified)
				return err
			}
		}},
		"ListDatasets": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListDatasets(ctx); return err }
		}},
		"DeleteDataset": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			d := must(w.svc.AddDataset(w.api, w.name("data"), gatehouse.Unclassified))(t)
			return func(ctx context.Context) error { return w.svc.DeleteDataset(ctx, d.Name) }
		}},
		"ShareDataset": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			d := must(w.svc.AddDataset(w.api, w.name("data"), gatehouse.Unclassified))(t)
			return func(ctx context.Context) error { return w.svc.ShareDataset(ctx, d.Name, w.other, gatehouse.PermRead) }
		}},
		"ListShares": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			d := must(w.svc.AddDataset(w.api, w.name("data"), gatehouse.Unclassified))(t)
			return func(ctx context.Context) error { _, err := w.svc.ListShares(ctx, d.Name); return err }
		}},
		"UnshareDataset": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			d := must(w.svc.AddDataset(w.api, w.name("data"), gatehouse.Unclassified))(t)
			if err := w.svc.ShareDataset(w.api, d.Name, w.other, gatehouse.PermRead); err != nil {
				t.Fatal(err)
			}
			return func(ctx context.Context) error { return w.svc.UnshareDataset(ctx, d.Name, w.other) }
		}},
		"CreateChat": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.CreateChat(ctx, "title"); return err }
		}},
		"AppendChat": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.AppendChat(ctx, "", "title", msg); return err }
		}},
		"ListChats": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { return w.svc.ListChats(ctx, &chatRecorder{}) }
		}},
		"GetChat": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			c := must(w.svc.CreateChat(w.api, "title"))(t)
			return func(ctx context.Context) error { return w.svc.GetChat(ctx, c.ID, &chatRecorder{}) }
		}},
		"DeleteChat": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			c := must(w.svc.CreateChat(w.api, "title"))(t)
			return func(ctx context.Context) error { return w.svc.DeleteChat(ctx, c.ID) }
		}},
		"Query": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := w.svc.Query(ctx, core.QueryInput{Messages: msg})
				return err
			}
		}},
		"ListModels": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListModels(ctx); return err }
		}},
		"CreateAccountKey": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.CreateAccountKey(ctx, w.name("acct")); return err }
		}},
		"ListAccountKeys": {user, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListAccountKeys(ctx); return err }
		}},
		"DeleteAccountKey": {user, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			k := must(w.svc.IssueAccountKey(context.Background(), w.email, w.name("victim")))(t)
			return func(ctx context.Context) error { return w.svc.DeleteAccountKey(ctx, k.Key.ID) }
		}},

		// Sunshine: account provisioning and app keys need an account key;
		// an app and its settings also take that app's own app key. Calls
		// target the app key's own app, so a refusal is about the kind.
		"CreateApp": {account, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := w.svc.CreateApp(ctx, new("another"), gatehouse.AppSettingsPatch{}, nil)
				return err
			}
		}},
		"ListApps": {account, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListApps(ctx, gatehouse.AppPage{}); return err }
		}},
		"GetApp": {appScope, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.GetApp(ctx, w.app); return err }
		}},
		"UpdateApp": {appScope, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := w.svc.UpdateApp(ctx, w.app, core.AppPatch{DisplayName: new(w.name("renamed"))})
				return err
			}
		}},
		"DeleteApp": {account, func(t *testing.T, w *authzWorld, kind gatehouse.CredentialKind) func(context.Context) error {
			id := w.app // refused callers aim at the app key's own app
			if kind == gatehouse.CredAccountKey || kind == gatehouse.CredSession {
				id = must(w.svc.CreateApp(w.acct, new("doomed"), gatehouse.AppSettingsPatch{}, nil))(t).ID
			}
			return func(ctx context.Context) error { return w.svc.DeleteApp(ctx, id) }
		}},
		"CreateAppKey": {account, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.CreateAppKey(ctx, w.app, "k2"); return err }
		}},
		"ListAppKeys": {account, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListAppKeys(ctx, w.app); return err }
		}},
		"GetAppKey": {account, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.GetAppKey(ctx, w.app, w.appKeyID); return err }
		}},
		"DeleteAppKey": {account, func(t *testing.T, w *authzWorld, kind gatehouse.CredentialKind) func(context.Context) error {
			app, key := w.app, w.appKeyID // refused callers aim at the app key itself
			if kind == gatehouse.CredAccountKey || kind == gatehouse.CredSession {
				app = must(w.svc.CreateApp(w.acct, new("doomed"), gatehouse.AppSettingsPatch{}, nil))(t).ID
				key = must(w.svc.CreateAppKey(w.acct, app, "doomed"))(t).Key.ID
			}
			return func(ctx context.Context) error { return w.svc.DeleteAppKey(ctx, app, key) }
		}},

		// The console's own: a token from a key, for a signed-in account.
		"CreateAccessToken": {session, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			keys := must(w.svc.ListKeys(w.api))(t)
			return func(ctx context.Context) error { _, _, err := w.svc.CreateAccessToken(ctx, keys[0].ID); return err }
		}},

		// Operator use cases (the command line): no principal at all.
		"IssueKey": {opOnly, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, _, err := w.svc.IssueKey(ctx, w.email, w.name("op")); return err }
		}},
		"IssueAccountKey": {opOnly, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := w.svc.IssueAccountKey(ctx, w.email, w.name("op"))
				return err
			}
		}},
		"ListAccountKeysOf": {opOnly, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListAccountKeysOf(ctx, w.email); return err }
		}},
		"DeleteAccountKeyOf": {opOnly, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			k := must(w.svc.IssueAccountKey(context.Background(), w.email, w.name("victim")))(t)
			return func(ctx context.Context) error { return w.svc.DeleteAccountKeyOf(ctx, w.email, k.Key.ID) }
		}},
		"CreateUser": {opOnly, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, _, err := w.svc.CreateUser(ctx, w.name("new")+"@example.com", "password1", true, true)
				return err
			}
		}},
		"FindUserByEmail": {opOnly, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.FindUserByEmail(ctx, w.other); return err }
		}},
		"ListUsers": {adminOrOp, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ListUsers(ctx, gatehouse.UserFilter{}); return err }
		}},
		"ActivateUser": {adminOrOp, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.ActivateUser(ctx, w.other); return err }
		}},
		"DeactivateUser": {adminOrOp, func(t *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			email := w.name("doomed") + "@example.com"
			if _, _, err := w.svc.CreateUser(context.Background(), email, "password1", false, true); err != nil {
				t.Fatal(err)
			}
			return func(ctx context.Context) error { _, err := w.svc.DeactivateUser(ctx, email); return err }
		}},
		"ListAudit": {adminOrOp, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := w.svc.ListAudit(ctx, gatehouse.AuditFilter{Limit: 5})
				return err
			}
		}},
		"SetCAC": {adminOrOp, func(_ *testing.T, w *authzWorld, _ gatehouse.CredentialKind) func(context.Context) error {
			return func(ctx context.Context) error { _, err := w.svc.SetCAC(ctx, w.other, true); return err }
		}},
	}
}

// TestAuthorizationMatrix: every exported use case × every kind of caller
// (none, a principal of no or an unknown kind, API key, access token,
// account key, app key) is allowed (and succeeds) or refused — EUNAUTHORIZED
// without a caller, EFORBIDDEN for a caller of the wrong kind — and a
// refused call opens no transaction and calls no model server, so it reads
// and changes nothing. Authorization lives in core, so
// this holds whichever route or surface calls.
func TestAuthorizationMatrix(t *testing.T) {
	table := authzTable()

	// The table must name every exported method of core.Service, so a new
	// use case cannot be added without saying who may call it.
	st := reflect.TypeFor[*core.Service]()
	var methods []string
	for i := range st.NumMethod() {
		methods = append(methods, st.Method(i).Name)
	}
	listed := slices.Clone(noPrincipal)
	for name := range table {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	for _, m := range methods {
		if !slices.Contains(listed, m) {
			t.Errorf("core.Service.%s is in neither authzTable nor noPrincipal: say which callers it admits", m)
		}
	}
	for _, m := range listed {
		if !slices.Contains(methods, m) {
			t.Errorf("%s is listed but core.Service has no such method", m)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	store := &countingStore{Store: openStore(t, "")}
	models := &countingModels{}
	svc := core.New(store, core.Options{Argon2: cheap, Models: models})
	w := newAuthzWorld(t, svc)
	ctxUser := gatehouse.NewContextWithPrincipal
	p, _ := gatehouse.PrincipalFromContext(w.api)
	// Each column's kind is what the table's allowed lists name; the two
	// malformed principals get kinds no list names, so they are refused.
	callers := []struct {
		name string
		kind gatehouse.CredentialKind
		ctx  context.Context
	}{
		{"no principal", gatehouse.CredNone, context.Background()},
		{"principal of no kind", 254, ctxUser(context.Background(), gatehouse.Principal{UserID: p.UserID, Email: p.Email})},
		{"principal of an unknown kind", 255, ctxUser(context.Background(), gatehouse.Principal{UserID: p.UserID, Email: p.Email, Kind: 99, KeyID: p.KeyID})},
		{"API key", gatehouse.CredAPIKey, w.api},
		{"access token", gatehouse.CredAccessToken, w.token},
		{"account key", gatehouse.CredAccountKey, w.acct},
		{"app key", gatehouse.CredAppKey, w.ap},
		{"console session", gatehouse.CredSession, w.sess},
		{"admin console session", adminSession, w.adminSess},
	}
	names := make([]string, 0, len(table))
	for name := range table {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		uc := table[name]
		for _, c := range callers {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				if c.kind == adminSession && !slices.Contains(uc.allowed, adminSession) && !slices.Contains(uc.allowed, gatehouse.CredNone) {
					t.Skip("another account's session: the console session column covers this use case")
				}
				run := uc.call(t, w, c.kind)
				txs, calls := store.txs.Load(), models.calls.Load()
				store.armed.Store(true)
				err := run(c.ctx)
				store.armed.Store(false)
				if slices.Contains(uc.allowed, c.kind) {
					if err != nil {
						t.Fatalf("allowed, yet: %v", err)
					}
					return
				}
				want := gatehouse.EFORBIDDEN
				if c.kind == gatehouse.CredNone {
					want = gatehouse.EUNAUTHORIZED
				}
				if got := gatehouse.ErrorCode(err); got != want {
					t.Errorf("got %v (%q), want %s", err, got, want)
				}
				if n := store.txs.Load() - txs; n != 0 {
					t.Errorf("a refused call opened %d transactions", n)
				}
				if n := models.calls.Load() - calls; n != 0 {
					t.Errorf("a refused call reached the model server %d times", n)
				}
			})
		}
	}
}

// TestAppKeyScopeInCore: an app key reaches its own app only, in core: on
// another app of the same account it is refused and changes nothing.
func TestAppKeyScopeInCore(t *testing.T) {
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap})
	w := newAuthzWorld(t, svc)
	other := must(svc.CreateApp(w.acct, new("other"), gatehouse.AppSettingsPatch{}, nil))(t)
	if _, err := svc.GetApp(w.ap, other.ID); gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN {
		t.Errorf("GetApp of another app with an app key: %v, want EFORBIDDEN", err)
	}
	if _, err := svc.UpdateApp(w.ap, other.ID, core.AppPatch{DisplayName: new("hijacked")}); gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN {
		t.Errorf("UpdateApp of another app with an app key: %v, want EFORBIDDEN", err)
	}
	if got := must(svc.GetApp(w.acct, other.ID))(t); got.DisplayName != "other" {
		t.Errorf("the other app is now named %q", got.DisplayName)
	}
	if _, err := svc.GetApp(w.ap, w.app); err != nil {
		t.Errorf("GetApp of its own app with an app key: %v", err)
	}
}
