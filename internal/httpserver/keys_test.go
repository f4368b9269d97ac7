package httpserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
)

const (
	keysPath = "/user/get-user-api-keys"
	keyPath  = "/user/user-api-key"
)

// TestKeysCreate200 covers POST /user/user-api-key answering 200: the seed's
// request, and the new key working at once.
func TestKeysCreate200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)

	var created []createdKey
	shape := func(name string) func(t *testing.T, r result) {
		return func(t *testing.T, r result) {
			var m map[string]json.RawMessage
			envelopeOf(t, r, &m)
			var id int64
			if err := json.Unmarshal(m["id"], &id); err != nil || id <= 0 {
				t.Errorf("id %s is not a positive integer", m["id"])
			}
			var k createdKey
			envelopeOf(t, r, &k)
			if k.Name != name {
				t.Errorf("name %q, want %q", k.Name, name)
			}
			if !apiKeyRE.MatchString(k.APIKey) {
				t.Errorf("api_key %q does not match %s", k.APIKey, apiKeyRE)
			}
			created = append(created, k)
		}
	}
	e.run(t, []scenario{
		{
			name:       "seed example",
			path:       keyPath,
			headers:    hdr("x-access-tokens", u.key, "Content-Type", ctJSON),
			body:       `{"name": "string"}`,
			wantStatus: 200,
			want:       []string{`"api_key":"stai-`, `"name":"string"`, `"status":200`},
			check:      shape("string"),
		},
		{name: "with a token", path: keyPath, headers: withToken(u.token), body: `{"name": "ci"}`, wantStatus: 200, check: shape("ci")},
		{name: "same name twice", path: keyPath, headers: withToken(u.token), body: `{"name": "ci"}`, wantStatus: 200, check: shape("ci")},
		{name: "100-character name", path: keyPath, headers: withToken(u.token), body: `{"name": "` + strings.Repeat("n", 100) + `"}`, wantStatus: 200, check: shape(strings.Repeat("n", 100))},
		{name: "unicode name", path: keyPath, headers: withToken(u.token), body: `{"name": "clé 🔑"}`, wantStatus: 200, check: shape("clé 🔑")},
		{name: "unknown fields ignored", path: keyPath, headers: withToken(u.token), body: `{"name": "extra", "scopes": ["a"], "expires": null}`, wantStatus: 200, check: shape("extra")},
		{name: "doubled slash", path: "/" + keyPath, headers: withToken(u.token), body: `{"name": "slashes"}`, wantStatus: 200, check: shape("slashes")},
	})

	t.Run("each new key works and exchanges", func(t *testing.T) {
		if len(created) != 7 {
			t.Fatalf("created %d keys, want 7", len(created))
		}
		seen := map[int64]bool{}
		for _, k := range created {
			if seen[k.ID] {
				t.Errorf("id %d issued twice", k.ID)
			}
			seen[k.ID] = true
			if r := e.probe(t, k.APIKey); r.status != 200 {
				t.Errorf("new key %d refused: %s", k.ID, r)
			}
			tok := e.exchange(t, u.email, k.APIKey)
			if r := e.probe(t, tok); r.status != 200 {
				t.Errorf("token of new key %d refused: %s", k.ID, r)
			}
		}
	})
}

// TestKeysCreate400 covers bad names.
func TestKeysCreate400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	h := withToken(u.token)
	var scs []scenario
	for _, tc := range []struct{ name, body string }{
		{"missing name", `{}`},
		{"empty body", ``},
		{"empty name", `{"name": ""}`},
		{"blank name", `{"name": "   "}`},
		{"101-character name", `{"name": "` + strings.Repeat("n", 101) + `"}`},
		{"control character", `{"name": "a\u0001b"}`},
		{"newline", `{"name": "a\nb"}`},
		{"name is a number", `{"name": 5}`},
		{"name is null", `{"name": null}`},
		{"name is an object", `{"name": {"x": 1}}`},
		{"name is a list", `{"name": ["a"]}`},
	} {
		scs = append(scs, scenario{name: tc.name, path: keyPath, headers: h, body: tc.body, wantStatus: 400, notWant: []string{"stai-"}})
	}
	e.run(t, scs)

	rows, _ := e.listKeys(t, u.token)
	if len(rows) != 1 {
		t.Errorf("refused creations left keys behind: %+v", rows)
	}
}

// TestKeysList200 covers POST /user/get-user-api-keys: the seed's request,
// the row shape, and that no listing ever shows a key.
func TestKeysList200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	other := e.newUser(t)
	k1 := e.createKey(t, u.token, "one")
	k2 := e.createKey(t, u.token, "two")
	k3 := e.createKey(t, u.key, "three")
	otherKey := e.createKey(t, other.token, "other's")
	secrets := []string{u.key, k1.APIKey, k2.APIKey, k3.APIKey, u.token, other.key, other.token, otherKey.APIKey}
	// Use k2 so its last_used_at is set; k3 stays unused.
	if r := e.probe(t, k2.APIKey); r.status != 200 {
		t.Fatalf("k2: %s", r)
	}

	// The secret values, without their prefix, and each half of them, must
	// not appear anywhere in a listing.
	var noSecrets []string
	for _, s := range secrets {
		body := s[strings.IndexAny(s, "-_")+1:]
		noSecrets = append(noSecrets, s, body, body[:len(body)/2], body[len(body)/2:])
	}
	noSecrets = append(noSecrets, `"api_key"`, "access_token")

	wantRows := func(t *testing.T, r result) {
		var raw []map[string]json.RawMessage
		envelopeOf(t, r, &raw)
		for _, row := range raw {
			for _, f := range []string{"id", "name", "hint", "created_at", "last_used_at"} {
				if _, ok := row[f]; !ok {
					t.Errorf("row %v lacks %q", keys(row), f)
				}
			}
		}
		var rows []keyRow
		envelopeOf(t, r, &rows)
		if len(rows) == 0 {
			t.Fatalf("no rows: %s", r)
		}
		if got, want := ids(rows), []int64{rows[0].ID, k1.ID, k2.ID, k3.ID}; !slices.Equal(got, want) {
			t.Errorf("ids %v, want %v", got, want)
		}
		byID := map[int64]keyRow{}
		for _, row := range rows {
			byID[row.ID] = row
			if !strings.HasPrefix(row.Hint, "stai-") || len(row.Hint) >= 20 {
				t.Errorf("row %d hint %q, want a short stai- hint", row.ID, row.Hint)
			}
			at, err := time.Parse(http.TimeFormat, row.CreatedAt)
			if err != nil || time.Since(at) > time.Hour || time.Until(at) > time.Minute {
				t.Errorf("row %d created_at %q is not a recent RFC 1123 time (%v)", row.ID, row.CreatedAt, err)
			}
		}
		if byID[rows[0].ID].Name != "default" || byID[k1.ID].Name != "one" || byID[k3.ID].Name != "three" {
			t.Errorf("names: %+v", rows)
		}
		// Hints tell keys apart by their last characters.
		if h := byID[k1.ID].Hint; !strings.HasSuffix(k1.APIKey, h[strings.LastIndex(h, "…")+len("…"):]) {
			t.Errorf("hint %q does not end like its key", h)
		}
		if lu := byID[k2.ID].LastUsedAt; lu == nil {
			t.Errorf("k2 last_used_at is null after use")
		} else if _, err := time.Parse(http.TimeFormat, *lu); err != nil {
			t.Errorf("k2 last_used_at %q: %v", *lu, err)
		}
		if byID[k3.ID].LastUsedAt != nil {
			t.Errorf("unused k3 has last_used_at %q", *byID[k3.ID].LastUsedAt)
		}
	}

	e.run(t, []scenario{
		{
			name:       "seed example",
			path:       keysPath,
			headers:    hdr("x-access-tokens", u.key, "Content-Type", ctJSON),
			body:       `{}`,
			wantStatus: 200,
			want:       []string{`"hint":"stai-`, `"status":200`},
			notWant:    noSecrets,
			check:      wantRows,
		},
		{name: "with a token", path: keysPath, headers: withToken(u.token), body: `{}`, wantStatus: 200, notWant: noSecrets, check: wantRows},
		{name: "no body, no Content-Type", path: keysPath, headers: hdr("x-access-tokens", u.token), wantStatus: 200, notWant: noSecrets, check: wantRows},
		{name: "unknown fields ignored", path: keysPath, headers: withToken(u.token), body: `{"response": "string", "all": true}`, wantStatus: 200, notWant: noSecrets, check: wantRows},
		{name: "with a created key", path: keysPath, headers: withToken(k1.APIKey), body: `{}`, wantStatus: 200, notWant: noSecrets, check: wantRows},
	})
}

// TestKeysDelete200 covers DELETE /user/user-api-key answering 200.
func TestKeysDelete200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	seedKey := e.createKey(t, u.token, "seed")
	strKey := e.createKey(t, u.token, "by string id")
	extraKey := e.createKey(t, u.token, "extra fields")
	slashKey := e.createKey(t, u.token, "slashes")
	selfKey := e.createKey(t, u.token, "self")

	e.run(t, []scenario{
		{
			name:       "seed example",
			method:     http.MethodDelete,
			path:       keyPath,
			headers:    hdr("x-access-tokens", u.key, "Content-Type", ctJSON),
			body:       fmt.Sprintf(`{"id": %d}`, seedKey.ID),
			wantStatus: 200,
			want:       []string{`"status":200`},
			notWant:    []string{seedKey.APIKey},
		},
		{name: "id as a string", method: http.MethodDelete, path: keyPath, headers: withToken(u.token), body: `{"id": "` + strconv.FormatInt(strKey.ID, 10) + `"}`, wantStatus: 200},
		{name: "unknown fields ignored", method: http.MethodDelete, path: keyPath, headers: withToken(u.token), body: fmt.Sprintf(`{"id": %d, "name": "x", "force": true}`, extraKey.ID), wantStatus: 200},
		{name: "doubled slash", method: http.MethodDelete, path: "/" + keyPath, headers: withToken(u.token), body: fmt.Sprintf(`{"id": %d}`, slashKey.ID), wantStatus: 200},
		{name: "a key deleting itself", method: http.MethodDelete, path: keyPath, headers: withToken(selfKey.APIKey), body: fmt.Sprintf(`{"id": %d}`, selfKey.ID), wantStatus: 200},
		{name: "deleting again", method: http.MethodDelete, path: keyPath, headers: withToken(u.token), body: fmt.Sprintf(`{"id": %d}`, seedKey.ID), wantStatus: 404},
	})

	t.Run("deleted keys are gone and refused", func(t *testing.T) {
		rows, _ := e.listKeys(t, u.token)
		if len(rows) != 1 || rows[0].Name != "default" {
			t.Errorf("keys left: %+v, want only the default", rows)
		}
		for _, k := range []createdKey{seedKey, strKey, extraKey, slashKey, selfKey} {
			if r := e.probe(t, k.APIKey); r.status != http.StatusUnauthorized {
				t.Errorf("deleted key %d: %s, want 401", k.ID, r)
			}
		}
	})
}

// TestKeysDelete4xx covers refused deletions, including another user's key.
func TestKeysDelete4xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	victim := e.newUser(t)
	victimKey := e.createKey(t, victim.token, "victim's")
	victimTok := e.exchange(t, victim.email, victimKey.APIKey)
	victimRows, _ := e.listKeys(t, victim.token)
	victimDefaultID := victimRows[0].ID
	h := withToken(u.token)
	del := func(name, body string, status int) scenario {
		return scenario{name: name, method: http.MethodDelete, path: keyPath, headers: h, body: body, wantStatus: status}
	}

	rs := e.run(t, []scenario{
		del("another user's key id", fmt.Sprintf(`{"id": %d}`, victimKey.ID), 404),
		del("another user's key id as a string", fmt.Sprintf(`{"id": "%d"}`, victimKey.ID), 404),
		del("another user's default key", fmt.Sprintf(`{"id": %d}`, victimDefaultID), 404),
		del("unknown id", `{"id": 987654}`, 404),
		del("seed id 0", `{"id": 0}`, 404),
		del("negative id", `{"id": -1}`, 404),
		del("missing id", `{}`, 400),
		del("empty body", ``, 400),
		del("id null", `{"id": null}`, 400),
		del("id non-numeric string", `{"id": "three"}`, 400),
		del("id 1.5", `{"id": 1.5}`, 400),
		del("id true", `{"id": true}`, 400),
		del("id list", `{"id": [1]}`, 400),
		del("id object", `{"id": {"id": 1}}`, 400),
		del("id beyond int64", `{"id": 99999999999999999999}`, 400),
	})
	// Another user's key and an unknown key answer alike.
	if len(rs) > 3 && string(rs[0].body) != string(rs[3].body) {
		t.Errorf("another user's key answers %s, an unknown id %s", rs[0].body, rs[3].body)
	}

	t.Run("the victim's keys still work", func(t *testing.T) {
		for _, cred := range []string{victimKey.APIKey, victimTok, victim.key, victim.token} {
			if r := e.probe(t, cred); r.status != 200 {
				t.Errorf("victim credential refused: %s", r)
			}
		}
		rows, _ := e.listKeys(t, victim.token)
		if !slices.Contains(ids(rows), victimKey.ID) || !slices.Contains(ids(rows), victimDefaultID) {
			t.Errorf("victim's keys %v lost one of %d, %d", ids(rows), victimKey.ID, victimDefaultID)
		}
	})
}

// TestKeysCreate409: an account holds at most MaxKeysPerUser keys; deleting
// one makes room again.
func TestKeysCreate409(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *core.Options) { o.MaxKeysPerUser = 3 })
	u := e.newUser(t) // key 1
	e.createKey(t, u.token, "two")
	third := e.createKey(t, u.token, "three")
	e.run(t, []scenario{
		{name: "over the cap", path: keyPath, headers: withToken(u.token), body: `{"name": "four"}`, wantStatus: http.StatusConflict, want: []string{`"status":409`}, notWant: []string{"stai-"}},
		{name: "delete one", method: http.MethodDelete, path: keyPath, headers: withToken(u.token), body: fmt.Sprintf(`{"id": %d}`, third.ID), wantStatus: 200},
		{name: "room again", path: keyPath, headers: withToken(u.token), body: `{"name": "four"}`, wantStatus: 200, want: []string{`"api_key":"stai-`}},
	})
}
