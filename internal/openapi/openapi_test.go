package openapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/openapi"
)

// TestOpenAPIJSON checks that the embedded document is one JSON object of
// OpenAPI 3.1 (internal/httpserver's TestOpenAPI validates it in full).
func TestOpenAPIJSON(t *testing.T) {
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	dec := json.NewDecoder(bytes.NewReader(openapi.JSON()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json: data after the document")
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json: openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
}

// TestOpenAPIHandler checks what GET and HEAD /openapi.json answer.
func TestOpenAPIHandler(t *testing.T) {
	h := openapi.Handler()
	serve := func(method string) *http.Response {
		t.Helper()
		r := httptest.NewRequest(method, "/openapi.json", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}

	get := serve(http.MethodGet)
	body, _ := io.ReadAll(get.Body)
	if get.StatusCode != http.StatusOK || !bytes.Equal(body, openapi.JSON()) {
		t.Fatalf("GET: %d, %d bytes; want 200 and the document (%d bytes)", get.StatusCode, len(body), len(openapi.JSON()))
	}
	for k, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300"} {
		if got := get.Header.Get(k); got != want {
			t.Errorf("GET: %s %q, want %q", k, got, want)
		}
	}

	head := serve(http.MethodHead)
	if b, _ := io.ReadAll(head.Body); head.StatusCode != http.StatusOK || len(b) != 0 || head.Header.Get("Content-Type") != "application/json" {
		t.Errorf("HEAD: %d with %d bytes, Content-Type %q; want 200, no body, application/json", head.StatusCode, len(b), head.Header.Get("Content-Type"))
	}
}
