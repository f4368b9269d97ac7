package gcheadroom

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestPercent: the goal the runtime derives from the percentage,
// max(live + scan×p/100, 4 MiB×p/100), is live + headroom or, where the
// percentage is held at 100 or 10000, as near as it may be.
func TestPercent(t *testing.T) {
	const mib = 1 << 20
	goal := func(live, scan uint64, p int) uint64 {
		return max(live+scan*uint64(p)/100, heapMinimum*uint64(p)/100)
	}
	for _, tc := range []struct {
		live, scan, headroom uint64
		want                 int
	}{
		{4 * mib, 4 * mib, 64 * mib, 1600},
		{3 * mib, 3*mib + mib/4, 64 * mib, 1675}, // the minimum decides
		{32 * mib, 33 * mib, 64 * mib, 193},      // scan decides
		{64 * mib, 65 * mib, 64 * mib, 100},      // never below Go's default
		{640 * mib, 650 * mib, 64 * mib, 100},    //
		{0, 0, 64 * mib << 10, 10000},            // capped
	} {
		got := Percent(tc.live, tc.scan, tc.headroom)
		if got != tc.want {
			t.Errorf("Percent(%d, %d, %d) = %d, want %d", tc.live, tc.scan, tc.headroom, got, tc.want)
		}
		if got > 100 && got < 10000 {
			if g, want := goal(tc.live, tc.scan, got), tc.live+tc.headroom; g > want || want-g > want/50 {
				t.Errorf("Percent(%d, %d, %d) = %d: goal %d, want %d", tc.live, tc.scan, tc.headroom, got, g, want)
			}
		}
	}
}

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestRun: a test binary's heap is a few megabytes, so Run with 1 GiB of
// headroom raises the percentage to its cap; stopping it puts back the one
// it found; a second Run beside the first changes nothing.
func TestRun(t *testing.T) {
	before := gcPercent()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Run(ctx, 1<<30) }()
	deadline := time.Now().Add(5 * time.Second)
	for gcPercent() != 10000 {
		runtime.GC()
		if time.Now().After(deadline) {
			t.Fatalf("GC percent %d after Run started, want 10000", gcPercent())
		}
		time.Sleep(5 * time.Millisecond)
	}
	second := make(chan struct{})
	go func() { defer close(second); Run(context.Background(), 1) }()
	select {
	case <-second:
	case <-time.After(5 * time.Second):
		t.Fatal("a second Run did not return at once")
	}
	if p := gcPercent(); p != 10000 {
		t.Errorf("GC percent %d after a second Run, want the first's 10000", p)
	}
	cancel()
	<-done
	if p := gcPercent(); p != before {
		t.Errorf("GC percent %d after Run stopped, want %d back", p, before)
	}
}
