package percpu

import (
	"sync"
	"testing"
)

// TestIndex: every index is in range, a power-of-two count of shards, and
// a goroutine that does not move keeps getting one index.
func TestIndex(t *testing.T) {
	if Shards < 2 || Shards&(Shards-1) != 0 || Shards > 256 {
		t.Fatalf("Shards = %d, want a power of two in [2, 256]", Shards)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10000 {
				if i := Index(); i < 0 || i >= Shards {
					t.Errorf("Index() = %d, out of [0, %d)", i, Shards)
					return
				}
			}
		})
	}
	wg.Wait()
	if raceOn {
		t.Log("the race detector's sync.Pool drops objects at random: an index is not kept")
		return
	}
	first, same := Index(), 0
	for range 1000 {
		if Index() == first {
			same++
		}
	}
	// A goroutine can move between Ps, and a collection can drop the
	// pool's objects, but not for most of a thousand calls in a row.
	if same < 900 {
		t.Errorf("the same index %d times in 1000, want nearly always", same)
	}
}

func BenchmarkIndex(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = Index()
		}
	})
}
