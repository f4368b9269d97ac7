package asksage

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpio"
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

// TestLoginRowsJSON: get-user-logins' answer writes its own JSON exactly as
// encoding/json writes it, and does so for every row of plain strings; a
// row with any other string is left to encoding/json.
func TestLoginRowsJSON(t *testing.T) {
	t.Parallel()
	row := loginRow{ID: 7, DateTime: "Thu, 08 May 2025 21:42:04 GMT", IP: "203.0.113.9", IPLower: "203.0.113.9", Status: "Success", Type: "login", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) <&>"}
	odd := []string{`say "hi"`, `back\slash`, "é", "tab\there", "\x00", "\u2028"}
	cases := []struct {
		rows  loginRows
		plain bool
	}{{nil, true}, {loginRows{}, true}, {loginRows{row}, true}, {loginRows{row, {ID: -1}, row}, true}}
	for _, s := range odd {
		for f := range 6 {
			r := row
			*[...]*string{&r.DateTime, &r.IP, &r.IPLower, &r.Status, &r.Type, &r.UserAgent}[f] = s
			cases = append(cases, struct {
				rows  loginRows
				plain bool
			}{loginRows{row, r}, false})
		}
	}
	for _, c := range cases {
		for _, v := range []httpio.Appender{c.rows, reply(c.rows)} {
			got, ok := v.AppendJSON(nil)
			if ok != c.plain {
				t.Errorf("%+v: ok = %v, want %v", v, ok, c.plain)
			}
			if want, _ := httpio.Marshal(v); ok && !bytes.Equal(got, want) { // encoding/json's bytes
				t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
			}
		}
	}
	if _, ok := reply([]string{"x"}).AppendJSON(nil); ok {
		t.Error("an envelope of a response that writes no JSON of its own wrote some")
	}
}
