package httpserver_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpserver"
)

const loginsPath = "/user/get-user-logins"

// TestLogins200 covers POST /user/get-user-logins answering 200: the seed's
// request, the default and explicit limits, the row shape and order, and
// failed exchanges in the history.
func TestLogins200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := time.Now().Add(-time.Minute)
	u := e.newUser(t) // login 1: success
	other := e.newUser(t)

	// Logins 2..7, oldest first: success, failure, success, success,
	// failure, success. The failures use another user's key.
	want := []string{"Success"} // oldest first
	for _, ok := range []bool{true, false, true, true, false, true} {
		if ok {
			e.exchange(t, u.email, u.key)
			want = append(want, "Success")
			continue
		}
		if r := e.exchangeResult(t, u.email, other.key); r.status != http.StatusUnauthorized {
			t.Fatalf("failed exchange: %s", r)
		}
		want = append(want, "Failure")
	}
	// The newest is a failure, so the first row must say so.
	if r := e.exchangeResult(t, u.email, "stai-garbage"); r.status != http.StatusUnauthorized {
		t.Fatalf("failed exchange: %s", r)
	}
	want = append(want, "Failure") // 8 logins in all

	newestFirst := func(n int) func(t *testing.T, r result) {
		return func(t *testing.T, r result) {
			var rows []loginRow
			envelopeOf(t, r, &rows)
			if len(rows) != n {
				t.Fatalf("%d rows, want %d: %s", len(rows), n, r)
			}
			var prev time.Time
			for i, row := range rows {
				wantStatus := want[len(want)-1-i]
				if row.Status != wantStatus {
					t.Errorf("row %d status %q, want %q", i, row.Status, wantStatus)
				}
				if row.Type != "get_token_with_api_key" {
					t.Errorf("row %d type %q, want get_token_with_api_key", i, row.Type)
				}
				if row.IP != "127.0.0.1" {
					t.Errorf("row %d IP %q, want 127.0.0.1", i, row.IP)
				}
				at, err := time.Parse(http.TimeFormat, row.DateTime)
				if err != nil {
					t.Errorf("row %d date_time %q is not RFC 1123 GMT: %v", i, row.DateTime, err)
					continue
				}
				if at.Before(start) || at.After(time.Now().Add(time.Minute)) {
					t.Errorf("row %d date_time %s is not about now", i, row.DateTime)
				}
				if i > 0 && (at.After(prev) || row.ID >= rows[i-1].ID) {
					t.Errorf("row %d (%d, %s) is newer than row %d (%d, %s)", i, row.ID, row.DateTime, i-1, rows[i-1].ID, rows[i-1].DateTime)
				}
				prev = at
			}
		}
	}

	e.run(t, []scenario{
		{
			name:       "seed example",
			path:       loginsPath,
			headers:    hdr("x-access-tokens", u.token, "Content-Type", ctJSON),
			body:       `{"limit": 5}`,
			wantStatus: 200,
			want:       []string{`"date_time":"`, `"IP":"127.0.0.1"`, `"status":200`},
			check:      newestFirst(5),
		},
		{name: "default limit is 5 (no body, no Content-Type)", path: loginsPath, headers: hdr("x-access-tokens", u.token), wantStatus: 200, check: newestFirst(5)},
		{name: "default limit is 5 ({})", path: loginsPath, headers: withToken(u.token), body: `{}`, wantStatus: 200, check: newestFirst(5)},
		{name: "limit null is the default", path: loginsPath, headers: withToken(u.token), body: `{"limit": null}`, wantStatus: 200, check: newestFirst(5)},
		{name: "limit 1", path: loginsPath, headers: withToken(u.token), body: `{"limit": 1}`, wantStatus: 200, check: newestFirst(1)},
		{name: "limit 100 returns all 8", path: loginsPath, headers: withToken(u.token), body: `{"limit": 100}`, wantStatus: 200, check: newestFirst(8)},
		{name: "limit as a string", path: loginsPath, headers: withToken(u.token), body: `{"limit": "5"}`, wantStatus: 200, check: newestFirst(5)},
		{name: "limit 7 with the API key", path: loginsPath, headers: withToken(u.key), body: `{"limit": 7}`, wantStatus: 200, check: newestFirst(7)},
		{name: "unknown fields ignored", path: loginsPath, headers: withToken(u.token), body: `{"limit": 2, "response": "string", "x": {"y": [1, {"z": null}]}}`, wantStatus: 200, check: newestFirst(2)},
		{name: "doubled slash", path: "/" + loginsPath, headers: withToken(u.token), body: `{"limit": 3}`, wantStatus: 200, check: newestFirst(3)},
		{name: "many slashes", path: "///user//get-user-logins", headers: withToken(u.token), body: `{"limit": 3}`, wantStatus: 200, check: newestFirst(3)},
	})

	t.Run("logins are per account", func(t *testing.T) {
		rows, _ := e.listLogins(t, other.token, `{"limit": 100}`)
		if len(rows) != 1 || rows[0].Status != "Success" {
			t.Errorf("other user's logins = %+v, want its one success", rows)
		}
	})
}

// TestLogins400 covers limits that are out of range or of the wrong type.
func TestLogins400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	h := withToken(u.token)
	var scs []scenario
	for _, tc := range []struct{ name, body string }{
		{"limit 0", `{"limit": 0}`},
		{"limit 101", `{"limit": 101}`},
		{"limit -1", `{"limit": -1}`},
		{"limit 5.5", `{"limit": 5.5}`},
		{"limit true", `{"limit": true}`},
		{"limit object", `{"limit": {}}`},
		{"limit array", `{"limit": [5]}`},
		{"limit non-numeric string", `{"limit": "five"}`},
		{"limit empty string", `{"limit": ""}`},
		{"limit huge", `{"limit": 1e300}`},
		{"limit beyond int64", `{"limit": 99999999999999999999}`},
		{"limit string out of range", `{"limit": "101"}`},
	} {
		scs = append(scs, scenario{name: tc.name, path: loginsPath, headers: h, body: tc.body, wantStatus: 400, want: []string{`"status":400`}, notWant: []string{"date_time"}})
	}
	e.run(t, scs)
}

// TestLoginsClientIP: the IP in a login row is the peer's; X-Forwarded-For
// is believed only from a configured proxy (docs/security.md 13).
func TestLoginsClientIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		proxies []netip.Prefix
		wantIP  string
	}{
		{"untrusted peer: X-Forwarded-For ignored", nil, "127.0.0.1"},
		{"trusted proxy: X-Forwarded-For believed", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newNode(t, newDatabase(t), httpserver.Options{TrustedProxies: tc.proxies})
			u := e.signup(t)
			e.activate(t, u.email)
			r := e.call(t, http.MethodPost, tokenPath, hdr("Content-Type", ctJSON, "X-Forwarded-For", "203.0.113.7"),
				mustJSON(t, map[string]string{"email": u.email, "api_key": u.key}))
			if r.status != http.StatusOK {
				t.Fatalf("exchange: %s", r)
			}
			rows, _ := e.listLogins(t, u.key, `{}`)
			if len(rows) != 1 || rows[0].IP != tc.wantIP {
				t.Errorf("login rows %+v, want one with IP %s", rows, tc.wantIP)
			}
		})
	}
}
