package objectid

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGenerator: ids are ObjectIds, unique, in creation order within one
// generator (the same second included), and two generators do not share
// their random bytes.
func TestGenerator(t *testing.T) {
	t.Parallel()
	g := NewGenerator()
	now := time.Unix(1_700_000_000, 0)
	const n = 1000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = g.New(now)
		if !Valid(ids[i]) {
			t.Fatalf("New = %q, not an ObjectId", ids[i])
		}
	}
	if ids[0][:8] != "6553f100" {
		t.Errorf("New(%v) = %s: the first 4 bytes are not the Unix time", now, ids[0])
	}
	// The counter may wrap once past 0xffffff; then the order restarts.
	wraps := 0
	for i := 1; i < n; i++ {
		if ids[i] <= ids[i-1] {
			wraps++
		}
	}
	if wraps > 1 {
		t.Errorf("ids of one generator in one second are out of order %d times", wraps)
	}
	if later := g.New(now.Add(time.Second)); later <= ids[n-1] && wraps == 0 {
		t.Errorf("an id of the next second %s sorts before %s", later, ids[n-1])
	}
	if a, b := NewGenerator().New(now), NewGenerator().New(now); a[8:18] == b[8:18] {
		t.Errorf("two generators share their random bytes: %s %s", a, b)
	}
}

func TestGeneratorConcurrent(t *testing.T) {
	t.Parallel()
	g := NewGenerator()
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var mine []string
			for range 500 {
				mine = append(mine, g.New(time.Now()))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	if len(slices.Compact(all)) != 8*500 {
		t.Fatal("concurrent ids repeat")
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s, prefix string
		valid     bool // Valid(s)
		prefixed  bool // ValidWithPrefix(s, prefix)
	}{
		{"6553f100aabbccddee000001", "app_", true, false},
		{"app_6553f100aabbccddee000001", "app_", false, true},
		{"act_6553f100aabbccddee000001", "app_", false, false},
		{"app_6553F100AABBCCDDEE000001", "app_", false, false},
		{"6553f100aabbccddee00000", "", false, false},
		{"6553f100aabbccddee0000011", "", false, false},
		{"6553f100aabbccddee00000g", "", false, false},
		{"", "", false, false},
		{"app_", "app_", false, false},
	} {
		t.Run(tt.s, func(t *testing.T) {
			if got := Valid(tt.s); got != tt.valid {
				t.Errorf("Valid(%q) = %v, want %v", tt.s, got, tt.valid)
			}
			if tt.prefix != "" {
				if got := ValidWithPrefix(tt.s, tt.prefix); got != tt.prefixed {
					t.Errorf("ValidWithPrefix(%q, %q) = %v, want %v", tt.s, tt.prefix, got, tt.prefixed)
				}
			}
		})
	}
}
