package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// HTTP helpers of the multi-node and fault tests: calls made the way each
// dialect's clients make them, and the secrets they return, kept for the
// log scan.

// secretList collects secrets from several goroutines for the log scan.
type secretList struct {
	mu sync.Mutex
	s  []string
}

func (l *secretList) add(s ...string) {
	l.mu.Lock()
	l.s = append(l.s, s...)
	l.mu.Unlock()
}

func (l *secretList) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.s)
}

func newMasterKeyHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// clientFromIP is an HTTP client whose connections come from ip (any
// 127.0.0.0/8 address works on Linux loopback): the server sees a
// different client for its per-IP throttles.
func clientFromIP(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second},
	}
}

// httpResult is one answer, or the error that stood for it.
type httpResult struct {
	method, url string
	status      int
	body        []byte
	err         error
	sent, recv  time.Time
}

func (r httpResult) String() string {
	if r.err != nil {
		return fmt.Sprintf("%s %s: %v", r.method, r.url, r.err)
	}
	return fmt.Sprintf("%s %s: status %d, body %s", r.method, r.url, r.status, bytes.TrimSpace(r.body))
}

// callHTTP sends one request (JSON body unless in is nil; hdr are header
// name/value pairs) and never fails the test: safe in any goroutine.
func callHTTP(c *http.Client, method, url string, hdr []string, in any) httpResult {
	return callHTTPCtx(context.Background(), c, method, url, hdr, in)
}

func callHTTPCtx(ctx context.Context, c *http.Client, method, url string, hdr []string, in any) httpResult {
	r := httpResult{method: method, url: url, sent: time.Now()}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			r.err = err
			return r
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		r.err = err
		return r
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		r.err, r.recv = err, time.Now()
		return r
	}
	defer resp.Body.Close()
	r.body, r.err = io.ReadAll(resp.Body)
	r.status, r.recv = resp.StatusCode, time.Now()
	return r
}

func xAccess(cred string) []string { return []string{"x-access-tokens", cred} }

// signupVia signs an account up on c (active: the nodes run with
// --open-signup) and returns its first API key.
func signupVia(t *testing.T, c *apiClient, email, password string) string {
	t.Helper()
	st, body := c.do(http.MethodPost, "/signup", "", map[string]string{"email": email, "password": password, "confirm_password": password})
	if st != http.StatusOK {
		t.Fatalf("POST /signup %s on %s: status %d, want 200; body %s", email, c.base, st, body)
	}
	var out struct {
		APIKey string `json:"api_key"`
	}
	mustUnmarshal(t, body, &out)
	if !apiKeyRE.MatchString(out.APIKey) {
		t.Fatalf("POST /signup %s: api_key %q does not match %s", email, out.APIKey, apiKeyRE)
	}
	return out.APIKey
}

func exchangeVia(t *testing.T, c *apiClient, email, key string) string {
	t.Helper()
	tok, err := exchangeGo(c.http, c.base, email, key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// exchangeGo trades email and key for an access token on base.
func exchangeGo(c *http.Client, base, email, key string) (string, error) {
	r := callHTTP(c, http.MethodPost, base+"/user/get-token-with-api-key", nil, map[string]string{"email": email, "api_key": key})
	if r.err != nil || r.status != http.StatusOK {
		return "", fmt.Errorf("token exchange: %s, want 200", r)
	}
	var out struct {
		Response struct {
			AccessToken string `json:"access_token"`
		} `json:"response"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || !tokenRE.MatchString(out.Response.AccessToken) {
		return "", fmt.Errorf("token exchange: no access token in %s (%v)", r.body, err)
	}
	return out.Response.AccessToken, nil
}

type createdAPIKey struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"api_key"`
}

func createAPIKeyVia(t *testing.T, c *apiClient, cred, name string) createdAPIKey {
	t.Helper()
	k, err := createAPIKeyGo(c.http, c.base, cred, name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// createAPIKeyGo makes an API key with POST /user/user-api-key.
func createAPIKeyGo(c *http.Client, base, cred, name string) (createdAPIKey, error) {
	r := callHTTP(c, http.MethodPost, base+"/user/user-api-key", xAccess(cred), map[string]string{"name": name})
	if r.err != nil || r.status != http.StatusOK {
		return createdAPIKey{}, fmt.Errorf("POST /user/user-api-key: %s, want 200", r)
	}
	var out struct {
		Response createdAPIKey `json:"response"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || out.Response.ID == 0 || !apiKeyRE.MatchString(out.Response.APIKey) {
		return createdAPIKey{}, fmt.Errorf("POST /user/user-api-key: bad answer %s (%v)", r.body, err)
	}
	return out.Response, nil
}

// sunKeyCred is an account (act_) or app (app_) key.
type sunKeyCred struct{ id, secret string }

func (k sunKeyCred) basicValue() string {
	return base64.StdEncoding.EncodeToString([]byte(k.id + ":" + k.secret))
}

func (k sunKeyCred) basic() []string {
	return []string{"Authorization", "Basic " + k.basicValue()}
}

// jwtHeader is a Bearer JWT signed with k as the official samples sign
// one: HS256, kid in the header, {"scope": "app"|"account"}, no exp.
func (k sunKeyCred) jwtHeader() ([]string, error) {
	scope := "app"
	if strings.HasPrefix(k.id, "act_") {
		scope = "account"
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": scope})
	tok.Header["kid"] = k.id
	s, err := tok.SignedString([]byte(k.secret))
	if err != nil {
		return nil, fmt.Errorf("sign JWT: %w", err)
	}
	return []string{"Authorization", "Bearer " + s}, nil
}

func (k sunKeyCred) jwt(t *testing.T) []string {
	t.Helper()
	h, err := k.jwtHeader()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (k sunKeyCred) creds(t *testing.T) map[string][]string {
	return map[string][]string{"Basic": k.basic(), "JWT": k.jwt(t)}
}

// createAccountKeyVia makes an account key with POST /user/account-keys.
func createAccountKeyVia(t *testing.T, c *apiClient, cred, name string) sunKeyCred {
	t.Helper()
	st, body := c.do(http.MethodPost, "/user/account-keys", cred, map[string]string{"name": name})
	if st != http.StatusOK {
		t.Fatalf("POST /user/account-keys on %s: status %d, want 200; body %s", c.base, st, body)
	}
	var out struct {
		Response struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"response"`
	}
	mustUnmarshal(t, body, &out)
	if !accountKeyIDRE.MatchString(out.Response.ID) || out.Response.Secret == "" {
		t.Fatalf("POST /user/account-keys: bad answer %s", body)
	}
	return sunKeyCred{out.Response.ID, out.Response.Secret}
}

func createAppKeyVia(t *testing.T, c *http.Client, base string, cred []string, appID, name string) sunKeyCred {
	t.Helper()
	k, err := createAppKeyGo(c, base, cred, appID, name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// createAppKeyGo makes a key of app appID with POST /v2/apps/{appId}/keys.
func createAppKeyGo(c *http.Client, base string, cred []string, appID, name string) (sunKeyCred, error) {
	r := callHTTP(c, http.MethodPost, base+"/v2/apps/"+appID+"/keys", cred, map[string]string{"displayName": name})
	if r.err != nil || r.status != http.StatusCreated {
		return sunKeyCred{}, fmt.Errorf("POST /v2/apps/%s/keys: %s, want 201", appID, r)
	}
	var out struct {
		Key struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"key"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || !strings.HasPrefix(out.Key.ID, "app_") || out.Key.Secret == "" {
		return sunKeyCred{}, fmt.Errorf("POST /v2/apps/%s/keys: bad answer %s (%v)", appID, r.body, err)
	}
	return sunKeyCred{out.Key.ID, out.Key.Secret}, nil
}
