package main

import (
	"os"
	"strings"
	"testing"
)

// TestReferenceQueries: the one-SELECT reference runs the very SELECTs the
// store runs for the read scenarios, so a change to the store's text
// (another column, another index) cannot leave the reference measuring a
// different query.
func TestReferenceQueries(t *testing.T) {
	src := func(file string) string {
		b, err := os.ReadFile("../../internal/store/sqlite/" + file)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	norm := func(q string) string { return strings.Join(strings.Fields(q), " ") }
	if !strings.Contains(src("logins.go"), norm(loginsQuery)) {
		t.Errorf("loginsQuery is not the query of logins.FindLoginsByUser:\n%s", loginsQuery)
	}
	apps := src("apps.go")
	cols, ok := strings.CutPrefix(norm(appQuery), "SELECT ")
	cols, _, _ = strings.Cut(cols, " FROM ")
	if !ok || !strings.Contains(apps, "const appCols = `"+cols+"`") || !strings.Contains(apps, "`SELECT `+appCols+` FROM apps WHERE id = ?`") {
		t.Errorf("appQuery is not the query of apps.FindAppByID:\n%s", appQuery)
	}
}
