// Package metrics is gatehouse's Prometheus instrumentation (the Prometheus
// Go client): the HTTP request histogram the server observes, a collector
// that reads core's counters (core.Service.Stats) and the store's pool at
// scrape time, the transaction timer around the store, and the Go runtime
// and process collectors.
//
// Cost on the hot path: a request pays one sync.Map lookup (route,
// method, status → its histogram, made once), or for a route the server
// finds without its mux a look through that route's few statuses
// (Route), and two atomic adds on its own core's shard of that histogram
// (hist.go); core's counters are atomic adds core makes anyway. Everything else is read when Prometheus
// scrapes. BenchmarkObserveRequest measures it.
//
// Labels never carry a credential, a key id, an e-mail or a raw path: the
// route label is the pattern the request matched ("POST /user/user-api-key",
// "GET /v2/apps/{appId}"), "unmatched" for none, and methods outside the
// standard set are "OTHER".
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one registry and what feeds it.
type Metrics struct {
	reg      *prometheus.Registry
	requests *histVec
	byKey    sync.Map   // requestKey → *hist
	newKey   sync.Mutex // held while a key's hist is made, so each key has one
	tx       *histVec
	txUpdate *hist
	txView   *hist
	txRead   *hist
	col      *collector
}

type requestKey struct {
	route, method string
	status        int
}

// The histograms' bucket bounds, in seconds.
var (
	requestBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	txBuckets      = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
)

// Sources are what the collector reads at scrape time; nil fields are
// left out.
type Sources struct {
	Service *core.Service
	// Store's pool, when it reports one (gatehouse.PoolStatser): the
	// store as opened, not the one Metrics.Store wrapped.
	Store gatehouse.Store
	// DroppedAccessLines is the access log's drop counter.
	DroppedAccessLines func() uint64
}

// New returns the metrics, with the Go runtime and process collectors
// registered; Watch names what the collector reads.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), col: &collector{}}
	m.requests = newHistVec("gatehouse_http_request_duration_seconds",
		"HTTP requests by route pattern, method and status: latency from the request's arrival to the end of its handler (the _count is the number of requests).",
		requestBuckets, "route", "method", "status")
	m.tx = newHistVec("gatehouse_db_transaction_seconds",
		"Store transactions by kind (update: read-write; view: read-only, one snapshot; read: read-only statements without a transaction around them), including waits for row locks.",
		txBuckets, "kind")
	m.txUpdate, m.txView, m.txRead = m.tx.with("update"), m.tx.with("view"), m.tx.with("read")
	m.reg.MustRegister(m.requests, m.tx,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.col)
	return m
}

// Watch sets what the collector reads at scrape time (the service is made
// after the store Store wraps, so it comes later than New).
func (m *Metrics) Watch(src Sources) {
	m.col.mu.Lock()
	m.col.src = src
	m.col.mu.Unlock()
}

// Registry is the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest records one request. route is the matched pattern ("" for
// none).
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.requestHist(route, knownMethod(method), status).observe(d)
}

// requestHist is the request histogram of route, method and status, made
// on first use: the one hist of that key, whichever way it is asked for.
func (m *Metrics) requestHist(route, method string, status int) *hist {
	k := requestKey{route: route, method: method, status: status}
	h, ok := m.byKey.Load(k)
	if !ok {
		m.newKey.Lock()
		if h, ok = m.byKey.Load(k); !ok {
			h = m.requests.with(route, method, strconv.Itoa(status))
			m.byKey.Store(k, h)
		}
		m.newKey.Unlock()
	}
	return h.(*hist)
}

// Route is the request histograms of one route pattern and method, by
// status: what the server keeps for each route it finds without its mux
// (a literal path), so that observing one of its requests finds the
// histogram among the few statuses the route has answered, in a list of
// its own, rather than hashing route, method and status into the map
// every other request goes through. Both ways reach the same histogram.
type Route struct {
	m             *Metrics
	route, method string
	mu            sync.Mutex                   // held while a status is added
	byStatus      atomic.Pointer[[]statusHist] // copied on write: a route answers few statuses
}

type statusHist struct {
	status int
	h      *hist
}

// Route returns the histograms of route (a pattern, never "") and method,
// whose Observe records its requests. nil Metrics give a nil Route, which
// observes nothing.
func (m *Metrics) Route(route, method string) *Route {
	if m == nil {
		return nil
	}
	return &Route{m: m, route: route, method: knownMethod(method)}
}

// Observe records one request of the route that was answered status, as
// ObserveRequest(route, method, status, d) does.
func (r *Route) Observe(status int, d time.Duration) {
	if r == nil {
		return
	}
	if p := r.byStatus.Load(); p != nil {
		for _, e := range *p {
			if e.status == status {
				e.h.observe(d)
				return
			}
		}
	}
	r.add(status).observe(d)
}

// add returns status's histogram, adding it to the route's list.
func (r *Route) add(status int) *hist {
	r.mu.Lock()
	defer r.mu.Unlock()
	var list []statusHist
	if p := r.byStatus.Load(); p != nil {
		for _, e := range *p {
			if e.status == status {
				return e.h
			}
		}
		list = *p
	}
	h := r.m.requestHist(r.route, r.method, status)
	next := append(list[:len(list):len(list)], statusHist{status, h})
	r.byStatus.Store(&next)
	return h
}

func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// Store wraps st so that every transaction is timed. Only Update, View and
// Read are timed; the rest passes through, and so do revocation notices. The
// pool is read from the unwrapped store (Sources.Store).
func (m *Metrics) Store(st gatehouse.Store) gatehouse.Store {
	return &timedStore{Store: st, m: m}
}

type timedStore struct {
	gatehouse.Store
	m *Metrics
}

func (t *timedStore) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	start := time.Now()
	err := t.Store.Update(ctx, fn)
	t.m.txUpdate.observe(time.Since(start))
	return err
}

func (t *timedStore) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	start := time.Now()
	err := t.Store.View(ctx, fn)
	t.m.txView.observe(time.Since(start))
	return err
}

func (t *timedStore) Read(ctx context.Context, fn func(gatehouse.Tx) error) error {
	start := time.Now()
	err := t.Store.Read(ctx, fn)
	t.m.txRead.observe(time.Since(start))
	return err
}

// RevocationNotices passes the wrapped store's notices on; without them
// the channel is nil (never ready), as for a store that has none.
func (t *timedStore) RevocationNotices(ctx context.Context) <-chan struct{} {
	if n, ok := t.Store.(gatehouse.RevocationNotifier); ok {
		return n.RevocationNotices(ctx)
	}
	return nil
}

// collector reads core's counters and the pool at scrape time.
type collector struct {
	mu  sync.Mutex
	src Sources
}

var (
	descVerify      = prometheus.NewDesc("gatehouse_credential_verifications_total", "Credential checks by the kind presented and their outcome.", []string{"kind", "outcome"}, nil)
	descCacheHits   = prometheus.NewDesc("gatehouse_cache_hits_total", "Credential checks the verification cache answered.", nil, nil)
	descCacheMisses = prometheus.NewDesc("gatehouse_cache_misses_total", "Credential checks the verification cache did not answer.", nil, nil)
	descCacheEvict  = prometheus.NewDesc("gatehouse_cache_evictions_total", "Verification cache entries dropped to make room.", nil, nil)
	descCacheSize   = prometheus.NewDesc("gatehouse_cache_entries", "Entries in the verification cache.", nil, nil)
	descCacheBytes  = prometheus.NewDesc("gatehouse_cache_bytes", "Estimated bytes held by the verification cache.", nil, nil)
	descNegHits     = prometheus.NewDesc("gatehouse_negative_cache_hits_total", "Credential checks refused by the negative cache without a database read.", nil, nil)
	descFeedAge     = prometheus.NewDesc("gatehouse_revocation_feed_age_seconds", "Time since the revocation feed last read the log (-1 before its first read).", nil, nil)
	descFeedHorizon = prometheus.NewDesc("gatehouse_revocation_feed_horizon", "The revocation log's horizon this node has read up to: every event below it is applied (a sequence number on SQLite, a transaction id on PostgreSQL).", nil, nil)
	descFeedEvents  = prometheus.NewDesc("gatehouse_revocation_feed_events_total", "Revocation events this node's feed has applied.", nil, nil)
	descThrottled   = prometheus.NewDesc("gatehouse_ratelimit_refusals_total", "Requests refused by a throttle, by limiter.", []string{"limiter"}, nil)
	descHashRunning = prometheus.NewDesc("gatehouse_password_hash_running", "Password hashes running now.", nil, nil)
	descHashSlots   = prometheus.NewDesc("gatehouse_password_hash_slots", "Password hashes that may run at once.", nil, nil)
	descHashWaiting = prometheus.NewDesc("gatehouse_password_hash_queue", "Requests waiting for a password-hash slot now.", nil, nil)
	descHashStarted = prometheus.NewDesc("gatehouse_password_hashes_total", "Password hashes and checks started.", nil, nil)
	descHashRefused = prometheus.NewDesc("gatehouse_password_hash_refusals_total", "Requests refused for want of a password-hash slot (503).", nil, nil)
	descHashWait    = prometheus.NewDesc("gatehouse_password_hash_wait_seconds_total", "Total time requests waited for a password-hash slot.", nil, nil)
	descHashWaited  = prometheus.NewDesc("gatehouse_password_hash_waits_total", "Password hashes that had to wait for a slot.", nil, nil)
	descDropped     = prometheus.NewDesc("gatehouse_access_log_dropped_lines_total", "Access-log lines dropped because the log's buffer was full.", nil, nil)
	descPoolOpen    = prometheus.NewDesc("gatehouse_db_pool_connections", "Database connections by state.", []string{"state"}, nil)
	descPoolMax     = prometheus.NewDesc("gatehouse_db_pool_max_connections", "The pool's connection limit.", nil, nil)
	descPoolWaits   = prometheus.NewDesc("gatehouse_db_pool_waits_total", "Connection requests that had to wait.", nil, nil)
	descPoolWait    = prometheus.NewDesc("gatehouse_db_pool_wait_seconds_total", "Total time spent waiting for a connection.", nil, nil)
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descVerify, descCacheHits, descCacheMisses, descCacheEvict, descCacheSize, descCacheBytes,
		descNegHits, descFeedAge, descFeedHorizon, descFeedEvents, descThrottled, descHashRunning, descHashSlots, descHashWaiting,
		descHashStarted, descHashRefused, descHashWait, descHashWaited, descDropped, descPoolOpen, descPoolMax, descPoolWaits, descPoolWait} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	src := c.src
	c.mu.Unlock()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if svc := src.Service; svc != nil {
		st := svc.Stats()
		for _, v := range st.Verifications {
			counter(descVerify, float64(v.Count), v.Kind, v.Outcome)
		}
		counter(descCacheHits, float64(st.CacheHits))
		counter(descCacheMisses, float64(st.CacheMisses))
		counter(descCacheEvict, float64(st.CacheEvictions))
		gauge(descCacheSize, float64(st.CacheEntries))
		gauge(descCacheBytes, float64(st.CacheBytes))
		counter(descNegHits, float64(st.NegativeHits))
		age := -1.0
		if st.FeedAge >= 0 {
			age = st.FeedAge.Seconds()
		}
		gauge(descFeedAge, age)
		gauge(descFeedHorizon, float64(st.FeedHorizon))
		counter(descFeedEvents, float64(st.FeedEvents))
		for name, n := range st.Throttled {
			counter(descThrottled, float64(n), name)
		}
		gauge(descHashRunning, float64(st.HashRunning))
		gauge(descHashSlots, float64(st.HashSlots))
		gauge(descHashWaiting, float64(st.HashWaiting))
		counter(descHashStarted, float64(st.HashStarted))
		counter(descHashRefused, float64(st.HashRefused))
		counter(descHashWaited, float64(st.HashWaited))
		counter(descHashWait, st.HashWaitTotal.Seconds())
	}
	if f := src.DroppedAccessLines; f != nil {
		counter(descDropped, float64(f()))
	}
	if ps, ok := src.Store.(gatehouse.PoolStatser); ok {
		p := ps.PoolStats()
		gauge(descPoolOpen, float64(p.InUse), "in_use")
		gauge(descPoolOpen, float64(p.Idle), "idle")
		gauge(descPoolMax, float64(p.Max))
		counter(descPoolWaits, float64(p.WaitCount))
		counter(descPoolWait, p.WaitDuration.Seconds())
	}
}
