package httpserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Sunshine Conversations v2 app keys (docs/spec/sunshine.md §4), and the account
// keys users make through /user (internal/api/asksage/accountkeys.go).

// checkKeyShape asserts one key object is exactly {id, displayName, secret}
// with an app_ id and a server-generated secret.
func checkKeyShape(t *testing.T, raw json.RawMessage) wireKey {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || len(fields) != 3 {
		t.Errorf("key %s: want exactly id, displayName, secret", raw)
	}
	var k wireKey
	if err := json.Unmarshal(raw, &k); err != nil {
		t.Fatalf("key %s: %v", raw, err)
	}
	if !appKeyIDRE.MatchString(k.ID) || !keySecretRE.MatchString(k.Secret) || k.DisplayName == "" {
		t.Errorf("key %s: want an app_ + 24 hex id, a name and a 256-bit secret", raw)
	}
	k.key().remember()
	return k
}

// TestSunshineKeys covers create, list, get and delete of app keys with an
// account key (Basic and JWT), secrets included as the spec shows them.
func TestSunshineKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	for cname, h := range acct.key.creds(t) {
		t.Run(cname, func(t *testing.T) {
			a := e.createApp(t, h, "keys "+cname)
			base := "/v2/apps/" + a.ID + "/keys"

			r := e.call(t, http.MethodGet, base, h, "")
			if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"keys":[]}` {
				t.Errorf("list before any key: %s, want {\"keys\":[]}", r)
			}

			var made []wireKey
			for i := range 3 {
				r := e.call(t, http.MethodPost, base, h, fmt.Sprintf(`{"displayName": "key %d"}`, i))
				if r.status != http.StatusCreated {
					t.Fatalf("create: %s, want 201", r)
				}
				var top map[string]json.RawMessage
				decodeInto(t, r, &top)
				if len(top) != 1 || top["key"] == nil {
					t.Fatalf("create: want exactly {\"key\": ...}: %s", r)
				}
				k := checkKeyShape(t, top["key"])
				if k.DisplayName != fmt.Sprintf("key %d", i) {
					t.Errorf("displayName %q", k.DisplayName)
				}
				made = append(made, k)
			}
			if made[0].Secret == made[1].Secret || made[0].ID == made[1].ID {
				t.Fatalf("two keys share an id or secret: %+v", made)
			}

			t.Run("the new key works", func(t *testing.T) {
				for _, k := range made {
					for n, kh := range k.key().creds(t) {
						if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, kh, ""); r.status != http.StatusOK {
							t.Errorf("%s with %s: %s", k.ID, n, r)
						}
					}
				}
			})

			t.Run("list with secrets", func(t *testing.T) {
				r := e.call(t, http.MethodGet, base, h, "")
				if r.status != http.StatusOK {
					t.Fatalf("list: %s", r)
				}
				var top struct {
					Keys []json.RawMessage `json:"keys"`
				}
				decodeInto(t, r, &top)
				var got []wireKey
				for _, raw := range top.Keys {
					got = append(got, checkKeyShape(t, raw))
				}
				for _, k := range made {
					if !slices.Contains(got, k) {
						t.Errorf("list lacks %+v: %s", k, r)
					}
				}
				if len(got) != len(made) {
					t.Errorf("list has %d keys, want %d", len(got), len(made))
				}
			})

			t.Run("get with secret", func(t *testing.T) {
				for _, k := range made {
					r := e.call(t, http.MethodGet, base+"/"+k.ID, h, "")
					if r.status != http.StatusOK {
						t.Fatalf("get %s: %s", k.ID, r)
					}
					var top map[string]json.RawMessage
					decodeInto(t, r, &top)
					if got := checkKeyShape(t, top["key"]); got != k || len(top) != 1 {
						t.Errorf("get %s: %s, want %+v", k.ID, r, k)
					}
				}
			})

			t.Run("delete", func(t *testing.T) {
				k := made[0]
				r := e.call(t, http.MethodDelete, base+"/"+k.ID, h, "")
				if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{}` {
					t.Fatalf("delete: %s, want 200 {}", r)
				}
				wantError(t, "get deleted", e.call(t, http.MethodGet, base+"/"+k.ID, h, ""), http.StatusNotFound, "not_found", "Resource not found")
				wantError(t, "delete deleted", e.call(t, http.MethodDelete, base+"/"+k.ID, h, ""), http.StatusNotFound, "not_found")
				l := e.call(t, http.MethodGet, base, h, "")
				if strings.Contains(string(l.body), k.ID) || !strings.Contains(string(l.body), made[1].ID) {
					t.Errorf("list after delete: %s", l)
				}
				for n, kh := range k.key().creds(t) {
					wantUnauthorized(t, "deleted key with "+n, e.call(t, http.MethodGet, "/v2/apps/"+a.ID, kh, ""))
				}
				for n, kh := range made[1].key().creds(t) {
					if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, kh, ""); r.status != http.StatusOK {
						t.Errorf("the other key with %s: %s", n, r)
					}
				}
			})
		})
	}
}

// TestSunshineKeys4xx covers the key limit, missing keys, keys of another
// app or account, and bad create bodies.
func TestSunshineKeys4xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	other := e.newSunAccount(t)
	h := acct.key.basic()
	a := e.createApp(t, h, "limited")
	b := e.createApp(t, h, "sibling")
	foreign := e.createApp(t, other.key.basic(), "foreign")
	bKey := e.createAppKey(t, h, b.ID, "sibling key")
	foreignKey := e.createAppKey(t, other.key.basic(), foreign.ID, "foreign key")
	base := "/v2/apps/" + a.ID + "/keys"

	t.Run("at most 10 keys per app", func(t *testing.T) {
		var ks []sunKey
		for i := range 10 {
			ks = append(ks, e.createAppKey(t, h, a.ID, fmt.Sprintf("k%d", i)))
		}
		r := e.call(t, http.MethodPost, base, h, `{"displayName": "eleventh"}`)
		wantError(t, "11th key", r, http.StatusBadRequest, "bad_request")
		var top struct {
			Keys []wireKey `json:"keys"`
		}
		decodeInto(t, e.call(t, http.MethodGet, base, h, ""), &top)
		if len(top.Keys) != 10 {
			t.Errorf("%d keys after the refused 11th, want 10", len(top.Keys))
		}
		// The limit is per app: the sibling can still get keys.
		e.createAppKey(t, h, b.ID, "sibling second")
		// Deleting one makes room again.
		if r := e.call(t, http.MethodDelete, base+"/"+ks[3].id, h, ""); r.status != http.StatusOK {
			t.Fatalf("delete: %s", r)
		}
		e.createAppKey(t, h, a.ID, "tenth again")
		wantError(t, "11th key again", e.call(t, http.MethodPost, base, h, `{"displayName": "eleventh"}`), http.StatusBadRequest, "bad_request")
	})

	t.Run("missing keys are not_found", func(t *testing.T) {
		for _, id := range []string{"app_000000000000000000000000", "nope", "act_000000000000000000000000", bKey.id, foreignKey.id, "%27%20OR%201%3D1%20--"} {
			wantError(t, "GET key "+id, e.call(t, http.MethodGet, base+"/"+id, h, ""), http.StatusNotFound, "not_found")
			wantError(t, "DELETE key "+id, e.call(t, http.MethodDelete, base+"/"+id, h, ""), http.StatusNotFound, "not_found")
		}
		// The sibling's key, addressed through the wrong app, survived.
		if r := e.call(t, http.MethodGet, "/v2/apps/"+b.ID+"/keys/"+bKey.id, h, ""); r.status != http.StatusOK {
			t.Errorf("sibling key after a delete through the wrong app: %s", r)
		}
		if r := e.call(t, http.MethodGet, "/v2/apps/"+b.ID, bKey.basic(), ""); r.status != http.StatusOK {
			t.Errorf("sibling key no longer works: %s", r)
		}
	})

	t.Run("another account's app is app_not_found", func(t *testing.T) {
		fbase := "/v2/apps/" + foreign.ID + "/keys"
		for _, rt := range []struct{ method, path, body string }{
			{http.MethodPost, fbase, `{"displayName": "stolen"}`},
			{http.MethodGet, fbase, ""},
			{http.MethodGet, fbase + "/" + foreignKey.id, ""},
			{http.MethodDelete, fbase + "/" + foreignKey.id, ""},
			{http.MethodGet, fbase + "/app_000000000000000000000000", ""},
		} {
			r := e.call(t, rt.method, rt.path, h, rt.body)
			wantError(t, rt.method+" "+rt.path, r, http.StatusNotFound, "app_not_found", "App not found")
			if strings.Contains(string(r.body), foreignKey.secret) {
				t.Errorf("%s %s leaks the foreign secret", rt.method, rt.path)
			}
		}
		if r := e.call(t, http.MethodGet, "/v2/apps/"+foreign.ID, foreignKey.basic(), ""); r.status != http.StatusOK {
			t.Errorf("the foreign key no longer works: %s", r)
		}
		var top struct {
			Keys []wireKey `json:"keys"`
		}
		decodeInto(t, e.call(t, http.MethodGet, fbase, other.key.basic(), ""), &top)
		if len(top.Keys) != 1 {
			t.Errorf("foreign app has %d keys, want 1", len(top.Keys))
		}
	})

	t.Run("unknown and malformed apps are app_not_found", func(t *testing.T) {
		for _, app := range []string{"000000000000000000000000", "xyz", strings.ToUpper(a.ID)} {
			for _, rt := range []struct{ method, path, body string }{
				{http.MethodPost, "/v2/apps/" + app + "/keys", `{"displayName": "x"}`},
				{http.MethodGet, "/v2/apps/" + app + "/keys", ""},
				{http.MethodGet, "/v2/apps/" + app + "/keys/" + bKey.id, ""},
				{http.MethodDelete, "/v2/apps/" + app + "/keys/" + bKey.id, ""},
			} {
				wantError(t, rt.method+" "+rt.path, e.call(t, rt.method, rt.path, h, rt.body), http.StatusNotFound, "app_not_found")
			}
		}
	})

	t.Run("bad create bodies", func(t *testing.T) {
		for _, body := range []string{
			`{}`, ``, `{"displayName": ""}`, `{"displayName": "   "}`, `{"displayName": null}`, `{"displayName": 5}`,
			mustJSON(t, map[string]string{"displayName": strings.Repeat("k", 101)}),
			`{"name": "v1 field"}`, `not json`, `{"displayName": "a"} x`,
		} {
			r := e.call(t, http.MethodPost, "/v2/apps/"+b.ID+"/keys", h, body)
			wantError(t, "create key "+body, r, http.StatusBadRequest, "bad_request")
		}
		r := e.call(t, http.MethodPost, "/v2/apps/"+b.ID+"/keys", h, `{}`)
		wantError(t, "create key {}", r, http.StatusBadRequest, "bad_request", "should have required property 'displayName'")
	})

	t.Run("keys of a deleted app", func(t *testing.T) {
		if r := e.call(t, http.MethodDelete, "/v2/apps/"+b.ID, h, ""); r.status != http.StatusOK {
			t.Fatalf("delete app: %s", r)
		}
		wantError(t, "list keys of a deleted app", e.call(t, http.MethodGet, "/v2/apps/"+b.ID+"/keys", h, ""), http.StatusNotFound, "app_not_found")
		wantError(t, "get key of a deleted app", e.call(t, http.MethodGet, "/v2/apps/"+b.ID+"/keys/"+bKey.id, h, ""), http.StatusNotFound, "app_not_found")
	})
}

// accountKeyCreated is the answer of POST /user/account-keys.
type accountKeyCreated struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// createAccountKey makes an account key through /user with cred.
func (e *env) createAccountKey(t *testing.T, cred, name string) sunKey {
	t.Helper()
	r := e.call(t, http.MethodPost, "/user/account-keys", withToken(cred), mustJSON(t, map[string]string{"name": name}))
	if r.status != http.StatusOK {
		t.Fatalf("create account key: %s", r)
	}
	var env struct {
		Response map[string]json.RawMessage `json:"response"`
		Status   int                        `json:"status"`
	}
	decodeInto(t, r, &env)
	if len(env.Response) != 3 || env.Status != 200 {
		t.Errorf("create account key: want {\"response\":{id,name,secret},\"status\":200}: %s", r)
	}
	var k accountKeyCreated
	envelopeOf(t, r, &k)
	sk := sunKey{id: k.ID, secret: k.Secret}.remember()
	if !accountKeyIDRE.MatchString(k.ID) || k.Name != name || !keySecretRE.MatchString(k.Secret) {
		t.Fatalf("create account key: bad answer %s", r)
	}
	return sk
}

// TestSunshineAccountKeysViaUser covers the /user account key endpoints: a
// user makes an act_ key with their token (or API key), it works on /v2 with
// Basic and JWT, listing shows no secret, deleting kills it at once, and
// another user's key is 404.
func TestSunshineAccountKeysViaUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	v := e.newUser(t)

	k := e.createAccountKey(t, u.token, "ci")
	k2 := e.createAccountKey(t, u.key, "with the API key")
	vk := e.createAccountKey(t, v.token, "victim")

	var appID string
	t.Run("works on /v2", func(t *testing.T) {
		appID = e.createApp(t, k.basic(), "made with Basic").ID
		for n, h := range k.creds(t) {
			r := e.call(t, http.MethodGet, "/v2/apps", h, "")
			if r.status != http.StatusOK || !strings.Contains(string(r.body), appID) {
				t.Errorf("list with %s: %s", n, r)
			}
		}
		if r := e.call(t, http.MethodGet, "/v2/apps/"+appID, k2.jwt(t), ""); r.status != http.StatusOK {
			t.Errorf("the account's second key: %s", r)
		}
		wantError(t, "the other user's key on this app", e.call(t, http.MethodGet, "/v2/apps/"+appID, vk.basic(), ""), http.StatusNotFound, "app_not_found")
	})

	t.Run("list without secrets", func(t *testing.T) {
		r := e.call(t, http.MethodPost, "/user/get-account-keys", withToken(u.token), "{}")
		if r.status != http.StatusOK {
			t.Fatalf("list: %s", r)
		}
		var rows []map[string]any
		envelopeOf(t, r, &rows)
		var got []string
		for _, row := range rows {
			if _, ok := row["secret"]; ok || len(row) != 3 || row["created_at"] == "" {
				t.Errorf("row %v: want exactly id, name, created_at", row)
			}
			got = append(got, fmt.Sprint(row["id"]))
		}
		slices.Sort(got)
		want := []string{k.id, k2.id}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
		for _, s := range []string{k.secret, k2.secret, vk.secret} {
			if strings.Contains(string(r.body), s) {
				t.Errorf("list shows a secret: %s", r)
			}
		}
	})

	t.Run("another user's key is 404", func(t *testing.T) {
		r := e.call(t, http.MethodDelete, "/user/account-keys", withToken(u.token), mustJSON(t, map[string]string{"id": vk.id}))
		if r.status != http.StatusNotFound {
			t.Errorf("delete another user's key: %s, want 404", r)
		}
		for _, id := range []string{"act_000000000000000000000000", "nope", "app_000000000000000000000000"} {
			r := e.call(t, http.MethodDelete, "/user/account-keys", withToken(u.token), mustJSON(t, map[string]string{"id": id}))
			if r.status != http.StatusNotFound {
				t.Errorf("delete %s: %s, want 404", id, r)
			}
		}
		if r := e.call(t, http.MethodGet, "/v2/apps", vk.basic(), ""); r.status != http.StatusOK {
			t.Errorf("the victim's key after the attempt: %s", r)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, body := range []string{`{}`, `{"id": ""}`, `{"id": 5}`} {
			r := e.call(t, http.MethodDelete, "/user/account-keys", withToken(u.token), body)
			if r.status != http.StatusBadRequest {
				t.Errorf("delete %s: %s, want 400", body, r)
			}
		}
		// An account key is not a /user credential, nor is a JWT made with it
		// (docs/security.md 17).
		for n, h := range k.creds(t) {
			cred := strings.TrimPrefix(h[1], "Bearer ")
			if n == "Basic" {
				cred = k.secret
			}
			r := e.call(t, http.MethodPost, "/user/get-account-keys", withToken(cred), "{}")
			if r.status != http.StatusUnauthorized {
				t.Errorf("account key %s as x-access-tokens: %s, want 401", n, r)
			}
		}
		r := e.call(t, http.MethodPost, "/user/account-keys", withToken(k.id), `{"name": "x"}`)
		if r.status != http.StatusUnauthorized {
			t.Errorf("act_ id as x-access-tokens: %s, want 401", r)
		}
	})

	t.Run("delete kills the key at once", func(t *testing.T) {
		jh := k.jwt(t)
		for _, h := range [][]string{k.basic(), jh} { // verified and cached
			if r := e.call(t, http.MethodGet, "/v2/apps", h, ""); r.status != http.StatusOK {
				t.Fatalf("before delete: %s", r)
			}
		}
		r := e.call(t, http.MethodDelete, "/user/account-keys", withToken(u.token), mustJSON(t, map[string]string{"id": k.id}))
		if r.status != http.StatusOK {
			t.Fatalf("delete: %s", r)
		}
		wantUnauthorized(t, "deleted key, Basic", e.call(t, http.MethodGet, "/v2/apps", k.basic(), ""))
		wantUnauthorized(t, "deleted key, cached JWT", e.call(t, http.MethodGet, "/v2/apps", jh, ""))
		wantUnauthorized(t, "deleted key, fresh JWT", e.call(t, http.MethodGet, "/v2/apps",
			bearer(signJWT(t, k.id, k.secret, jwt.MapClaims{"scope": "account", "iat": 1})), ""))
		r = e.call(t, http.MethodDelete, "/user/account-keys", withToken(u.token), mustJSON(t, map[string]string{"id": k.id}))
		if r.status != http.StatusNotFound {
			t.Errorf("delete again: %s, want 404", r)
		}
		// The account's apps outlive the key: its other key still sees them.
		r = e.call(t, http.MethodGet, "/v2/apps/"+appID, k2.basic(), "")
		if r.status != http.StatusOK {
			t.Errorf("app after its creator key was deleted: %s", r)
		}
		r = e.call(t, http.MethodPost, "/user/get-account-keys", withToken(u.token), "{}")
		if strings.Contains(string(r.body), k.id) {
			t.Errorf("deleted key still listed: %s", r)
		}
	})
}

// TestSunshineKeysLimitRace: 25 concurrent creates on an app with no keys
// give exactly 10 keys; the limit holds under concurrency.
func TestSunshineKeysLimitRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	h := acct.key.basic()
	a := e.createApp(t, h, "raced")
	base := "/v2/apps/" + a.ID + "/keys"
	var wg sync.WaitGroup
	statuses := make([]int, 25)
	for i := range statuses {
		wg.Go(func() {
			r, err := e.tryDo(t, http.MethodPost, base, h, []byte(fmt.Sprintf(`{"displayName": "k%d"}`, i)))
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			if r.status == http.StatusCreated {
				var out struct {
					Key wireKey `json:"key"`
				}
				if json.Unmarshal(r.body, &out) == nil {
					out.Key.key().remember()
				}
			}
			statuses[i] = r.status
		})
	}
	wg.Wait()
	created := 0
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusBadRequest:
		default:
			t.Errorf("create %d: status %d, want 201 or 400", i, s)
		}
	}
	var top struct {
		Keys []wireKey `json:"keys"`
	}
	decodeInto(t, e.call(t, http.MethodGet, base, h, ""), &top)
	if created != 10 || len(top.Keys) != 10 {
		t.Errorf("%d creates succeeded and the app has %d keys, want 10 and 10", created, len(top.Keys))
	}
}
