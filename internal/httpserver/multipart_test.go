package httpserver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpserver"
)

// ---------------------------------------------------------------------------
// Nothing a request sends outlives it on disk (docs/security.md 23b): multipart
// bodies of /server/query are read as a stream, never spooled to $TMPDIR.

// pythonMultipart is a multipart/form-data body byte for byte as the
// official Python client's query_with_file sends it (requests.post with
// data= and files={"file": f}, encoded by urllib3): the fields in order, with
// no part Content-Type, then the file part, named "file" and carrying its
// base name, also without a Content-Type.
func pythonMultipart(fields [][2]string, fileName string, file []byte) (body []byte, contentType string) {
	const boundary = "6e4bd0c39f2a4c0d8b1e7f5a3c9d2e10" // uuid4().hex, as urllib3 makes it
	var b bytes.Buffer
	for _, f := range fields {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", boundary, f[0], f[1])
	}
	if fileName != "" {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=%q\r\n\r\n", boundary, fileName)
		b.Write(file)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

// pythonQueryFields are the fields query() posts (None values dropped,
// numbers as strings).
func pythonQueryFields(message string) [][2]string {
	return [][2]string{{"message", message}, {"persona", "default"}, {"dataset", "all"}, {"temperature", "0.0"}, {"live", "0"}, {"model", "openai_gpt"}}
}

// watchTempDir points $TMPDIR (which os.TempDir, and so mime/multipart,
// honours) at a fresh directory and returns what it holds, by relative
// path. t.Setenv forbids t.Parallel: the test runs alone.
func watchTempDir(t *testing.T) func() []string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	if os.TempDir() != dir {
		t.Fatalf("os.TempDir() = %q after setting TMPDIR=%q", os.TempDir(), dir)
	}
	return func() []string {
		var out []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if p != dir {
				rel, _ := filepath.Rel(dir, p)
				out = append(out, rel)
			}
			return nil
		})
		return out
	}
}

// countingEnv is a second server over base's core whose handler counts the
// requests it has finished, so a test knows when a request the client gave
// up on is over on the server too.
type countingEnv struct {
	*env
	finished atomic.Int64
}

func newCountingEnv(t *testing.T, base *env) *countingEnv {
	t.Helper()
	c := &countingEnv{env: &env{svc: base.svc, store: base.store}}
	c.upstreamFaults.Store(base.upstreamFaults.Load())
	h := newHandler(t, base.svc, httpserver.Options{})
	c.handler = h
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer c.finished.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	c.url = c.srv.URL
	c.client = c.srv.Client()
	c.client.Timeout = 30 * time.Second
	c.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// waitFinished waits until the server has finished n requests in all.
func (c *countingEnv) waitFinished(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for c.finished.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the server finished %d requests, want %d", c.finished.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawPost writes a POST of /server/query with the headers and a
// Content-Length of declared bytes, then only body, and closes the
// connection: a client that goes away mid-part.
func rawPost(t *testing.T, addr string, headers []string, declared int, body []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var h strings.Builder
	fmt.Fprintf(&h, "POST %s HTTP/1.1\r\nHost: gatehouse.test\r\nContent-Length: %d\r\n", queryPath, declared)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&h, "%s: %s\r\n", headers[i], headers[i+1])
	}
	h.WriteString("\r\n")
	if _, err := io.WriteString(conn, h.String()); err != nil {
		t.Fatal(err)
	}
	conn.Write(body) // the server may stop reading early; that is fine
}

// TestMultipartLeavesNothingOnDisk sends /server/query multipart bodies with
// file parts of megabytes (which mime/multipart would spool to $TMPDIR) on
// every path: success, too large, truncated, refused before and after the
// body is read, no model server, and a server shut down mid-request. The
// temporary directory must stay empty, during each request as after it.
func TestMultipartLeavesNothingOnDisk(t *testing.T) {
	// The environments (and their databases) are made before $TMPDIR moves.
	okBase, up := newEnvWithUpstream(t)
	noneBase := newEnv(t)
	noneBase.upstreamFaults.Store(true)
	slowUp := newUpstream(t)
	slowUp.setMode(upSlow)
	slowUp.setDelay(time.Minute)
	slowBase := newEnv(t, withModels(slowUp.client(time.Minute)))
	slowBase.upstreamFaults.Store(true)
	ok, none, slow := newCountingEnv(t, okBase), newCountingEnv(t, noneBase), newCountingEnv(t, slowBase)
	u, un, us := okBase.newUser(t), noneBase.newUser(t), slowBase.newUser(t)

	tmp := watchTempDir(t)
	const mib = 1 << 20
	file := bytes.Repeat([]byte("%PDF-1.7 lorem ipsum dolor sit amet\n"), 5*mib/2/36) // about 2.5 MB
	keyHdr := func(cred, ct string) []string { return hdr("x-access-tokens", cred, "Content-Type", ct) }

	cases := []struct {
		name string
		e    *countingEnv
		// send makes one request (the server finishes exactly one) and
		// checks its answer.
		send func(t *testing.T, e *countingEnv)
	}{
		{"valid, as the Python client sends it", ok, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(pythonQueryFields("Summarize the file."), "report.pdf", file)
			q := e.queryWith(t, keyHdr(u.key, ct), body)
			if q.Message != "echo: Summarize the file." || up.lastChat(t).Model != "openai_gpt" {
				t.Errorf("answer %+v, the stand-in got %+v", q, up.lastChat(t))
			}
		}},
		{"file over the limit", ok, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(pythonQueryFields("hi"), "big.bin", bytes.Repeat([]byte("z"), 4*mib+1))
			r := e.do(t, http.MethodPost, queryPath, keyHdr(u.key, ct), body)
			wantStatus(t, "file over the limit", r, http.StatusRequestEntityTooLarge)
		}},
		{"field over the limit", ok, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart([][2]string{{"message", strings.Repeat("m", 4*mib+1)}}, "", nil)
			r := e.do(t, http.MethodPost, queryPath, keyHdr(u.key, ct), body)
			wantStatus(t, "field over the limit", r, http.StatusRequestEntityTooLarge)
		}},
		{"truncated mid-file", ok, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(pythonQueryFields("hi"), "report.pdf", file)
			rawPost(t, e.srv.Listener.Addr().String(), keyHdr(u.key, ct), len(body), body[:len(body)*3/4])
		}},
		{"bad credential", ok, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(pythonQueryFields("hi"), "report.pdf", file)
			r := e.do(t, http.MethodPost, queryPath, keyHdr("stai-"+strings.Repeat("x", 38), ct), body)
			wantStatus(t, "bad credential", r, http.StatusUnauthorized)
		}},
		{"unknown session", ok, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(append(pythonQueryFields("hi"), [2]string{"session_id", unknownUUID}), "report.pdf", file)
			r := e.do(t, http.MethodPost, queryPath, keyHdr(u.key, ct), body)
			wantStatus(t, "unknown session", r, http.StatusNotFound)
		}},
		{"no model server", none, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(pythonQueryFields("hi"), "report.pdf", file)
			r := e.do(t, http.MethodPost, queryPath, keyHdr(un.key, ct), body)
			wantStatus(t, "no model server", r, http.StatusServiceUnavailable)
		}},
		{"server shut down mid-request", slow, func(t *testing.T, e *countingEnv) {
			body, ct := pythonMultipart(pythonQueryFields("hi"), "report.pdf", file)
			done := make(chan error, 1)
			go func() {
				_, err := e.tryDo(t, http.MethodPost, queryPath, keyHdr(us.key, ct), body)
				done <- err
			}()
			// The body has been read once the model server is asked; a
			// process killed now (SIGTERM past the grace period, kill -9)
			// leaves behind whatever is on disk at this moment.
			deadline := time.Now().Add(20 * time.Second)
			for slowUp.count() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the query never reached the model server")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if left := tmp(); len(left) > 0 {
				t.Errorf("while the query waits on the model server, $TMPDIR holds %q", left)
			}
			// As serve does on SIGTERM: Shutdown with a grace period the
			// query outlasts; then the connections are closed.
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			if err := e.srv.Config.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown = %v, want the grace period to run out", err)
			}
			e.srv.Config.Close()
			if err := <-done; err == nil {
				t.Errorf("the query got an answer from a server shut down under it")
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if left := tmp(); len(left) > 0 {
				t.Fatalf("$TMPDIR holds %q before the request", left)
			}
			n := c.e.finished.Load()
			c.send(t, c.e)
			c.e.waitFinished(t, n+1)
			if left := tmp(); len(left) > 0 {
				t.Errorf("$TMPDIR holds %q after the request", left)
				for _, p := range left {
					os.RemoveAll(filepath.Join(os.Getenv("TMPDIR"), p))
				}
			}
		})
	}
}
