package httpserver_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"
)

// scrape fetches /metrics from e and parses it.
func scrape(t *testing.T, e *env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := e.client.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bufio.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the sum of the samples of family name whose labels include
// every pair of want.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(want); i += 2 {
			ok := false
			for _, l := range m.Label {
				if l.GetName() == want[i] && l.GetValue() == want[i+1] {
					ok = true
				}
			}
			if !ok {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

// TestMetrics: after a scenario (sign-up, exchange, a good and a bad key,
// the gate, an unknown path, a throttled IP) /metrics holds the series an
// operator needs, with the counts the scenario made, and no label carries
// an e-mail, a key, a token or a raw path.
func TestMetrics(t *testing.T) {
	m := metrics.New()
	st := openStore(t, newDatabase(t))
	svc := core.New(m.Store(st), core.Options{Argon2: cheapArgon2, Logger: testLog, Limits: unthrottled})
	e := startEnv(t, st, svc, httpserver.Options{Metrics: m, ServeMetrics: true})
	m.Watch(metrics.Sources{Service: svc, Store: st, DroppedAccessLines: e.handler.DroppedAccessLines})

	u := e.newUser(t)
	for range 3 {
		if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", u.key, "Content-Type", ctJSON), `{}`); r.status != 200 {
			t.Fatalf("logins: %s", r)
		}
	}
	bad := "stai-" + strings.Repeat("A", 38)
	e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", bad, "Content-Type", ctJSON), `{}`)
	e.call(t, "GET", "/auth/verify", hdr("X-API-Key", u.key), "")
	e.call(t, "GET", "/auth/verify", nil, "")
	e.call(t, "GET", "/no/such/"+u.email, nil, "")

	fams := scrape(t, e)
	for _, want := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"gatehouse_http_request_duration_seconds", []string{"route", "POST /user/get-user-logins", "method", "POST", "status", "200"}, 3},
		{"gatehouse_http_request_duration_seconds", []string{"route", "/auth/verify", "status", "200"}, 1},
		{"gatehouse_http_request_duration_seconds", []string{"route", "/auth/verify", "status", "401"}, 1},
		{"gatehouse_credential_verifications_total", []string{"kind", "api_key", "outcome", "ok"}, 4},
		{"gatehouse_credential_verifications_total", []string{"kind", "none", "outcome", "unauthorized"}, 1},
		{"gatehouse_cache_hits_total", nil, 1},
		{"gatehouse_cache_entries", nil, 1},
		{"gatehouse_negative_cache_hits_total", nil, 0},
		{"gatehouse_revocation_feed_age_seconds", nil, 0},
		{"gatehouse_ratelimit_refusals_total", []string{"limiter", "failures_ip"}, 0},
		{"gatehouse_password_hashes_total", nil, 1},
		{"gatehouse_password_hash_queue", nil, 0},
		{"gatehouse_db_transaction_seconds", []string{"kind", "update"}, 1},
		{"gatehouse_db_pool_max_connections", nil, 1},
		{"gatehouse_access_log_dropped_lines_total", nil, 0},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	} {
		v, ok := value(fams, want.name, want.labels...)
		if !ok || v < want.min {
			t.Errorf("%s%v = %v (present %v), want at least %v", want.name, want.labels, v, ok, want.min)
		}
	}
	// A literal route's requests (found without the mux, observed through
	// its own metrics.Route) are counted once each, in the series the mux's
	// routes use.
	for _, st := range []string{"200", "401"} {
		if v, _ := value(fams, "gatehouse_http_request_duration_seconds", "route", "/auth/verify", "method", "GET", "status", st); v != 1 {
			t.Errorf("GET /auth/verify answered %s: counted %v times, want once", st, v)
		}
	}
	// The unknown path is labelled by the root's catch-all pattern, "/".
	if _, ok := value(fams, "gatehouse_http_request_duration_seconds", "route", "/", "status", "404"); !ok {
		t.Error("the unknown path's request is not under route \"/\"")
	}
	// No label value carries anything of a caller.
	for name, f := range fams {
		for _, mt := range f.Metric {
			for _, l := range mt.Label {
				v := l.GetValue()
				if strings.Contains(v, "@") || strings.Contains(v, "stai-") || strings.Contains(v, "gat_") ||
					strings.Contains(v, u.email) || strings.Contains(v, "/no/such") {
					t.Errorf("%s has a label %s=%q", name, l.GetName(), v)
				}
			}
		}
	}
}
