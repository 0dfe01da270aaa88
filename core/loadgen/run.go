package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the outcome of one measured phase (or of several merged rounds
// in a [Comparison]).
type Result struct {
	// Requests is the number of requests that completed, successfully or
	// not. Requests cut short by cancelling ctx are not counted.
	Requests int `json:"requests"`
	// Errors counts transport errors, body read errors and responses whose
	// status is not the expected one.
	Errors int `json:"errors"`
	// Duration is the wall time of the measured phase, from the first
	// request to the end of the last one.
	Duration time.Duration `json:"duration_ns"`
	// Throughput is successful requests (Requests − Errors) per second.
	Throughput float64 `json:"throughput_rps"`
	// P50, P90, P95, P99 and Max are exact latency percentiles
	// (nearest-rank) over successful requests: from just before sending
	// to the last byte of the body read. Zero when nothing succeeded.
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"` // see P50
	P95 time.Duration `json:"p95_ns"` // see P50
	P99 time.Duration `json:"p99_ns"` // see P50
	Max time.Duration `json:"max_ns"` // see P50
	// StatusCounts counts responses by HTTP status. Transport errors (no
	// response) are not in it.
	StatusCounts map[int]int `json:"status_counts"`
	// FirstError describes the earliest error seen, or is empty.
	FirstError string `json:"first_error,omitempty"`
}

// String renders r on one line, latencies rounded to the microsecond.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "requests=%d errors=%d duration=%s throughput=%.1f req/s p50=%s p90=%s p95=%s p99=%s max=%s status=%s",
		r.Requests, r.Errors, r.Duration.Round(time.Millisecond), r.Throughput,
		fmtLatency(r.P50), fmtLatency(r.P90), fmtLatency(r.P95), fmtLatency(r.P99), fmtLatency(r.Max),
		fmtStatusCounts(r.StatusCounts))
	if r.FirstError != "" {
		fmt.Fprintf(&b, " first_error=%q", r.FirstError)
	}
	return b.String()
}

// fmtLatency rounds d to the microsecond for display.
func fmtLatency(d time.Duration) string { return d.Round(time.Microsecond).String() }

// fmtStatusCounts renders counts as "{200:10,500:2}" in status order.
func fmtStatusCounts(m map[int]int) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, strconv.Itoa(k)+":"+strconv.Itoa(m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Run drives load against reqs (round-robin) with o.Clients concurrent
// clients: first an unmeasured Warmup phase, then the measured phase, which
// lasts o.Duration or issues exactly o.Requests requests. It returns when the
// phase is over; if ctx is cancelled it returns the partial result together
// with an error wrapping ctx.Err().
//
// Each Run uses its own HTTP/1.1 client (see newClient) whose idle
// connections are closed on return.
func Run(ctx context.Context, reqs []Request, o Options) (Result, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	prep, err := prepareRequests(reqs)
	if err != nil {
		return Result{}, err
	}
	raw, err := runPhases(ctx, prep, o)
	if err != nil {
		return raw.result(), err
	}
	return raw.result(), nil
}

// runPhases runs the warmup and measured phases with a fresh client.
func runPhases(ctx context.Context, prep []prepared, o Options) (rawResult, error) {
	client := newClient(o)
	defer client.CloseIdleConnections()

	if o.Warmup > 0 {
		slog.DebugContext(ctx, "loadgen: warmup", "url", prep[0].url, "clients", o.Clients, "warmup", o.Warmup)
		runPhase(ctx, client, prep, o, MaxRequests, o.Warmup, nil)
		if err := ctx.Err(); err != nil {
			return rawResult{}, fmt.Errorf("loadgen: warmup of %s interrupted: %w", prep[0].url, err)
		}
	}
	limit := o.Requests
	if limit == 0 {
		limit = MaxRequests
	}
	slog.DebugContext(ctx, "loadgen: measuring", "url", prep[0].url, "clients", o.Clients,
		"duration", o.Duration, "requests", o.Requests)
	raw := runPhase(ctx, client, prep, o, limit, o.Duration, nil)
	if err := ctx.Err(); err != nil {
		return raw, fmt.Errorf("loadgen: run against %s interrupted after %d requests: %w", prep[0].url, raw.requests, err)
	}
	return raw, nil
}

// newClient returns an HTTP client tuned for load: one idle keep-alive
// connection kept per client, no proxy, no transparent gzip (the client
// sends no Accept-Encoding of its own and bodies are read as sent), HTTP/1.1
// only (like the fasthttp-based baseline), no redirects followed, and
// o.Timeout bounding each request including its body.
func newClient(o Options) *http.Client {
	dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          o.Clients,
		MaxIdleConnsPerHost:   o.Clients,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		DisableCompression:    true,
		DisableKeepAlives:     false,
		ExpectContinueTimeout: 0,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// rawResult is a phase's merged measurements before summarising.
type rawResult struct {
	latencies    []time.Duration // successful requests, sorted ascending
	requests     int
	errors       int
	duration     time.Duration
	statusCounts map[int]int
	firstErr     string
	firstErrAt   time.Time
}

// clientStats is what one client goroutine records; no sharing, no locks.
type clientStats struct {
	latencies  []time.Duration
	requests   int
	errors     int
	status     map[int]int
	firstErr   string
	firstErrAt time.Time
}

// fail records an error for this client.
func (s *clientStats) fail(msg string) {
	s.errors++
	if s.firstErr == "" {
		s.firstErr = msg
		s.firstErrAt = time.Now()
	}
}

// runPhase issues requests with o.Clients goroutines until limit requests
// have been started, maxDur (if > 0) has elapsed, stop (if not nil) is
// closed, or ctx is done. Requests in flight at the deadline or at stop are
// allowed to finish (bounded by the client timeout). The request sequence is
// a shared counter, so the round-robin order and the request count are exact
// across clients.
func runPhase(ctx context.Context, client *http.Client, prep []prepared, o Options, limit int, maxDur time.Duration, stop <-chan struct{}) rawResult {
	var (
		seq   atomic.Int64
		wg    sync.WaitGroup
		stats = make([]clientStats, o.Clients)
	)
	perClient := 1024
	if limit < MaxRequests {
		perClient = limit/o.Clients + 1
	}
	start := time.Now()
	var deadline time.Time
	if maxDur > 0 {
		deadline = start.Add(maxDur)
	}
	for c := range o.Clients {
		st := &stats[c]
		st.latencies = make([]time.Duration, 0, perClient)
		st.status = make(map[int]int, 4)
		wg.Go(func() {
			for ctx.Err() == nil {
				if !deadline.IsZero() && !time.Now().Before(deadline) {
					return
				}
				if stopped(stop) {
					return
				}
				i := seq.Add(1) - 1
				if i >= int64(limit) {
					return
				}
				doRequest(ctx, client, &prep[i%int64(len(prep))], o.ExpectStatus, st)
			}
		})
	}
	wg.Wait()
	raw := rawResult{duration: time.Since(start), statusCounts: map[int]int{}}
	for i := range stats {
		raw.add(stats[i])
	}
	slices.Sort(raw.latencies)
	return raw
}

// stopped reports whether stop is closed; a nil stop never is.
func stopped(stop <-chan struct{}) bool {
	if stop == nil {
		return false
	}
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// add merges one client's stats into r (latencies left unsorted).
func (r *rawResult) add(s clientStats) {
	r.latencies = append(r.latencies, s.latencies...)
	r.requests += s.requests
	r.errors += s.errors
	for k, v := range s.status {
		r.statusCounts[k] += v
	}
	if s.firstErr != "" && (r.firstErr == "" || s.firstErrAt.Before(r.firstErrAt)) {
		r.firstErr, r.firstErrAt = s.firstErr, s.firstErrAt
	}
}

// merge combines measured phases (e.g. the rounds of a comparison): counts
// and durations are summed and latencies pooled, so percentiles stay exact.
func merge(parts []rawResult) rawResult {
	out := rawResult{statusCounts: map[int]int{}}
	for _, p := range parts {
		out.add(clientStats{latencies: p.latencies, requests: p.requests, errors: p.errors,
			status: p.statusCounts, firstErr: p.firstErr, firstErrAt: p.firstErrAt})
		out.duration += p.duration
	}
	slices.Sort(out.latencies)
	return out
}

// doRequest issues one request and records its outcome in st.
func doRequest(ctx context.Context, client *http.Client, p *prepared, expect int, st *clientStats) {
	var body io.Reader
	if len(p.body) > 0 {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil { // validated beforehand; count it rather than spin
		st.requests++
		st.fail(fmt.Sprintf("build request %s %s: %v", p.method, p.url, err))
		return
	}
	req.Header = p.header
	if p.host != "" {
		req.Host = p.host
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return // cancelled by the caller: not a server error
		}
		st.requests++
		st.fail(err.Error())
		return
	}
	_, copyErr := io.Copy(io.Discard, resp.Body)
	closeErr := resp.Body.Close()
	elapsed := time.Since(start)
	if copyErr != nil && ctx.Err() != nil {
		return
	}
	st.requests++
	st.status[resp.StatusCode]++
	switch {
	case copyErr != nil:
		st.fail(fmt.Sprintf("read body of %s %s: %v", p.method, p.url, copyErr))
	case closeErr != nil:
		st.fail(fmt.Sprintf("close body of %s %s: %v", p.method, p.url, closeErr))
	case !statusOK(resp.StatusCode, expect):
		st.fail(fmt.Sprintf("%s %s: unexpected status %d (want %s)", p.method, p.url, resp.StatusCode, wantStatus(expect)))
	default:
		st.latencies = append(st.latencies, elapsed)
	}
}

// statusOK reports whether code is a success under expect (0 = any 2xx).
func statusOK(code, expect int) bool {
	if expect == 0 {
		return code >= 200 && code <= 299
	}
	return code == expect
}

// wantStatus describes the expected status for messages.
func wantStatus(expect int) string {
	if expect == 0 {
		return "2xx"
	}
	return strconv.Itoa(expect)
}

// result summarises r.
func (r rawResult) result() Result {
	res := Result{
		Requests:     r.requests,
		Errors:       r.errors,
		Duration:     r.duration,
		StatusCounts: r.statusCounts,
		FirstError:   r.firstErr,
	}
	if res.StatusCounts == nil {
		res.StatusCounts = map[int]int{}
	}
	if r.duration > 0 {
		res.Throughput = float64(r.requests-r.errors) / r.duration.Seconds()
	}
	if n := len(r.latencies); n > 0 {
		res.P50 = percentile(r.latencies, 50)
		res.P90 = percentile(r.latencies, 90)
		res.P95 = percentile(r.latencies, 95)
		res.P99 = percentile(r.latencies, 99)
		res.Max = r.latencies[n-1]
	}
	return res
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of the
// non-empty ascending slice sorted: the smallest sample such that at least
// p% of the samples are ≤ it.
func percentile(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	idx := (p*n+99)/100 - 1
	return sorted[max(0, min(idx, n-1))]
}
