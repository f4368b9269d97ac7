package httpserver

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// slogLine is what the slog handler of format, made with nil options,
// writes for l: what appendLine must write.
func slogLine(format string, l *accessLine) []byte {
	var buf bytes.Buffer
	var h slog.Handler = slog.NewJSONHandler(&buf, nil)
	if format == "text" {
		h = slog.NewTextHandler(&buf, nil)
	}
	h.Handle(context.Background(), l.record())
	return buf.Bytes()
}

// TestAppendLine: the access log's own formatting writes, for each kind of
// line, the very bytes slog's handler of the format writes, and takes its
// own path (not the handler's) for the lines a server writes all day.
func TestAppendLine(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 2, 25, 40, 746795523, time.UTC)
	common := accessLine{time: at, method: "GET", route: "GET /healthz", status: 200, bytes: 15,
		duration: 31 * time.Microsecond, id: "f063845e0d2c5fc5", ip: "127.0.0.1", principal: ""}
	with := func(f func(l *accessLine)) accessLine {
		l := common
		f(&l)
		return l
	}
	for _, tt := range []struct {
		name string
		l    accessLine
		own  bool // the common line: appendLine builds it itself
	}{
		{"health", common, true},
		{"user principal", with(func(l *accessLine) {
			l.method, l.route, l.principal = "POST", "POST /user/get-user-api-keys", "user:42"
		}), true},
		{"app key principal, IPv6", with(func(l *accessLine) {
			l.route, l.ip, l.principal = "GET /v2/apps/{appId}", "2001:db8::1", "app_5d8cff3cd55b040010928b5b"
		}), true},
		{"path as sent", with(func(l *accessLine) { l.route = "/healthz/..%2fuser/x" }), true},
		{"route with =", with(func(l *accessLine) { l.route = "/a=b" }), true},
		{"no time to speak of", with(func(l *accessLine) { l.duration = 0 }), true},
		{"nanoseconds only", with(func(l *accessLine) { l.duration = 999 }), true},
		{"a long stream", with(func(l *accessLine) { l.duration = 25 * time.Minute }), true},
		{"a week", with(func(l *accessLine) { l.duration = 7 * 24 * time.Hour }), true},
		{"whole second", with(func(l *accessLine) { l.time = at.Truncate(time.Second) }), true},
		{"whole millisecond", with(func(l *accessLine) { l.time = at.Truncate(time.Millisecond) }), true},
		{"zone east", with(func(l *accessLine) { l.time = at.In(time.FixedZone("", 5*3600+1800)) }), true},
		{"zone west", with(func(l *accessLine) { l.time = at.In(time.FixedZone("", -7*3600)) }), true},
		{"local", with(func(l *accessLine) { l.time = at.Local() }), true},
		{"monotonic", with(func(l *accessLine) { l.time = time.Now() }), true},
		{"negative status", with(func(l *accessLine) { l.status = -1 }), true},
		{"year 10000", with(func(l *accessLine) { l.time = at.AddDate(8000, 0, 0) }), false},
		{"quote", with(func(l *accessLine) { l.route = `/a"b` }), false},
		{"backslash", with(func(l *accessLine) { l.ip = `a\b` }), false},
		{"control", with(func(l *accessLine) { l.route = "/a\nb" }), false},
		{"DEL", with(func(l *accessLine) { l.route = "/a\x7fb" }), false},
		{"UTF-8", with(func(l *accessLine) { l.route = "/é" }), false},
		{"invalid UTF-8", with(func(l *accessLine) { l.ip = "\xff" }), false},
		{"U+2028", with(func(l *accessLine) { l.route = "/\u2028" }), false},
		{"empty method", with(func(l *accessLine) { l.method = "" }), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"json", "text"} {
				a := &accessLog{text: format == "text"}
				got := a.appendLine([]byte("before\n"), &tt.l, new(stamp))
				want := append([]byte("before\n"), slogLine(format, &tt.l)...)
				if !bytes.Equal(got, want) {
					t.Errorf("%s:\n got %q\nwant %q", format, got, want)
				}
				var own bool
				if format == "text" {
					_, own = appendTextLine(nil, &tt.l)
				} else {
					_, own = appendJSONLine(nil, &tt.l, new(stamp))
				}
				// The text format has no exponent or year to avoid.
				if wantOwn := tt.own || format == "text" && httpio.Plain(tt.l.route) && httpio.Plain(tt.l.ip); own != wantOwn {
					t.Errorf("%s: built by appendLine itself: %v, want %v", format, own, wantOwn)
				}
			}
		})
	}
}

// TestStampSequence: one stamp formats times of the same second, the next,
// another zone and back as AppendFormat(RFC3339Nano) does; appendMillis
// writes durations as AppendFloat does.
func TestStampSequence(t *testing.T) {
	t.Parallel()
	var st stamp
	east := time.FixedZone("", 5*3600+1800)
	base := time.Date(2026, 12, 3, 23, 59, 58, 0, time.UTC)
	steps := []time.Duration{0, 1, 999_999_999, 1, 10, 120_000_000, 500_000_000, 3 * time.Second, time.Hour}
	at := base
	for i := 0; i < 300; i++ {
		at = at.Add(steps[i%len(steps)] + time.Duration(i)*7_777_777)
		for _, tm := range []time.Time{at, at.In(east), at.Local(), at.Truncate(time.Second), at.AddDate(-2000, 0, 0)} {
			if i%50 == 0 {
				// A year of five digits, between others: refused, and
				// forgotten.
				if _, ok := st.appendRFC3339Nano(nil, tm.AddDate(10000, 0, 0)); ok {
					t.Fatalf("%v: year of five digits formatted", tm.AddDate(10000, 0, 0))
				}
			}
			got, ok := st.appendRFC3339Nano([]byte("x"), tm)
			if want := tm.AppendFormat([]byte("x"), time.RFC3339Nano); !ok || !bytes.Equal(got, want) {
				t.Fatalf("%v: got %q, want %q", tm, got, want)
			}
		}
	}
	for _, d := range []time.Duration{0, 999, time.Microsecond, 31 * time.Microsecond, 100 * time.Microsecond,
		time.Millisecond, 1234567 * time.Nanosecond, 25 * time.Minute, 7 * 24 * time.Hour, 1e15 * time.Microsecond, -time.Second, math.MaxInt64} {
		ms := float64(d.Microseconds()) / 1000
		if got, want := appendMillis(nil, d, ms), strconv.AppendFloat(nil, ms, 'f', -1, 64); !bytes.Equal(got, want) {
			t.Errorf("%v: got %q, want %q", d, got, want)
		}
	}
	for us := int64(0); us < 200_000; us += 7 {
		d := time.Duration(us) * time.Microsecond
		ms := float64(us) / 1000
		if got, want := appendMillis(nil, d, ms), strconv.AppendFloat(nil, ms, 'f', -1, 64); !bytes.Equal(got, want) {
			t.Fatalf("%v: got %q, want %q", d, got, want)
		}
	}
}

// FuzzAppendLine: whatever the line, appendLine writes what slog's handler
// of its format writes.
//
//	go test -run '^$' -fuzz FuzzAppendLine -fuzztime 20000x ./internal/httpserver/
func FuzzAppendLine(f *testing.F) {
	f.Add(int64(1764642340746795523), 0, "GET", "GET /healthz", 200, 15, int64(31000), "f063845e0d2c5fc5", "127.0.0.1", "")
	f.Add(int64(-62135596800000000), 3600, "POST", "/a=b c", -1, 0, int64(math.MaxInt64), "", "::1", "user:1")
	f.Add(int64(253402300800000000), -3600, "", "\x00\"\\\u2028\xff", 0, 1<<40, int64(999), "x", "y", "app_1")
	f.Fuzz(func(t *testing.T, unixNano int64, zone int, method, route string, status, size int, dur int64, id, ip, principal string) {
		l := accessLine{
			time:   time.Unix(0, unixNano).In(time.FixedZone("", zone%(18*3600))),
			method: method, route: route, status: status, bytes: size,
			duration: time.Duration(dur), id: id, ip: ip, principal: principal,
		}
		for _, format := range []string{"json", "text"} {
			a := &accessLog{text: format == "text"}
			if got, want := a.appendLine(nil, &l, new(stamp)), slogLine(format, &l); !bytes.Equal(got, want) {
				t.Errorf("%s:\n got %q\nwant %q", format, got, want)
			}
		}
	})
}

// BenchmarkAppendLine measures the drain goroutine's formatting of one
// common JSON line, times a microsecond apart as a batch's are.
//
//	go test -run '^$' -bench AppendLine ./internal/httpserver/
func BenchmarkAppendLine(b *testing.B) {
	l := accessLine{time: time.Now(), method: "GET", route: "GET /auth/verify", status: 200,
		duration: 87 * time.Microsecond, id: "f063845e0d2c5fc5", ip: "127.0.0.1",
		who: logEntry{set: true, kind: gatehouse.CredAPIKey, userID: 42}}
	a := &accessLog{}
	var st stamp
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		l.time = l.time.Add(time.Microsecond)
		buf = a.appendLine(buf[:0], &l, &st)
	}
}
