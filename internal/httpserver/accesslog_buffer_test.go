package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
)

// stallWriter is a log writer that can be stalled: while it is, every Write
// blocks until release, as a full pipe or a paused terminal blocks
// os.Stderr. It keeps what it was given.
type stallWriter struct {
	mu   sync.Mutex
	gate chan struct{} // nil: writes go through; otherwise they wait for it to close
	buf  bytes.Buffer
}

func (w *stallWriter) stall() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gate = make(chan struct{})
}

func (w *stallWriter) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.gate)
	w.gate = nil
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	g := w.gate
	w.mu.Unlock()
	if g != nil {
		<-g
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// logLine is the part of a log line these tests look at.
type logLine struct {
	Msg          string
	RequestID    string
	Dropped      uint64
	DroppedTotal uint64
}

// lines parses everything written so far.
func (w *stallWriter) lines(t *testing.T) []logLine {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []logLine
	for l := range strings.Lines(w.buf.String()) {
		var ll logLine
		if err := json.Unmarshal([]byte(l), &ll); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, ll)
	}
	return out
}

// stallEnv is a server logging to a stallWriter, with an access-log buffer
// of four lines, inside a synctest bubble.
type stallEnv struct {
	h *httpserver.Server
	w *stallWriter
}

const stallBuffer = 4

// accessLogModes are the two ways the access log writes: through the
// logger's handler, or formatting its lines itself.
var accessLogModes = []struct {
	name string
	out  func(w *stallWriter) httpserver.AccessLogOutput
}{
	{"through the logger", func(*stallWriter) httpserver.AccessLogOutput { return httpserver.AccessLogOutput{} }},
	{"formatted itself", func(w *stallWriter) httpserver.AccessLogOutput {
		return httpserver.AccessLogOutput{Writer: w, Format: "json"}
	}},
}

// forEachMode runs test in a synctest bubble of its own for each access
// log mode, with a stallEnv of that mode over svc.
func forEachMode(t *testing.T, svc *core.Service, test func(t *testing.T, e *stallEnv)) {
	for _, m := range accessLogModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				w := &stallWriter{}
				opt := httpserver.Options{AccessLogBuffer: stallBuffer, AccessLog: m.out(w)}
				test(t, &stallEnv{w: w, h: httpserver.NewServer(slog.New(slog.NewJSONHandler(w, nil)), svc, opt)})
			})
		})
	}
}

// get serves GET /healthz on a goroutine of its own and fails the test if
// it is still blocked once every goroutine of the bubble is: a request must
// never wait on the log writer. It returns the request id.
func (e *stallEnv) get(t *testing.T) string {
	t.Helper()
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	}()
	synctest.Wait()
	select {
	case <-done:
	default:
		e.w.release() // let it finish, so the bubble can end
		<-done
		t.Fatalf("GET /healthz was still blocked on the stalled log writer")
	}
	if w.Code != http.StatusOK {
		t.Fatalf("GET /healthz: %d %s", w.Code, w.Body)
	}
	return w.Header().Get("X-Request-Id")
}

// requestIDs are the ids of the access-log lines among lines, in order.
func requestIDs(lines []logLine) []string {
	var ids []string
	for _, l := range lines {
		if l.Msg == "request" {
			ids = append(ids, l.RequestID)
		}
	}
	return ids
}

// warnings are the drop warnings among lines, in order.
func warnings(lines []logLine) []logLine {
	var ws []logLine
	for _, l := range lines {
		if l.Msg == "access log lines dropped" {
			ws = append(ws, l)
		}
	}
	return ws
}

// TestAccessLogStalledWriter: while the log writer is stalled, requests
// are answered at once; their lines wait in the buffer, the ones beyond it
// are dropped and counted. Once the writer goes again, the buffered lines
// come out in the order of the requests, followed by one warning with the
// count; further drops within the interval are reported once it has
// passed, not line by line.
func TestAccessLogStalledWriter(t *testing.T) {
	t.Parallel()
	_, svc := newService(t, newDatabase(t))
	forEachMode(t, svc, func(t *testing.T, e *stallEnv) {
		defer e.h.Close(context.Background())

		e.w.stall()
		// The first line goes to the writer and stalls there; the next
		// stallBuffer wait; the rest are dropped.
		var ids []string
		ids = append(ids, e.get(t))
		time.Sleep(time.Second) // the bubble's clock: past the drain's linger
		synctest.Wait()
		for range stallBuffer {
			ids = append(ids, e.get(t))
		}
		for range 3 {
			e.get(t)
		}
		if got := e.h.DroppedAccessLines(); got != 3 {
			t.Errorf("DroppedAccessLines = %d, want 3", got)
		}
		if got := e.w.lines(t); len(got) != 0 {
			t.Errorf("the stalled writer took %d lines", len(got))
		}

		e.w.release()
		if err := e.h.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the warning follows the batch it was counted with
		lines := e.w.lines(t)
		if got := requestIDs(lines); !slices.Equal(got, ids) {
			t.Errorf("access-log lines of requests\n%q\nwant, in order,\n%q", got, ids)
		}
		if ws := warnings(lines); len(ws) != 1 || ws[0].Dropped != 3 || ws[0].DroppedTotal != 3 || lines[len(lines)-1] != ws[0] {
			t.Errorf("warnings %+v after the lines, want one, last, with dropped 3 and droppedTotal 3", ws)
		}

		// More drops at once: counted, reported only when the interval
		// since the last warning has passed.
		e.w.stall()
		ids = ids[:0]
		ids = append(ids, e.get(t))
		time.Sleep(time.Second)
		synctest.Wait()
		for range stallBuffer {
			ids = append(ids, e.get(t))
		}
		e.get(t)
		e.get(t)
		e.w.release()
		if err := e.h.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.h.DroppedAccessLines(); got != 5 {
			t.Errorf("DroppedAccessLines = %d, want 5", got)
		}
		lines = e.w.lines(t)
		if got := requestIDs(lines)[1+stallBuffer:]; !slices.Equal(got, ids) {
			t.Errorf("second round: access-log lines of requests\n%q\nwant, in order,\n%q", got, ids)
		}
		if ws := warnings(lines); len(ws) != 1 {
			t.Errorf("%d warnings before the interval passed, want 1: %+v", len(ws), ws)
		}
		time.Sleep(10 * time.Second) // the bubble's clock
		synctest.Wait()
		if ws := warnings(e.w.lines(t)); len(ws) != 2 || ws[1].Dropped != 2 || ws[1].DroppedTotal != 5 {
			t.Errorf("warnings once the interval passed %+v, want a second with dropped 2 and droppedTotal 5", ws)
		}
	})
}

// TestAccessLogCloseDrains: Close writes every buffered line before it
// returns, and waits for a stalled writer to do so; a request served after
// Close is still logged.
func TestAccessLogCloseDrains(t *testing.T) {
	t.Parallel()
	_, svc := newService(t, newDatabase(t))
	forEachMode(t, svc, func(t *testing.T, e *stallEnv) {
		e.w.stall()
		var ids []string
		for range 3 {
			ids = append(ids, e.get(t))
		}
		closed := make(chan error, 1)
		go func() { closed <- e.h.Close(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-closed:
			t.Fatalf("Close returned (%v) while the lines were still buffered", err)
		default:
		}
		e.w.release()
		if err := <-closed; err != nil {
			t.Fatalf("Close: %v", err)
		}
		if got := requestIDs(e.w.lines(t)); !slices.Equal(got, ids) {
			t.Errorf("after Close, access-log lines of requests\n%q\nwant, in order,\n%q", got, ids)
		}
		late := e.get(t)
		if got := requestIDs(e.w.lines(t)); len(got) != 4 || got[3] != late {
			t.Errorf("a request after Close: lines %q, want its own (%s) last", got, late)
		}
		if got := e.h.DroppedAccessLines(); got != 0 {
			t.Errorf("DroppedAccessLines = %d, want 0", got)
		}
	})
}

// TestAccessLogCloseTimesOut: Close gives up when its context ends while
// the writer is stalled, and reports it; the lines still come out once the
// writer goes again.
func TestAccessLogCloseTimesOut(t *testing.T) {
	t.Parallel()
	_, svc := newService(t, newDatabase(t))
	forEachMode(t, svc, func(t *testing.T, e *stallEnv) {
		e.w.stall()
		id := e.get(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := e.h.Close(ctx); err != context.DeadlineExceeded {
			t.Errorf("Close with a stalled writer = %v, want context.DeadlineExceeded", err)
		}
		e.w.release()
		if err := e.h.Close(context.Background()); err != nil {
			t.Fatalf("Close again: %v", err)
		}
		if got := requestIDs(e.w.lines(t)); len(got) != 1 || got[0] != id {
			t.Errorf("lines %q, want the request's (%s)", got, id)
		}
	})
}
