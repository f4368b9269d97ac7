package httpserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestSignup200 covers POST /signup answering 200, starting with the seed's
// own request (sumtyme seed 000).
func TestSignup200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	pw := newPassword()
	email := newEmail()
	companyPW := newPassword()
	companyEmail := newEmail()
	mbPW := "ünïcödé!" // exactly 8 characters, more bytes
	rememberPassword(mbPW)
	longPW := strings.Repeat("Lp0-", 64) // 256 characters, the maximum
	rememberPassword(longPW)

	wantShape := func(email string) func(t *testing.T, r result) {
		return func(t *testing.T, r result) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(m) != 3 {
				t.Errorf("keys %v, want exactly message, email, api_key", keys(m))
			}
			var out struct {
				Message string `json:"message"`
				Email   string `json:"email"`
				APIKey  string `json:"api_key"`
			}
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if out.Message == "" {
				t.Errorf("empty message")
			}
			if out.Email != email {
				t.Errorf("email %q, want %q", out.Email, email)
			}
			if !apiKeyRE.MatchString(out.APIKey) {
				t.Errorf("api_key %q does not match %s", out.APIKey, apiKeyRE)
			}
		}
	}

	e.run(t, []scenario{
		{
			name:       "seed example",
			path:       "/signup",
			headers:    hdr("Content-Type", ctJSON),
			body:       `{"email": "` + email + `", "password": "` + pw + `", "confirm_password": "` + pw + `"}`,
			wantStatus: http.StatusOK,
			want:       []string{`"message"`, `"email":"` + email + `"`, `"api_key":"stai-`},
			check:      wantShape(email),
		},
		{
			name:       "company_id accepted",
			path:       "/signup",
			headers:    hdr("Content-Type", ctJSON),
			body:       `{"company_id": "acme-42", "email": "` + companyEmail + `", "password": "` + companyPW + `", "confirm_password": "` + companyPW + `"}`,
			wantStatus: http.StatusOK,
			check:      wantShape(companyEmail),
		},
		{
			name:       "unknown fields ignored",
			path:       "/signup",
			headers:    hdr("Content-Type", ctJSON),
			body:       mustJSON(t, map[string]any{"email": "extra@example.com", "password": pw, "confirm_password": pw, "first_name": "Ada", "prefs": map[string]any{"x": []int{1, 2}}}),
			wantStatus: http.StatusOK,
			check:      wantShape("extra@example.com"),
		},
		{
			name:       "password of 8 multibyte characters",
			path:       "/signup",
			headers:    hdr("Content-Type", ctJSON),
			body:       mustJSON(t, map[string]string{"email": "mb@example.com", "password": mbPW, "confirm_password": mbPW}),
			wantStatus: http.StatusOK,
			check:      wantShape("mb@example.com"),
		},
		{
			name:       "password of 256 characters",
			path:       "/signup",
			headers:    hdr("Content-Type", ctJSON),
			body:       mustJSON(t, map[string]string{"email": "long@example.com", "password": longPW, "confirm_password": longPW}),
			wantStatus: http.StatusOK,
			check:      wantShape("long@example.com"),
		},
	})

	t.Run("every key differs", func(t *testing.T) {
		seen := map[string]bool{}
		for range 5 {
			u := e.signup(t)
			if seen[u.key] {
				t.Fatalf("key repeated")
			}
			seen[u.key] = true
		}
	})
}

// TestSignup4xx covers every refusal of POST /signup: the status and the
// {"detail": ...} shape (checked for every answer by env.do).
func TestSignup4xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	taken := e.signup(t)
	pw := newPassword()
	body := func(email, password, confirm string) string {
		return mustJSON(t, map[string]string{"email": email, "password": password, "confirm_password": confirm})
	}
	ct := hdr("Content-Type", ctJSON)

	big := `{"email": "big@example.com", "password": "` + pw + `", "confirm_password": "` + pw + `", "pad": "` + strings.Repeat("a", 64<<10) + `"}`

	e.run(t, []scenario{
		{name: "invalid email", path: "/signup", headers: ct, body: body("not-an-email", pw, pw), wantStatus: 400, want: []string{"email"}},
		{name: "email without dotted domain", path: "/signup", headers: ct, body: body("a@localhost", pw, pw), wantStatus: 400},
		{name: "email with display name", path: "/signup", headers: ct, body: body("Bob <bob@example.com>", pw, pw), wantStatus: 400},
		{name: "missing email", path: "/signup", headers: ct, body: `{"password": "` + pw + `", "confirm_password": "` + pw + `"}`, wantStatus: 400},
		{name: "duplicate email", path: "/signup", headers: ct, body: body(taken.email, pw, pw), wantStatus: 409},
		{name: "duplicate email other case", path: "/signup", headers: ct, body: body(strings.ToUpper(taken.email), pw, pw), wantStatus: 409},
		{name: "duplicate email surrounding space", path: "/signup", headers: ct, body: body("  "+taken.email+" ", pw, pw), wantStatus: 409},
		{name: "password of 7 characters", path: "/signup", headers: ct, body: body("short@example.com", "abcdefg", "abcdefg"), wantStatus: 400, want: []string{"password"}},
		{name: "empty password", path: "/signup", headers: ct, body: body("short@example.com", "", ""), wantStatus: 400},
		{name: "password of 257 characters", path: "/signup", headers: ct, body: body("long@example.com", strings.Repeat("p", 257), strings.Repeat("p", 257)), wantStatus: 400, want: []string{"password"}},
		{name: "company_id of 201 characters", path: "/signup", headers: ct, body: `{"email": "co201@example.com", "password": "` + pw + `", "confirm_password": "` + pw + `", "company_id": "` + strings.Repeat("c", 201) + `"}`, wantStatus: 400},
		{name: "passwords differ", path: "/signup", headers: ct, body: body("mismatch@example.com", pw, pw+"x"), wantStatus: 400, want: []string{"confirm_password"}},
		{name: "confirm_password missing", path: "/signup", headers: ct, body: `{"email": "noconfirm@example.com", "password": "` + pw + `"}`, wantStatus: 400},
		{name: "email is a number", path: "/signup", headers: ct, body: `{"email": 5, "password": "` + pw + `", "confirm_password": "` + pw + `"}`, wantStatus: 400},
		{name: "password is a number", path: "/signup", headers: ct, body: `{"email": "num@example.com", "password": 12345678, "confirm_password": 12345678}`, wantStatus: 400},
		{name: "company_id is an object", path: "/signup", headers: ct, body: `{"email": "co@example.com", "password": "` + pw + `", "confirm_password": "` + pw + `", "company_id": {}}`, wantStatus: 400},
		{name: "malformed JSON", path: "/signup", headers: ct, body: `{"email": "x@example.com",`, wantStatus: 400},
		{name: "trailing garbage", path: "/signup", headers: ct, body: `{}{}`, wantStatus: 400},
		{name: "trailing garbage after a full body", path: "/signup", headers: ct, body: body("tg@example.com", pw, pw) + ` x`, wantStatus: 400},
		{name: "duplicate keys", path: "/signup", headers: ct, body: `{"email":"a@example.com","email":"b@example.com","password":"` + pw + `","confirm_password":"` + pw + `"}`, wantStatus: 400},
		{name: "invalid UTF-8", path: "/signup", headers: ct, rawBody: []byte("{\"email\": \"\xff\xfe@example.com\", \"password\": \"" + pw + "\", \"confirm_password\": \"" + pw + "\"}"), wantStatus: 400},
		{name: "array body", path: "/signup", headers: ct, body: `[]`, wantStatus: 400},
		{name: "null body", path: "/signup", headers: ct, body: `null`, wantStatus: 400},
		{name: "string body", path: "/signup", headers: ct, body: `"hello"`, wantStatus: 400},
		{name: "empty body reads as {}", path: "/signup", headers: ct, wantStatus: 400},
		{name: "empty body without Content-Type", path: "/signup", wantStatus: 400},
		{name: "body over 64 KiB", path: "/signup", headers: ct, body: big, wantStatus: 413},
		{name: "GET", method: http.MethodGet, path: "/signup", wantStatus: 405, wantHeader: map[string]string{"Allow": "POST"}},
		{name: "PUT", method: http.MethodPut, path: "/signup", headers: ct, body: body("put@example.com", pw, pw), wantStatus: 405, wantHeader: map[string]string{"Allow": "POST"}},
		{name: "DELETE", method: http.MethodDelete, path: "/signup", wantStatus: 405, wantHeader: map[string]string{"Allow": "POST"}},
	})

	// Nothing above created an account.
	for _, email := range []string{"big@example.com", "put@example.com", "tg@example.com", "mismatch@example.com", "short@example.com"} {
		if _, err := e.svc.FindUserByEmail(t.Context(), email); err == nil {
			t.Errorf("a refused sign-up created %s", email)
		}
	}
}
