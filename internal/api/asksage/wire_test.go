package asksage

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestWireTime: wireTime writes what time.Format writes for timeFormat,
// for times of every zone, day, month and year (those of five digits and
// the negative ones through Format itself).
func TestWireTime(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 5, 8, 21, 42, 4, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 15, 8, 5, 3, 0, time.UTC),
		time.Date(2026, 12, 4, 0, 30, 0, 0, time.FixedZone("+0530", 5*3600+1800)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("-1000", -10*3600)),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)))
	}
	for _, tm := range times {
		if got, want := wireTime(tm), tm.UTC().Format(timeFormat); got != want {
			t.Fatalf("wireTime(%v) = %q, want %q", tm, got, want)
		}
	}
}

func BenchmarkWireTime(b *testing.B) {
	tm := time.Date(2025, 5, 8, 21, 42, 4, 0, time.UTC)
	b.Run("wireTime", func(b *testing.B) {
		for b.Loop() {
			_ = wireTime(tm)
		}
	})
	b.Run("Format", func(b *testing.B) {
		for b.Loop() {
			_ = tm.UTC().Format(timeFormat)
		}
	})
}
