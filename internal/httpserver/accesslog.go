package httpserver

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpio"
)

// DefaultAccessLogBuffer is how many access-log lines may wait for the log's
// writer when Options.AccessLogBuffer is 0: at 20,000 requests a second,
// a fifth of a second of a stalled writer.
const DefaultAccessLogBuffer = 4096

// dropWarnInterval is the least time between two warnings that access-log
// lines were dropped.
const dropWarnInterval = 10 * time.Second

// logLinger is how long the drain goroutine lets lines gather once the
// first has come, before it writes them: one write of a few hundred lines
// instead of one per line or two. Measured with bench/gatebench on 2 cores,
// writing as lines came cost a log reader (a pipe drained by another
// process, as a log shipper does) a quarter of a core at 30,000 requests a
// second, in wake-ups; gatehouse paid the same in write calls. A line
// reaches the log at most this much later; a half-full buffer, Flush and
// Close do not wait for it.
const logLinger = 20 * time.Millisecond

// maxLogWrite is about the most the drain goroutine hands the writer in one
// Write when it formats the lines itself.
const maxLogWrite = 64 << 10

// AccessLogOutput is where the access log writes its lines itself.
type AccessLogOutput struct {
	// Writer takes the lines, many in one Write, from one goroutine while
	// the logger may write to it from others: it must be safe for that
	// (an *os.File is). Nil: the lines go through the logger's handler,
	// one at a time.
	Writer io.Writer
	// Format is "json" or "text": each line is the very bytes
	// slog.NewJSONHandler(Writer, nil) or slog.NewTextHandler(Writer, nil)
	// writes for it. Give the writer and format of NewServer's logger when
	// that logger is one of those, as cmd/gatehouse's is.
	Format string
}

// accessLine is one request's access-log line, as its fields: the request
// path hands them over, the drain goroutine formats them.
type accessLine struct {
	time     time.Time // when the handler returned: the line's "time"
	method   string
	route    string
	status   int
	bytes    int
	duration time.Duration
	id, ip   string
	// who is the caller as the request path saw it; principal is its
	// label, which the drain goroutine makes (fill), so that naming the
	// caller costs the request nothing.
	who       logEntry
	principal string
}

// fill sets l.principal from l.who, once.
func (l *accessLine) fill() {
	if l.principal == "" && l.who.set {
		l.principal = principalLabel(l.who.kind, l.who.userID, l.who.credID)
	}
}

// accessLog writes the access log through a bounded buffer drained by one
// goroutine, so that a slow or stalled log writer (a full pipe, a paused
// terminal) never holds up a response. add never blocks: when the buffer is
// full the line is dropped and counted, and the drain goroutine logs one
// warning with the count, at most once per warnEvery. Lines are written in
// the order they were added, each exactly as Logger.LogAttrs would have
// written it on the request's goroutine when the handler returned: through
// the logger's handler, one Write a line, or — given an AccessLogOutput —
// formatted by appendLine and written a batch at a time.
//
// flush waits until every line added before it is written; close drains the
// buffer and stops the goroutine. A line added after close is written on the
// caller's goroutine: nothing is lost, and by then the server no longer
// serves.
type accessLog struct {
	log       *slog.Logger
	h         slog.Handler // the logger's, when out is nil
	out       io.Writer
	text      bool // out takes slog's text format, not JSON
	warnEvery time.Duration

	dropped atomic.Uint64 // lines ever dropped; added to with mu held

	mu       sync.Mutex
	pending  []accessLine // waiting for the drain goroutine; never past cap(pending)
	state    logState
	added    uint64        // lines ever put in pending
	written  uint64        // of those, lines the drain goroutine wrote
	progress chan struct{} // closed, and replaced, whenever written grows or the goroutine stops

	wake  chan struct{} // holds a token when pending may have lines or close was called
	hurry chan struct{} // holds a token when pending is half full, or flush or close waits
	done  chan struct{} // closed when the drain goroutine has stopped
}

type logState int

const (
	logOpen    logState = iota
	logClosing          // close was called: the goroutine drains, then stops
	logStopped          // the goroutine stopped: add writes itself
)

// newAccessLog starts the drain goroutine of an access log through log, or
// out when its Writer is set, holding at most size waiting lines
// (DefaultAccessLogBuffer when size <= 0).
func newAccessLog(log *slog.Logger, out AccessLogOutput, size int, warnEvery time.Duration) *accessLog {
	if size <= 0 {
		size = DefaultAccessLogBuffer
	}
	a := &accessLog{
		log:       log,
		h:         log.Handler(),
		out:       out.Writer,
		text:      out.Format == "text",
		warnEvery: warnEvery,
		pending:   make([]accessLine, 0, size),
		progress:  make(chan struct{}),
		wake:      make(chan struct{}, 1),
		hurry:     make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	go a.run(make([]accessLine, 0, size))
	return a
}

// enabled reports whether a line would be written at all, as LogAttrs
// asks before it builds a record (a handler made with nil options, as an
// AccessLogOutput's, writes Info).
func (a *accessLog) enabled(ctx context.Context) bool {
	return a.out != nil || a.h.Enabled(ctx, slog.LevelInfo)
}

// add hands l to the drain goroutine, or drops and counts it when the buffer
// is full. It never waits on the writer.
func (a *accessLog) add(l accessLine) {
	a.mu.Lock()
	switch {
	case a.state == logStopped:
		a.mu.Unlock()
		a.write(&l)
		return
	case len(a.pending) == cap(a.pending):
		a.dropped.Add(1)
		a.mu.Unlock()
		return
	}
	a.pending = append(a.pending, l)
	a.added++
	n, half := len(a.pending), cap(a.pending)/2
	a.mu.Unlock()
	switch n {
	case 1:
		a.signal()
	case half:
		a.rush()
	}
}

// signal wakes the drain goroutine (a token already waiting will do).
func (a *accessLog) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// rush cuts the drain goroutine's linger short (a token already waiting
// will do).
func (a *accessLog) rush() {
	select {
	case a.hurry <- struct{}{}:
	default:
	}
}

// run is the drain goroutine. It takes the waiting lines all at once
// (handing pending the emptied previous batch, so the two buffers take
// turns), writes them, sleeps until more come, and lets them gather for
// logLinger.
func (a *accessLog) run(spare []accessLine) {
	defer close(a.done)
	var (
		warned   uint64    // the dropped count the last warning reported
		lastWarn time.Time // when it was logged
		timer    *time.Timer
		timerC   <-chan time.Time // a pending warning's timer, armed or nil
		buf      []byte           // a batch's lines, formatted, when out is set
		st       stamp            // the time of the last line appendLine formatted
		linger   = time.NewTimer(logLinger)
	)
	linger.Stop()
	defer linger.Stop()
	for {
		a.mu.Lock()
		batch := a.pending
		a.pending = spare[:0]
		// Every line dropped so far was dropped after each line of batch was
		// added: a warning about them belongs after batch.
		dropped := a.dropped.Load()
		stopping := a.state == logClosing && len(batch) == 0
		if stopping {
			a.state = logStopped
		}
		a.mu.Unlock()

		for i := range batch {
			if a.out == nil {
				a.handle(&batch[i])
			} else if buf = a.appendLine(buf, &batch[i], &st); len(buf) >= maxLogWrite {
				a.out.Write(buf)
				buf = buf[:0]
			}
			batch[i] = accessLine{} // hold no request's strings
		}
		if len(buf) > 0 {
			a.out.Write(buf)
			buf = buf[:0]
		}
		spare = batch

		if dropped > warned {
			now := time.Now()
			if wait := a.warnEvery - now.Sub(lastWarn); stopping || lastWarn.IsZero() || wait <= 0 {
				a.log.LogAttrs(context.Background(), slog.LevelWarn, "access log lines dropped",
					slog.Uint64("dropped", dropped-warned), slog.Uint64("droppedTotal", dropped))
				warned, lastWarn = dropped, now
				if timer != nil {
					timer.Stop()
					timer, timerC = nil, nil
				}
			} else if timer == nil {
				timer = time.NewTimer(wait)
				timerC = timer.C
			}
		}

		a.mu.Lock()
		a.written += uint64(len(batch))
		if len(batch) > 0 || stopping {
			close(a.progress)
			a.progress = make(chan struct{})
		}
		a.mu.Unlock()
		if stopping {
			if timer != nil {
				timer.Stop()
			}
			return
		}
		if len(batch) == 0 {
			select {
			case <-a.wake:
			case <-timerC:
				timer, timerC = nil, nil
				continue
			}
		}
		// Lines have come (or may have, while these were written): let
		// more join them.
		linger.Reset(logLinger)
		select {
		case <-linger.C:
		case <-a.hurry:
			linger.Stop()
		}
	}
}

// write writes l on the caller's goroutine (after close).
func (a *accessLog) write(l *accessLine) {
	if a.out == nil {
		a.handle(l)
		return
	}
	a.out.Write(a.appendLine(nil, l, new(stamp)))
}

// handle writes l through the logger's handler.
func (a *accessLog) handle(l *accessLine) {
	l.fill()
	a.h.Handle(context.Background(), l.record()) // as Logger.LogAttrs, the handler's error goes nowhere
}

// record is l as the record LogAttrs would have made.
func (l *accessLine) record() slog.Record {
	r := slog.NewRecord(l.time, slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", l.method),
		slog.String("route", l.route),
		slog.Int("status", l.status),
		slog.Int("bytes", l.bytes),
		slog.Float64("durationMs", l.durationMs()),
		slog.String("requestId", l.id),
		slog.String("ip", l.ip),
		slog.String("principal", l.principal),
	)
	return r
}

func (l *accessLine) durationMs() float64 { return float64(l.duration.Microseconds()) / 1000 }

// appendLine appends l to dst in out's format: the bytes the slog handler of
// that format, made with nil options, writes for l.record(). The common line
// (printable ASCII, a year of four digits, a duration JSON writes without
// an exponent) it builds itself, at a tenth of what the handler costs; any
// other it has such a handler write. st holds the time of the last line
// formatted through it: one st serves one goroutine.
func (a *accessLog) appendLine(dst []byte, l *accessLine, st *stamp) []byte {
	if a.text {
		l.fill()
		if b, ok := appendTextLine(dst, l); ok {
			return b
		}
	} else if b, ok := appendJSONLine(dst, l, st); ok {
		return b
	}
	l.fill()
	w := &appendWriter{b: dst}
	var h slog.Handler = slog.NewJSONHandler(w, nil)
	if a.text {
		h = slog.NewTextHandler(w, nil)
	}
	h.Handle(context.Background(), l.record())
	return w.b
}

// appendWriter appends what is written to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// plainLine reports whether every string of l is plain, its principal's
// label included (filled or not).
func (l *accessLine) plainLine() bool {
	if !httpio.Plain(l.method) || !httpio.Plain(l.route) || !httpio.Plain(l.id) || !httpio.Plain(l.ip) || !httpio.Plain(l.principal) {
		return false
	}
	// Unfilled, the label is "user:" and digits, or a credential id.
	return l.principal != "" || !l.who.set || !labelIsCredID(l.who.kind) || httpio.Plain(l.who.credID)
}

// appendPrincipal appends l's principal label, filled or not.
func (l *accessLine) appendPrincipal(b []byte) []byte {
	if l.principal != "" || !l.who.set {
		return append(b, l.principal...)
	}
	return appendPrincipalLabel(b, l.who.kind, l.who.userID, l.who.credID)
}

// appendJSONLine appends l as slog.JSONHandler writes it, when l is common
// (see appendLine).
func appendJSONLine(dst []byte, l *accessLine, st *stamp) ([]byte, bool) {
	ms := l.durationMs()
	// encoding/json, which the handler has write a float, writes one in
	// [1e-6, 1e21), and 0, without an exponent.
	if ms != 0 && (ms < 1e-6 || ms >= 1e21) || !l.plainLine() {
		return dst, false
	}
	b, ok := st.appendRFC3339Nano(append(dst, `{"time":"`...), l.time)
	if !ok {
		return dst, false
	}
	b = append(b, `","level":"INFO","msg":"request","method":"`...)
	b = append(b, l.method...)
	b = append(b, `","route":"`...)
	b = append(b, l.route...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(l.bytes), 10)
	b = append(b, `,"durationMs":`...)
	b = appendMillis(b, l.duration, ms)
	b = append(b, `,"requestId":"`...)
	b = append(b, l.id...)
	b = append(b, `","ip":"`...)
	b = append(b, l.ip...)
	b = append(b, `","principal":"`...)
	b = l.appendPrincipal(b)
	b = append(b, "\"}\n"...)
	return b, true
}

// stamp is the text of one second of RFC 3339 in one location, split where
// the fraction goes: the drain goroutine formats a batch of lines from the
// same few seconds, and AppendFormat was a third of a line's formatting.
type stamp struct {
	sec  int64
	loc  *time.Location
	date []byte // "2006-01-02T15:04:05"
	zone []byte // "Z07:00": "Z" or "+05:30"
	year bool   // the year has four digits
	tmp  [32]byte
}

// appendRFC3339Nano appends t as t.AppendFormat(b, time.RFC3339Nano) does,
// when t's year has four digits; otherwise it reports false.
func (st *stamp) appendRFC3339Nano(b []byte, t time.Time) ([]byte, bool) {
	const dateLen = len("2006-01-02T15:04:05")
	if sec, loc := t.Unix(), t.Location(); st.date == nil || sec != st.sec || loc != st.loc {
		st.sec, st.loc = sec, loc
		if y := t.Year(); y < 0 || y >= 10000 {
			st.date, st.year = st.date[:0], false
			return b, false
		}
		whole := t.Truncate(time.Second).AppendFormat(st.tmp[:0], time.RFC3339)
		st.date, st.zone, st.year = append(st.date[:0], whole[:dateLen]...), append(st.zone[:0], whole[dateLen:]...), true
	}
	if !st.year {
		return b, false
	}
	b = append(b, st.date...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, st.zone...), true
}

// appendMillis appends d in milliseconds (ms, as durationMs gives it) as
// strconv.AppendFloat(b, ms, 'f', -1, 64) does. Under 10^15 µs it writes
// the whole microseconds as a decimal of at most three places itself:
// float64(µs)/1000 is the double nearest that decimal, and a double's
// shortest form is that decimal while it has at most 15 digits.
func appendMillis(b []byte, d time.Duration, ms float64) []byte {
	us := d.Microseconds()
	if us < 0 || us >= 1e15 {
		return strconv.AppendFloat(b, ms, 'f', -1, 64)
	}
	b = strconv.AppendInt(b, us/1000, 10)
	if f := us % 1000; f != 0 {
		frac := [4]byte{'.', byte('0' + f/100), byte('0' + f/10%10), byte('0' + f%10)}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return b
}

// appendTextLine appends l as slog.TextHandler writes it, when l's strings
// are plain.
func appendTextLine(dst []byte, l *accessLine) ([]byte, bool) {
	if !l.plainLine() {
		return dst, false
	}
	b := append(dst, "time="...)
	b = appendRFC3339Millis(b, l.time)
	b = append(b, " level=INFO msg=request method="...)
	b = appendTextString(b, l.method)
	b = append(b, " route="...)
	b = appendTextString(b, l.route)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, int64(l.bytes), 10)
	b = append(b, " durationMs="...)
	b = strconv.AppendFloat(b, l.durationMs(), 'g', -1, 64)
	b = append(b, " requestId="...)
	b = appendTextString(b, l.id)
	b = append(b, " ip="...)
	b = appendTextString(b, l.ip)
	b = append(b, " principal="...)
	b = appendTextString(b, l.principal)
	b = append(b, '\n')
	return b, true
}

// appendTextString appends the plain s as the text handler does: in quotes
// when it is empty or holds a space or '='.
func appendTextString(b []byte, s string) []byte {
	if s == "" || strings.ContainsAny(s, " =") {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return append(b, s...)
}

// appendRFC3339Millis is the text handler's time: RFC 3339 with exactly
// three digits of milliseconds (log/slog's own code).
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	// Format according to time.RFC3339Nano since it is highly optimized,
	// but truncate it to use millisecond resolution.
	// Unfortunately, that format trims trailing 0s, so add 1/10 millisecond
	// to guarantee that there are exactly 4 digits after the period.
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the 4th digit
	return b
}

// flush waits until every line added before it was called is written, or
// ctx ends.
func (a *accessLog) flush(ctx context.Context) error {
	a.mu.Lock()
	target := a.added
	for a.written < target {
		ch := a.progress
		a.mu.Unlock()
		a.rush()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		a.mu.Lock()
	}
	a.mu.Unlock()
	return nil
}

// close writes every waiting line, reports any drop not yet reported, and
// stops the drain goroutine; it returns once that is done, or ctx ends (the
// goroutine then goes on draining).
func (a *accessLog) close(ctx context.Context) error {
	a.mu.Lock()
	if a.state == logOpen {
		a.state = logClosing
	}
	a.mu.Unlock()
	a.signal()
	a.rush()
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
