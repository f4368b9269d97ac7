package httpserver

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAccessLogBuffer is how many access-log lines may wait for the log's
// writer when Options.AccessLogBuffer is 0: at 20,000 requests a second,
// a fifth of a second of a stalled writer.
const DefaultAccessLogBuffer = 4096

// dropWarnInterval is the least time between two warnings that access-log
// lines were dropped.
const dropWarnInterval = 10 * time.Second

// accessLine is one request's access-log line, as its fields: the request
// path hands them over, the drain goroutine formats them.
type accessLine struct {
	time      time.Time // when the handler returned: the line's "time"
	method    string
	route     string
	status    int
	bytes     int
	duration  time.Duration
	id, ip    string
	principal string
}

// accessLog writes the access log through a bounded buffer drained by one
// goroutine, so that a slow or stalled log writer (a full pipe, a paused
// terminal) never holds up a response. add never blocks: when the buffer is
// full the line is dropped and counted, and the drain goroutine logs one
// warning with the count, at most once per warnEvery. Lines are written in
// the order they were added, each through the logger's handler exactly as
// Logger.LogAttrs would have written it on the request's goroutine.
//
// flush waits until every line added before it is written; close drains the
// buffer and stops the goroutine. A line added after close is written on the
// caller's goroutine: nothing is lost, and by then the server no longer
// serves.
type accessLog struct {
	log       *slog.Logger
	h         slog.Handler
	warnEvery time.Duration

	dropped atomic.Uint64 // lines ever dropped; added to with mu held

	mu       sync.Mutex
	pending  []accessLine // waiting for the drain goroutine; never past cap(pending)
	state    logState
	added    uint64        // lines ever put in pending
	written  uint64        // of those, lines the drain goroutine wrote
	progress chan struct{} // closed, and replaced, whenever written grows or the goroutine stops

	wake chan struct{} // holds a token when pending may have lines or close was called
	done chan struct{} // closed when the drain goroutine has stopped
}

type logState int

const (
	logOpen    logState = iota
	logClosing          // close was called: the goroutine drains, then stops
	logStopped          // the goroutine stopped: add writes itself
)

// newAccessLog starts the drain goroutine of an access log through log,
// holding at most size waiting lines (DefaultAccessLogBuffer when size <= 0).
func newAccessLog(log *slog.Logger, size int, warnEvery time.Duration) *accessLog {
	if size <= 0 {
		size = DefaultAccessLogBuffer
	}
	a := &accessLog{
		log:       log,
		h:         log.Handler(),
		warnEvery: warnEvery,
		pending:   make([]accessLine, 0, size),
		progress:  make(chan struct{}),
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	go a.run(make([]accessLine, 0, size))
	return a
}

// enabled reports whether a line would be written at all, as LogAttrs
// asks before it builds a record.
func (a *accessLog) enabled(ctx context.Context) bool {
	return a.h.Enabled(ctx, slog.LevelInfo)
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
	first := len(a.pending) == 1
	a.mu.Unlock()
	if first {
		a.signal()
	}
}

// signal wakes the drain goroutine (a token already waiting will do).
func (a *accessLog) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run is the drain goroutine. It takes the waiting lines all at once
// (handing pending the emptied previous batch, so the two buffers take
// turns), writes them, and sleeps until more come.
func (a *accessLog) run(spare []accessLine) {
	defer close(a.done)
	var (
		warned   uint64    // the dropped count the last warning reported
		lastWarn time.Time // when it was logged
		timer    *time.Timer
		timerC   <-chan time.Time // a pending warning's timer, armed or nil
	)
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
			a.write(&batch[i])
			batch[i] = accessLine{} // hold no request's strings
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
		if len(batch) > 0 {
			continue // more may have come while these were written
		}
		select {
		case <-a.wake:
		case <-timerC:
			timer, timerC = nil, nil
		}
	}
}

// write writes l through the logger's handler: the record LogAttrs would
// have made on the request's goroutine when the handler returned.
func (a *accessLog) write(l *accessLine) {
	r := slog.NewRecord(l.time, slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", l.method),
		slog.String("route", l.route),
		slog.Int("status", l.status),
		slog.Int("bytes", l.bytes),
		slog.Float64("durationMs", float64(l.duration.Microseconds())/1000),
		slog.String("requestId", l.id),
		slog.String("ip", l.ip),
		slog.String("principal", l.principal),
	)
	a.h.Handle(context.Background(), r) // as Logger.LogAttrs, the handler's error goes nowhere
}

// flush waits until every line added before it was called is written, or
// ctx ends.
func (a *accessLog) flush(ctx context.Context) error {
	a.mu.Lock()
	target := a.added
	for a.written < target {
		ch := a.progress
		a.mu.Unlock()
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
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
