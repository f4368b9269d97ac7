// Package gcheadroom keeps the garbage collector's heap target a fixed
// headroom above the live heap when the live heap is small.
//
// Go's default (GOGC=100) starts a collection when the heap has grown by
// the live heap since the last one, and by at least 4 MiB. A server whose
// live heap is a few megabytes and which allocates a few kilobytes a
// request then collects dozens of times a second: serve, under wrk on
// /auth/verify, ran 71 collections a second over a 2–5 MiB heap, and every
// cycle's stops, write barriers and sweeping cost about a seventh of its
// CPU (the same binary at GOGC=400 answered 10–20 % more requests).
//
// So, after every collection, Run sets the GC percentage to what gives the
// heap headroom bytes to grow before the next collection, never less than
// Go's 100: 4 MiB live with 64 MiB headroom is about GOGC=1600, 64 MiB live
// GOGC=100. The cost is bounded and written down: the heap may hold up
// to headroom bytes of garbage beyond what GOGC=100 would hold, never more.
// GOMEMLIMIT still applies on top, as it does to any GOGC.
//
// An operator who sets GOGC has decided; the caller does not start Run then.
package gcheadroom

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// heapMinimum is the runtime's smallest heap goal at GOGC=100; it scales
// with the percentage (at GOGC=1600 no goal is under 64 MiB).
const heapMinimum = 4 << 20

// Percent is the GC percentage at which the heap's next goal is live +
// headroom. The runtime's goal is the larger of live + scan×GOGC/100 (scan:
// the live heap, goroutine stacks and globals, what a collection scans)
// and heapMinimum×GOGC/100, so the percentage is the smaller of the two that
// each reach live + headroom. At least 100 (Go's default), at most 10000.
func Percent(live, scan, headroom uint64) int {
	const lo, hi = 100, 10000
	p := (live + headroom) * 100 / heapMinimum
	if scan > 0 {
		p = min(p, headroom*100/scan)
	}
	return int(max(lo, min(hi, p)))
}

var running sync.Mutex // one Run per process: the GC percentage is global

// sentinel is what afterEachGC watches: big enough, and holding a pointer,
// so that it is not batched with others by the tiny allocator.
type sentinel struct {
	_ *int
	_ [2]uint64
}

// afterEachGC sends on c, without waiting, after every collection until
// stop is set: a sentinel nothing refers to is collected by each cycle, and
// its cleanup arms the next one.
func afterEachGC(c chan<- struct{}, stop *atomic.Bool) {
	var arm func()
	arm = func() {
		runtime.AddCleanup(new(sentinel), func(struct{}) {
			select {
			case c <- struct{}{}:
			default:
			}
			if !stop.Load() {
				arm()
			}
		}, struct{}{})
	}
	arm()
}

// Run keeps the heap target headroom bytes above the live heap until ctx
// is done; then it puts back the percentage it found. It sets it after
// every collection, as soon as the collection has measured the live heap:
// a percentage set from an older measure would let the heap grow by a
// multiple of the new live heap, not by headroom. A second Run while one
// runs returns at once.
func Run(ctx context.Context, headroom uint64) {
	if !running.TryLock() {
		return
	}
	defer running.Unlock()
	sample := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}
	prev := debug.SetGCPercent(100)
	debug.SetGCPercent(prev)
	defer debug.SetGCPercent(prev)
	gcs := make(chan struct{}, 1)
	var stop atomic.Bool
	defer stop.Store(true)
	afterEachGC(gcs, &stop)
	cur := prev
	for {
		metrics.Read(sample)
		var scan uint64
		ok := true
		for _, v := range sample {
			if v.Value.Kind() != metrics.KindUint64 {
				ok = false
				break
			}
			scan += v.Value.Uint64()
		}
		if ok {
			p := Percent(sample[0].Value.Uint64(), scan, headroom)
			// Only a change of a twentieth or more: the live heap moves a
			// little with every collection.
			if d := p - cur; d*20 > cur || -d*20 > cur {
				debug.SetGCPercent(p)
				cur = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-gcs:
		}
	}
}
