// Package metrics holds the process's Prometheus registry: HTTP requests and
// latency per route, database pool statistics, and the Go runtime. It renders
// the Prometheus text format for /metrics.
package metrics

import (
	"bytes"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

// DBStatsFunc returns the statistics of each database pool, by pool name.
type DBStatsFunc func() map[string]sql.DBStats

// Registry collects Campagnon's metrics.
type Registry struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New returns a registry with the HTTP, database pool and Go runtime metrics.
// dbStats may be nil when no database is open.
func New(dbStats DBStatsFunc) *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "campagnon_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "campagnon_http_request_duration_seconds",
			Help:    "HTTP request latency, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	r.reg.MustRegister(r.requests, r.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if dbStats != nil {
		r.reg.MustRegister(dbCollector{stats: dbStats})
	}
	return r
}

// ObserveRequest records one served request. route is the route pattern
// (such as /api/v1/territories/:slug), never the raw path, so that the number
// of series stays bounded.
func (r *Registry) ObserveRequest(method, route string, status int, d time.Duration) {
	r.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	r.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// Text renders every metric in the Prometheus text exposition format.
func (r *Registry) Text() ([]byte, error) {
	families, err := r.reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("gather metrics: %w", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return nil, fmt.Errorf("encode metric %s: %w", f.GetName(), err)
		}
	}
	return buf.Bytes(), nil
}

// ContentType is the media type of Text's output.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

var (
	dbOpen     = prometheus.NewDesc("campagnon_db_open_connections", "Open database connections, by pool.", []string{"pool"}, nil)
	dbInUse    = prometheus.NewDesc("campagnon_db_in_use_connections", "Database connections in use, by pool.", []string{"pool"}, nil)
	dbIdle     = prometheus.NewDesc("campagnon_db_idle_connections", "Idle database connections, by pool.", []string{"pool"}, nil)
	dbMaxOpen  = prometheus.NewDesc("campagnon_db_max_open_connections", "Largest number of open connections allowed, by pool.", []string{"pool"}, nil)
	dbWaits    = prometheus.NewDesc("campagnon_db_wait_count_total", "Times a caller waited for a connection, by pool.", []string{"pool"}, nil)
	dbWaitTime = prometheus.NewDesc("campagnon_db_wait_seconds_total", "Time spent waiting for a connection, by pool.", []string{"pool"}, nil)
)

// dbCollector reads the pool statistics at scrape time.
type dbCollector struct{ stats DBStatsFunc }

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbOpen, dbInUse, dbIdle, dbMaxOpen, dbWaits, dbWaitTime} {
		ch <- d
	}
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(s.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(s.InUse), pool)
		ch <- prometheus.MustNewConstMetric(dbIdle, prometheus.GaugeValue, float64(s.Idle), pool)
		ch <- prometheus.MustNewConstMetric(dbMaxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount), pool)
		ch <- prometheus.MustNewConstMetric(dbWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds(), pool)
	}
}
