package httpserver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// goldenPassword is the password of every golden sign-up: fixed, so that
// the request bodies the golden files show are the same on every run.
const goldenPassword = "pw-golden-5f0c2a9e81d4"

func init() { rememberPassword(goldenPassword) }

// signupBody is POST /signup's body as the seed sends it.
func signupBody(email, password, confirm string) string {
	return `{"email": "` + email + `", "password": "` + password + `", "confirm_password": "` + confirm + `"}`
}

// sumtymeGoldenCases pin POST /signup and the rest of the sumtyme surface.
func sumtymeGoldenCases() []goldenCase {
	ct := hdr("Content-Type", ctJSON)
	signup := func(body string) func(*testing.T, *goldenEnv) goldenReq {
		return func(*testing.T, *goldenEnv) goldenReq { return gPost("/signup", ct, body) }
	}
	pw := goldenPassword
	cs := []goldenCase{
		{name: "signup.post.200", req: signup(signupBody("new-user@example.com", pw, pw))},
		{name: "signup.post.200-open-signup", env: newGoldenEnv(func(o *core.Options) { o.OpenSignup = true }),
			req: signup(signupBody("open-user@example.com", pw, pw))},
		{name: "signup.post.200-company-id", req: signup(`{"email": "co-user@example.com", "password": "` + pw + `", "confirm_password": "` + pw + `", "company_id": "acme"}`)},
		{name: "signup.post.400-malformed-json", req: signup(`{"email": "x@example.com",`)},
		{name: "signup.post.400-wrong-type", req: signup(`{"email": 5, "password": "` + pw + `", "confirm_password": "` + pw + `"}`)},
		{name: "signup.post.400-invalid-email", req: signup(signupBody("not-an-email", pw, pw))},
		{name: "signup.post.400-missing-email", req: signup(`{"password": "` + pw + `", "confirm_password": "` + pw + `"}`)},
		{name: "signup.post.400-password-too-short", req: signup(signupBody("short@example.com", "abcdefg", "abcdefg"))},
		{name: "signup.post.400-passwords-differ", req: signup(signupBody("mismatch@example.com", pw, pw+"x"))},
		{name: "signup.post.400-empty-body", req: signup("")},
		{name: "signup.post.400-array-body", req: signup(`[]`)},
		{name: "signup.post.400-invalid-utf8", req: func(*testing.T, *goldenEnv) goldenReq {
			return goldenReq{method: http.MethodPost, path: "/signup", headers: ct, body: []byte("{\"email\": \"\xff\xfe@example.com\"}")}
		}},
		{name: "signup.post.409-email-taken", req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.signup(t)
			return gPost("/signup", ct, signupBody(u.email, pw, pw))
		}},
		{name: "signup.post.413-body-too-large", req: signup(`{"email": "big@example.com", "pad": "` + strings.Repeat("a", 64<<10) + `"}`)},
		{name: "signup.post.429-throttled", env: newGoldenEnv(withLimits(core.Limits{
			SignupPerIP: ratelimit.Limit{Every: time.Minute, Burst: 1}, ExchangePerIP: core.Unlimited,
		})), req: func(t *testing.T, g *goldenEnv) goldenReq {
			g.signup(t)
			return gPost("/signup", ct, signupBody("one-too-many@example.com", pw, pw))
		}},
		{name: "signup.post.503-database-down", req: func(t *testing.T, g *goldenEnv) goldenReq {
			g.closeStore(t)
			return gPost("/signup", ct, signupBody("down@example.com", pw, pw))
		}},
		{name: "signup.get.405", req: func(*testing.T, *goldenEnv) goldenReq { return gGet("/signup", nil) }},
		{name: "signup.put.405", req: func(*testing.T, *goldenEnv) goldenReq {
			return gReq(http.MethodPut, "/signup", ct, signupBody("put@example.com", pw, pw))
		}},
		{name: "signup-subpath.post.404", req: func(*testing.T, *goldenEnv) goldenReq { return gPost("/signup/extra", ct, `{}`) }},
	}
	for i := range cs {
		cs[i].surface = "sumtyme"
	}
	return cs
}
