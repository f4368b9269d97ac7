package httpserver_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// secretInLogRE matches an API key, an access token or a JWT (a header and
// payload in base64url, both JSON objects, so both start "eyJ")
// (docs/security.md 23).
var secretInLogRE = regexp.MustCompile(`stai-[A-Za-z0-9_-]{20,}|gat_[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}`)

// TestMain runs the suite with every server and service logging into one
// buffer, then scans the whole run's log: no line may carry a key, a token, a
// JWT, any password the suite sent or any app or account key secret (or
// Basic credential made from one) the suite saw.
//
// It first refuses a storage backend it cannot use (see backendProblem).
func TestMain(m *testing.M) {
	if p := backendProblem(); p != "" {
		fmt.Fprintln(os.Stderr, "FAIL: "+p)
		os.Exit(2)
	}
	code := m.Run()
	// GATEHOUSE_TEST_LOGS=FILE keeps the run's log for a look.
	if p := os.Getenv("GATEHOUSE_TEST_LOGS"); p != "" {
		if err := os.WriteFile(p, []byte(logSink.String()), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "write test logs:", err)
		}
	}
	if problems := scanLogs(logSink.String(), append(allPasswords(), allKeySecrets()...), requestsSent.Load() > 0); len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "FAIL: log hygiene:")
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "  "+p)
		}
		code = 1
	}
	os.Exit(code)
}

// scanLogs returns one problem per offending log line, and one when the
// run sent requests (sent) but logs holds no access-log line.
func scanLogs(logs string, pws []string, sent bool) []string {
	var problems []string
	lines := strings.Split(logs, "\n")
	requests := 0
	for i, line := range lines {
		if strings.Contains(line, `"msg":"request"`) {
			requests++
		}
		if loc := secretInLogRE.FindStringIndex(line); loc != nil {
			problems = append(problems, fmt.Sprintf("line %d has a credential: %.300s", i+1, line))
		}
		for _, pw := range pws {
			if strings.Contains(line, pw) {
				problems = append(problems, fmt.Sprintf("line %d has a password or key secret: %.300s", i+1, line))
				break
			}
		}
	}
	// The capture itself must work, or the scan proves nothing.
	if sent && requests == 0 {
		problems = append(problems, "no access-log line captured; the log capture is broken")
	}
	return problems
}

// TestLogScanCatchesSecrets checks the scanner itself, so a silent log
// hygiene pass means something.
func TestLogScanCatchesSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, logs string
		bad        bool
	}{
		{"clean", `{"msg":"request","route":"POST /signup"}`, false},
		{"api key", `{"msg":"request","x":"stai-KxHZNuyhUVhapikeyAz1EdqAexampleqe7k8E_"}`, true},
		{"token", `{"msg":"x","t":"gat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, true},
		{"password", `{"msg":"request","pw":"pw-secretpassword"}`, true},
		{"hint is fine", `{"msg":"request","hint":"stai-…E_k8"}`, false},
		{"jwt", `{"msg":"request","auth":"eyJhbGciOiJIUzI1NiIsImtpZCI6ImFwcF8xIn0.eyJzY29wZSI6ImFwcCJ9.sig"}`, true},
		{"app key secret", `{"msg":"request","x":"Q2hhbmdlTWVfUGxlYXNlX3RoaXNfaXNfYV9rZXk"}`, true},
		{"app key id is fine", `{"msg":"request","principal":"app_5d8cff3cd55b040010928b5b"}`, false},
		{"requests sent, none logged", `{"msg":"listening"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scanLogs(tc.logs, []string{"pw-secretpassword", "Q2hhbmdlTWVfUGxlYXNlX3RoaXNfaXNfYV9rZXk"}, true)
			if (len(got) > 0) != tc.bad {
				t.Errorf("scanLogs(%s) = %q, want problems: %v", tc.logs, got, tc.bad)
			}
		})
	}
}
