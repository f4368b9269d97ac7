package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse/gatehouse/internal/credential"
)

// creds are the credentials of the main scenarios.
type creds struct {
	email       string
	userID      int64  // the account's id, as the gate names it (X-Gatehouse-User)
	apiKey      string // from sign-up
	token       string // from a token exchange
	accountKey  [2]string
	appID       string
	appKey      [2]string
	appJWT      string // HS256, kid = the app key id, {"scope":"app"}
	basic       string // "Basic base64(act_…:secret)"
	unknownKey  string // well-formed, valid checksum, never stored
	exchange    seeded // the account the token-exchange scenario uses
	keyCreators []seeded
}

// The SELECTs gatehouse's SQLite store runs for the read scenarios
// (internal/store/sqlite: logins.FindLoginsByUser, apps.FindAppByID, with
// appCols spelled out), which the one-SELECT reference runs as they are.
// TestReferenceQueries fails when the store's text changes.
const (
	loginsQuery = `SELECT id, user_id, at, ip, user_agent, kind, success, reason
		FROM logins WHERE user_id = ? ORDER BY id DESC LIMIT ?`
	appQuery = `SELECT id, account_id, display_name, settings, metadata, created_at, updated_at FROM apps WHERE id = ?`
)

const (
	mainEmail    = "bench@bench.example"
	mainPassword = "bench-password-0001"
	// mainLogins is how many logins the main account has when
	// get-user-logins is measured: as many as it returns by default (5).
	mainLogins = 5
)

// setupCreds makes the main account the way an operator and a user would:
// sign-up over the API, activation with the CLI (gatehouse users activate,
// on the running server's data directory), then token exchanges, an
// account key, an app and an app key over the API; the JWT is signed here
// as a Sunshine client signs one.
func setupCreds(ctx context.Context, gh *server, ghBin, dataDir string, env []string, c *creds) error {
	c.email = mainEmail
	var signup struct {
		APIKey string `json:"api_key"`
	}
	if err := postJSON(ctx, gh, "/signup", nil, map[string]string{"email": c.email, "password": mainPassword, "confirm_password": mainPassword}, http.StatusOK, &signup); err != nil {
		return err
	}
	c.apiKey = signup.APIKey
	if _, err := runCmd(ctx, "", env, ghBin, "users", "activate", c.email, "--data", dataDir); err != nil {
		return err
	}
	for range mainLogins {
		var ex struct {
			Response struct {
				AccessToken string `json:"access_token"`
			} `json:"response"`
		}
		if err := postJSON(ctx, gh, "/user/get-token-with-api-key", nil, map[string]string{"email": c.email, "api_key": c.apiKey}, http.StatusOK, &ex); err != nil {
			return err
		}
		c.token = ex.Response.AccessToken
	}
	key := [][2]string{{"x-access-tokens", c.apiKey}}
	var ak struct {
		Response struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"response"`
	}
	if err := postJSON(ctx, gh, "/user/account-keys", key, map[string]string{"name": "bench"}, http.StatusOK, &ak); err != nil {
		return err
	}
	c.accountKey = [2]string{ak.Response.ID, ak.Response.Secret}
	c.basic = "Basic " + base64.StdEncoding.EncodeToString([]byte(ak.Response.ID+":"+ak.Response.Secret))
	basic := [][2]string{{"Authorization", c.basic}}
	var app struct {
		App struct {
			ID string `json:"id"`
		} `json:"app"`
	}
	if err := postJSON(ctx, gh, "/v2/apps", basic, map[string]string{"displayName": "bench"}, http.StatusCreated, &app); err != nil {
		return err
	}
	c.appID = app.App.ID
	var k struct {
		Key struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"key"`
	}
	if err := postJSON(ctx, gh, "/v2/apps/"+c.appID+"/keys", basic, map[string]string{"displayName": "bench"}, http.StatusCreated, &k); err != nil {
		return err
	}
	c.appKey = [2]string{k.Key.ID, k.Key.Secret}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "app"})
	tok.Header["kid"] = k.Key.ID
	s, err := tok.SignedString([]byte(k.Key.Secret))
	if err != nil {
		return err
	}
	c.appJWT = s
	c.unknownKey = credential.NewAPIKey()
	st, h, _, err := call(ctx, "GET", gh.url("/auth/verify"), [][2]string{{"X-API-Key", c.apiKey}}, "")
	if err != nil {
		return err
	}
	if c.userID, err = strconv.ParseInt(h.Get("X-Gatehouse-User"), 10, 64); st != http.StatusOK || err != nil {
		return fmt.Errorf("/auth/verify of the account's key: %d, X-Gatehouse-User %q", st, h.Get("X-Gatehouse-User"))
	}
	return nil
}

// postJSON posts body as JSON and decodes a want answer into out. Errors
// name the path and status, never a credential.
func postJSON(ctx context.Context, s *server, path string, headers [][2]string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	st, _, resp, err := call(ctx, "POST", s.url(path), append([][2]string{{"Content-Type", "application/json"}}, headers...), string(b))
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	if st != want {
		return fmt.Errorf("POST %s: status %d, want %d: %.300s", path, st, want, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	return nil
}

// writeLines writes one value a line, for a wrk script to read.
func writeLines(dir, name string, vals []string) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, []byte(strings.Join(vals, "\n")+"\n"), 0o600)
}
