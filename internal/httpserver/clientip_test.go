package httpserver

import (
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// clientIPBefore is clientIP as it was before it walked X-Forwarded-For in
// place and kept an IPv4 address's text: the reference it must agree with.
func clientIPBefore(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

var clientIPTrusted = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}

// TestClientIP pins clientIP on peers and X-Forwarded-For lists of every
// shape, and checks it against clientIPBefore.
func TestClientIP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"IPv4 peer", "192.0.2.7:4000", nil, "192.0.2.7"},
		{"IPv4 peer, X-Forwarded-For ignored", "192.0.2.7:4000", []string{"198.51.100.1"}, "192.0.2.7"},
		{"IPv6 peer", "[2001:DB8:0:0::1]:4000", nil, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:192.0.2.7]:4000", nil, "192.0.2.7"},
		{"IPv6 peer with a zone", "[fe80::1%eth0]:4000", nil, "fe80::1%eth0"},
		{"no port", "192.0.2.7", nil, "192.0.2.7"},
		{"not an address", "pipe", nil, "pipe"},
		{"leading zero is not an address", "192.0.2.07:1", nil, "192.0.2.07"},
		{"trusted peer, no header", "10.0.0.1:1", nil, "10.0.0.1"},
		{"trusted peer, one hop", "10.0.0.1:1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"right-most untrusted hop", "10.0.0.1:1", []string{"203.0.113.9, 198.51.100.1, 10.0.0.2"}, "198.51.100.1"},
		{"hops over several headers", "10.0.0.1:1", []string{"203.0.113.9", "198.51.100.1,10.0.0.2", "10.0.0.3"}, "198.51.100.1"},
		{"spaces and tabs", "10.0.0.1:1", []string{" \t198.51.100.1 \t,  10.0.0.2 "}, "198.51.100.1"},
		{"IPv6 hop", "10.0.0.1:1", []string{"2001:DB8::0:1"}, "2001:db8::1"},
		{"IPv4-mapped hop", "10.0.0.1:1", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped trusted hop", "10.0.0.1:1", []string{"198.51.100.1, ::ffff:10.0.0.2"}, "198.51.100.1"},
		{"garbage stops the walk", "10.0.0.1:1", []string{"198.51.100.1, junk, 10.0.0.2"}, "10.0.0.1"},
		{"empty hop stops the walk", "10.0.0.1:1", []string{"198.51.100.1,", "10.0.0.2"}, "10.0.0.1"},
		{"empty header", "10.0.0.1:1", []string{""}, "10.0.0.1"},
		{"all trusted", "10.0.0.1:1", []string{"10.0.0.2, 10.0.0.3"}, "10.0.0.1"},
		{"trusted IPv4-mapped peer", "[::ffff:10.0.0.1]:1", []string{"10.0.0.2"}, "10.0.0.1"},
		{"trusted IPv6 peer", "[fd00::1]:1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"trusted IPv6 peer, garbage", "[fd00::1]:1", []string{"x"}, "fd00::1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
			if tt.xff != nil {
				r.Header["X-Forwarded-For"] = tt.xff
			}
			if got := clientIP(r, clientIPTrusted); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
			if got, ref := clientIP(r, clientIPTrusted), clientIPBefore(r, clientIPTrusted); got != ref {
				t.Errorf("clientIP = %q, the reference %q", got, ref)
			}
		})
	}
}

// FuzzClientIP: clientIP agrees with clientIPBefore on any peer and
// header.
//
//	go test -run '^$' -fuzz FuzzClientIP -fuzztime 20000x ./internal/httpserver/
func FuzzClientIP(f *testing.F) {
	f.Add("192.0.2.7:1", "198.51.100.1")
	f.Add("10.0.0.1:1", "203.0.113.9, 198.51.100.1, 10.0.0.2")
	f.Add("[::ffff:10.0.0.1]:1", "::ffff:198.51.100.1,,x")
	f.Add("10.0.0.1", "1.2.3.4 ,\t2001:db8::1%x")
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		// A second header line when the value holds a newline.
		r.Header["X-Forwarded-For"] = strings.Split(xff, "\n")
		if got, ref := clientIP(r, clientIPTrusted), clientIPBefore(r, clientIPTrusted); got != ref {
			t.Errorf("clientIP(%q, %q) = %q, the reference %q", remote, xff, got, ref)
		}
	})
}

// TestRequestIDsUnique: ids made on many goroutines at once, more than a
// block's worth on each, are 16 hex digits and never repeat (no random
// byte is used twice).
func TestRequestIDsUnique(t *testing.T) {
	t.Parallel()
	const workers, each = 8, 5000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids[w] = append(ids[w], newRequestID())
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	hexID := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, list := range ids {
		for _, id := range list {
			if !hexID.MatchString(id) {
				t.Fatalf("id %q", id)
			}
			if seen[id] {
				t.Fatalf("id %q made twice", id)
			}
			seen[id] = true
		}
	}
}

// FuzzRefusedPath: refusedPath, with its one-pass shortcut, refuses exactly
// the paths its full check (refusedAnyPath) refuses.
//
//	go test -run '^$' -fuzz FuzzRefusedPath -fuzztime 200000x ./internal/httpserver/
func FuzzRefusedPath(f *testing.F) {
	for _, p := range []string{"/", "/healthz", "/auth/verify", "/.", "/..", "/a/./b", "/a/../b", "/a/.../b", "/a/.b/", "/a/",
		"//v2//apps", "/a%2fb", "/%2e%2e", "/a\\b", "/a\x00b", "/a\x7fb", "/é", "\xff", "", "healthz", "*", "/v2/apps/{x}", "/..a", "/a.."} {
		f.Add(p, p)
	}
	f.Fuzz(func(t *testing.T, p, decoded string) {
		for _, d := range []string{decoded, p} {
			if got, want := refusedPath(p, d), refusedAnyPath(p, d); got != want {
				t.Errorf("refusedPath(%q, %q) = %v, the full check %v", p, d, got, want)
			}
		}
	})
}
