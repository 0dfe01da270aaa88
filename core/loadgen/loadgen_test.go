package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		wantErr string // substring; empty means valid
	}{
		{"requests mode", Options{Clients: 1, Requests: 10}, ""},
		{"duration mode", Options{Clients: 32, Duration: time.Second}, ""},
		{"both, duration caps", Options{Clients: 2, Requests: 10, Duration: time.Second}, ""},
		{"max clients", Options{Clients: MaxClients, Requests: 1}, ""},
		{"expect status", Options{Clients: 1, Requests: 1, ExpectStatus: 204}, ""},
		{"zero clients", Options{Requests: 1}, "clients must be between 1 and 10000, got 0"},
		{"too many clients", Options{Clients: MaxClients + 1, Requests: 1}, "clients must be between"},
		{"neither duration nor requests", Options{Clients: 1}, "either duration or requests must be > 0"},
		{"negative duration", Options{Clients: 1, Duration: -time.Second}, "duration must be between"},
		{"duration too long", Options{Clients: 1, Duration: 2 * time.Hour}, "duration must be between"},
		{"negative requests", Options{Clients: 1, Requests: -1, Duration: time.Second}, "requests must be between"},
		{"too many requests", Options{Clients: 1, Requests: MaxRequests + 1}, "requests must be between"},
		{"negative warmup", Options{Clients: 1, Requests: 1, Warmup: -1}, "warmup must be between"},
		{"negative timeout", Options{Clients: 1, Requests: 1, Timeout: -1}, "timeout must be between"},
		{"bad expect status", Options{Clients: 1, Requests: 1, ExpectStatus: 42}, "expected status must be"},
		{"bad rounds", Options{Clients: 1, Requests: 1, Rounds: -1}, "rounds must be between"},
		{"all problems reported", Options{Clients: 0, Duration: -1}, "clients must be between 1 and 10000, got 0; duration must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error containing %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("error %v does not wrap ErrInvalidOptions", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunRejectsBadRequests(t *testing.T) {
	ok := Options{Clients: 1, Requests: 1}
	tests := []struct {
		name    string
		reqs    []Request
		wantErr string
	}{
		{"no requests", nil, "at least one request"},
		{"empty URL", []Request{{URL: ""}}, "URL is empty"},
		{"unparsable URL", []Request{{URL: "http://[::1"}}, "parse URL"},
		{"ftp scheme", []Request{{URL: "ftp://127.0.0.1/x"}}, "scheme must be http or https"},
		{"relative URL", []Request{{URL: "/api/v1/territories"}}, "scheme must be http or https"},
		{"missing host", []Request{{URL: "http:///path"}}, "missing host"},
		{"bad method", []Request{{Method: "GE T", URL: "http://127.0.0.1/"}}, "invalid method"},
		{"header injection", []Request{{URL: "http://127.0.0.1/", Header: http.Header{"X": {"a\r\nB: c"}}}}, "line break"},
		{"body too large", []Request{{URL: "http://127.0.0.1/", Body: make([]byte, MaxBodyBytes+1)}}, "limit is"},
		{"second request bad", []Request{{URL: "http://127.0.0.1/"}, {URL: "gopher://x"}}, "request 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(t.Context(), tt.reqs, ok)
			if err == nil {
				t.Fatalf("Run() error = nil, want %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("error %v does not wrap ErrInvalidOptions", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run() error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	t.Run("invalid options", func(t *testing.T) {
		_, err := Run(t.Context(), []Request{{URL: "http://127.0.0.1/"}}, Options{})
		if !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("Run() error = %v, want ErrInvalidOptions", err)
		}
	})
}

func TestIsLoopbackURL(t *testing.T) {
	tests := []struct {
		url     string
		want    bool
		wantErr bool
	}{
		{"http://127.0.0.1:8080/api/v1/territories", true, false},
		{"http://127.1.2.3/", true, false},
		{"http://localhost:3000/", true, false},
		{"https://LOCALHOST./", true, false},
		{"http://[::1]:8080/", true, false},
		{"http://[::ffff:127.0.0.1]/", true, false},
		{"http://10.0.0.1/", false, false},
		{"http://example.com/", false, false},
		{"http://localhost.example.com/", false, false},
		{"http://127.0.0.1.nip.io/", false, false},
		{"ftp://127.0.0.1/", false, true},
		{"not a url", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := IsLoopbackURL(tt.url)
			if (err != nil) != tt.wantErr {
				t.Fatalf("IsLoopbackURL(%q) error = %v, wantErr %v", tt.url, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("IsLoopbackURL(%q) = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      int
		want   time.Duration
	}{
		{"single p50", ms(7), 50, 7 * time.Millisecond},
		{"single p99", ms(7), 99, 7 * time.Millisecond},
		{"two p50", ms(1, 2), 50, 1 * time.Millisecond},
		{"two p99", ms(1, 2), 99, 2 * time.Millisecond},
		{"ten p90", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"hundred p50", hundred, 50, 50 * time.Millisecond},
		{"hundred p95", hundred, 95, 95 * time.Millisecond},
		{"hundred p99", hundred, 99, 99 * time.Millisecond},
		{"hundred p100", hundred, 100, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(p%d) = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

// countingServer answers status with a small body and counts requests per path.
func countingServer(t *testing.T, status int) (*httptest.Server, *atomic.Int64, *sync.Map) {
	t.Helper()
	var total atomic.Int64
	var perPath sync.Map // path -> *atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		total.Add(1)
		c, _ := perPath.LoadOrStore(r.URL.Path, new(atomic.Int64))
		c.(*atomic.Int64).Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &total, &perPath
}

func checkOrdered(t *testing.T, r Result) {
	t.Helper()
	if !(r.P50 <= r.P90 && r.P90 <= r.P95 && r.P95 <= r.P99 && r.P99 <= r.Max) {
		t.Errorf("percentiles not ordered: %s", r)
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		o          Options
		method     string
		body       []byte
		wantReqs   int // exact when > 0
		wantErrors int // -1: equal to Requests
		wantFirst  string
	}{
		{name: "200 requests mode", status: 200, o: Options{Clients: 4, Requests: 100}, wantReqs: 100},
		{name: "500 with ExpectStatus 200", status: 500, o: Options{Clients: 4, Requests: 50, ExpectStatus: 200},
			wantReqs: 50, wantErrors: -1, wantFirst: "unexpected status 500 (want 200)"},
		{name: "500 with any 2xx", status: 500, o: Options{Clients: 2, Requests: 20},
			wantReqs: 20, wantErrors: -1, wantFirst: "(want 2xx)"},
		{name: "204 with any 2xx", status: 204, o: Options{Clients: 2, Requests: 20}, wantReqs: 20},
		{name: "200 with ExpectStatus 201", status: 200, o: Options{Clients: 2, Requests: 10, ExpectStatus: 201},
			wantReqs: 10, wantErrors: -1, wantFirst: "unexpected status 200 (want 201)"},
		{name: "POST with body", status: 201, method: http.MethodPost, body: []byte(`{"q":"pain"}`),
			o: Options{Clients: 3, Requests: 30, ExpectStatus: 201}, wantReqs: 30},
		{name: "duration mode", status: 200, o: Options{Clients: 2, Duration: 200 * time.Millisecond}},
		{name: "warmup not counted", status: 200, o: Options{Clients: 2, Requests: 20, Warmup: 50 * time.Millisecond}, wantReqs: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits, _ := countingServer(t, tt.status)
			res, err := Run(t.Context(), []Request{{Method: tt.method, URL: srv.URL + "/x", Body: tt.body}}, tt.o)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Requests <= 0 {
				t.Fatalf("Requests = %d, want > 0", res.Requests)
			}
			if tt.wantReqs > 0 && res.Requests != tt.wantReqs {
				t.Errorf("Requests = %d, want %d", res.Requests, tt.wantReqs)
			}
			if tt.o.Warmup == 0 && hits.Load() != int64(res.Requests) {
				t.Errorf("server saw %d requests, Result.Requests = %d", hits.Load(), res.Requests)
			}
			if tt.o.Warmup > 0 && hits.Load() < int64(res.Requests) {
				t.Errorf("server saw %d requests, fewer than Result.Requests = %d", hits.Load(), res.Requests)
			}
			wantErrors := tt.wantErrors
			if wantErrors == -1 {
				wantErrors = res.Requests
			}
			if res.Errors != wantErrors {
				t.Errorf("Errors = %d, want %d (first error %q)", res.Errors, wantErrors, res.FirstError)
			}
			if got := res.StatusCounts[tt.status]; got != res.Requests {
				t.Errorf("StatusCounts[%d] = %d, want %d (%v)", tt.status, got, res.Requests, res.StatusCounts)
			}
			if !strings.Contains(res.FirstError, tt.wantFirst) || (tt.wantFirst == "") != (res.FirstError == "") {
				t.Errorf("FirstError = %q, want it to contain %q", res.FirstError, tt.wantFirst)
			}
			checkOrdered(t, res)
			if wantErrors == 0 && (res.P50 <= 0 || res.Throughput <= 0) {
				t.Errorf("want positive P50 and throughput for successes: %s", res)
			}
			if wantErrors == res.Requests && (res.P99 != 0 || res.Throughput != 0) {
				t.Errorf("all failed: want zero latencies and throughput, got %s", res)
			}
		})
	}
}

func TestRunRequestsModeExact(t *testing.T) {
	tests := []struct {
		clients, requests, urls int
	}{
		{1, 1, 1},
		{3, 7, 1},
		{16, 5, 1}, // more clients than requests
		{8, 100, 2},
		{5, 99, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("c=%d n=%d urls=%d", tt.clients, tt.requests, tt.urls), func(t *testing.T) {
			srv, hits, perPath := countingServer(t, 200)
			var reqs []Request
			for i := range tt.urls {
				reqs = append(reqs, Request{URL: fmt.Sprintf("%s/p%d", srv.URL, i)})
			}
			res, err := Run(t.Context(), reqs, Options{Clients: tt.clients, Requests: tt.requests})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Requests != tt.requests || hits.Load() != int64(tt.requests) {
				t.Fatalf("Requests = %d, server saw %d, want exactly %d", res.Requests, hits.Load(), tt.requests)
			}
			// Round-robin: each URL gets n/urls requests, the first n%urls one more.
			for i := range tt.urls {
				want := int64(tt.requests / tt.urls)
				if i < tt.requests%tt.urls {
					want++
				}
				var got int64
				if c, ok := perPath.Load(fmt.Sprintf("/p%d", i)); ok {
					got = c.(*atomic.Int64).Load()
				}
				if got != want {
					t.Errorf("/p%d got %d requests, want %d", i, got, want)
				}
			}
		})
	}
}

func TestRunTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	res, err := Run(t.Context(), []Request{{URL: url}}, Options{Clients: 2, Requests: 6, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Requests != 6 || res.Errors != 6 {
		t.Errorf("Requests, Errors = %d, %d, want 6, 6", res.Requests, res.Errors)
	}
	if res.FirstError == "" || len(res.StatusCounts) != 0 {
		t.Errorf("want FirstError set and no status counts: %s", res)
	}
}

func TestRunCancelled(t *testing.T) {
	srv, _, _ := countingServer(t, 200)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Run(ctx, []Request{{URL: srv.URL}}, Options{Clients: 2, Requests: 10})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with cancelled ctx: err = %v, want context.Canceled", err)
	}
}

// get fetches url and returns status, Content-Type and body.
func get(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	ct, hasCT := resp.Header["Content-Type"]
	if !hasCT {
		return resp.StatusCode, "<none>", body
	}
	return resp.StatusCode, ct[0], body
}

func TestStartBaseline(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        []byte
		wantCT      string
	}{
		{"json", 200, "application/json; charset=utf-8", []byte(`{"territories":[]}`), "application/json; charset=utf-8"},
		{"created", 201, "text/plain", []byte("ok"), "text/plain"},
		{"no content type", 200, "", []byte("raw"), "<none>"},
		{"empty body", 200, "application/json", nil, "application/json"},
		{"large body", 200, "application/octet-stream", []byte(strings.Repeat("a", 1<<20)), "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := StartBaseline(t.Context(), tt.status, tt.contentType, tt.body)
			if err != nil {
				t.Fatalf("StartBaseline: %v", err)
			}
			defer b.Close()
			if !strings.HasPrefix(b.URL(), "http://127.0.0.1:") {
				t.Errorf("URL() = %q, want loopback", b.URL())
			}
			for _, path := range []string{"/", "/api/v1/territories?q=x"} {
				status, ct, body := get(t, b.URL()+path)
				if status != tt.status || ct != tt.wantCT || string(body) != string(tt.body) {
					t.Errorf("GET %s = %d %q %d bytes, want %d %q %d bytes", path, status, ct, len(body), tt.status, tt.wantCT, len(tt.body))
				}
			}
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
	t.Run("bad status", func(t *testing.T) {
		if _, err := StartBaseline(t.Context(), 42, "", nil); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("StartBaseline(42) error = %v, want ErrInvalidOptions", err)
		}
	})
	t.Run("closed with ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		b, err := StartBaseline(ctx, 200, "", []byte("x"))
		if err != nil {
			t.Fatalf("StartBaseline: %v", err)
		}
		cancel()
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
			t.Fatal("baseline still running after ctx cancel")
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close after ctx cancel: %v", err)
		}
	})
}

func TestCompare(t *testing.T) {
	jsonBody := []byte(`{"territories":[{"id":1,"name":"Creuse"},{"id":2,"name":"Cantal"}]}`)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		method  string
		o       Options
		wantCT  string
		wantSt  int
	}{
		{
			name: "json GET",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(jsonBody)
			},
			o:      Options{Clients: 4, Requests: 200},
			wantCT: "application/json", wantSt: 200,
		},
		{
			name: "two rounds, warmup, expected 201",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write(jsonBody)
			},
			method: http.MethodPost,
			o:      Options{Clients: 2, Requests: 50, Rounds: 2, Warmup: 20 * time.Millisecond, ExpectStatus: 201},
			wantCT: "application/json", wantSt: 201,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tt.handler(w, r)
			}))
			defer srv.Close()

			var hookCalled bool
			hook := func(ctx context.Context, b *Baseline) error {
				hookCalled = true
				req, err := http.NewRequestWithContext(ctx, tt.method, b.URL()+"/api/v1/territories", strings.NewReader("{}"))
				if err != nil {
					return err
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					return err
				}
				if resp.StatusCode != tt.wantSt || resp.Header.Get("Content-Type") != tt.wantCT || string(body) != string(jsonBody) {
					t.Errorf("baseline answered %d %q %q, want %d %q %q", resp.StatusCode,
						resp.Header.Get("Content-Type"), body, tt.wantSt, tt.wantCT, jsonBody)
				}
				return nil
			}
			reqs := []Request{{Method: tt.method, URL: srv.URL + "/api/v1/territories", Body: []byte("{}")}}
			c, err := compare(t.Context(), reqs, tt.o, hook)
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			if !hookCalled {
				t.Fatal("baseline hook not called")
			}
			rounds := max(tt.o.Rounds, 1)
			want := tt.o.Requests * rounds
			if c.Target.Requests != want || c.Baseline.Requests != want {
				t.Errorf("Requests target=%d baseline=%d, want %d each", c.Target.Requests, c.Baseline.Requests, want)
			}
			if c.Target.Errors != 0 || c.Baseline.Errors != 0 {
				t.Errorf("errors: target %q, baseline %q", c.Target.FirstError, c.Baseline.FirstError)
			}
			if c.Rounds != rounds {
				t.Errorf("Rounds = %d, want %d", c.Rounds, rounds)
			}
			if c.ThroughputRatio <= 0 || c.P50Ratio <= 0 || c.P99Ratio <= 0 {
				t.Errorf("ratios must be > 0: %+v", c)
			}
			checkOrdered(t, c.Target)
			checkOrdered(t, c.Baseline)
			// The reference fetch plus the measured target requests (and warmup) hit the server.
			if hits.Load() < int64(want+1) {
				t.Errorf("target saw %d requests, want at least %d", hits.Load(), want+1)
			}
			if !strings.Contains(c.Scenario, "/api/v1/territories") {
				t.Errorf("Scenario = %q", c.Scenario)
			}
		})
	}
}

func TestCompareDistinctResponses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("answer for " + r.URL.RequestURI()))
	}))
	defer srv.Close()
	paths := []string{"/search?q=pain", "/search?q=bois", "/health"}
	var reqs []Request
	for _, p := range paths {
		reqs = append(reqs, Request{URL: srv.URL + p})
	}
	hook := func(ctx context.Context, b *Baseline) error {
		for _, p := range paths {
			_, ct, body := get(t, b.URL()+p)
			if ct != "text/plain" || string(body) != "answer for "+p {
				t.Errorf("baseline %s = %q %q", p, ct, body)
			}
		}
		return nil
	}
	c, err := compare(t.Context(), reqs, Options{Clients: 3, Requests: 30}, hook)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if c.Target.Errors+c.Baseline.Errors != 0 || c.ThroughputRatio <= 0 {
		t.Errorf("unexpected comparison: %s", c)
	}
	if !strings.Contains(c.Scenario, "(+2 more)") {
		t.Errorf("Scenario = %q", c.Scenario)
	}
}

func TestCompareRejectsErrorTarget(t *testing.T) {
	srv, hits, _ := countingServer(t, http.StatusNotFound)
	_, err := Compare(t.Context(), []Request{{URL: srv.URL}}, Options{Clients: 2, Requests: 10})
	if !errors.Is(err, errStatus) || !strings.Contains(err.Error(), "answered 404, want 2xx") {
		t.Fatalf("Compare against a 404: err = %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("target saw %d requests, want only the reference fetch", hits.Load())
	}
}

func TestComparisonMarkdownAndString(t *testing.T) {
	c := Comparison{
		Scenario:        "GET /a|b [c=4, n=10]",
		Rounds:          1,
		Baseline:        Result{Requests: 10, Throughput: 1000, P50: time.Millisecond, P99: 2 * time.Millisecond, Max: 3 * time.Millisecond},
		Target:          Result{Requests: 10, Errors: 1, Throughput: 500, P50: 2 * time.Millisecond, P99: 5 * time.Millisecond, Max: 6 * time.Millisecond},
		ThroughputRatio: 0.5, P50Ratio: 2, P99Ratio: 2.5,
	}
	md := c.Markdown()
	lines := strings.Split(strings.TrimSpace(md), "\n")
	if len(lines) != 5 {
		t.Fatalf("Markdown has %d lines, want 5:\n%s", len(lines), md)
	}
	for _, want := range []string{`GET /a\|b`, "| 1000 |", "| 1.000 ms |", "| 1 / 10 |", "0.50×", "2.00×", "2.50×"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(lines[4], "|") != strings.Count(lines[2], "|") {
		t.Errorf("ratio row has a different column count:\n%s", md)
	}
	if got := (Comparison{}).MarkdownRows(); !strings.Contains(got, "n/a") {
		t.Errorf("undefined ratios should render n/a: %s", got)
	}
	s := c.String()
	for _, want := range []string{"baseline: requests=10", "target:   requests=10 errors=1", "throughput 0.50×"} {
		if !strings.Contains(s, want) {
			t.Errorf("String lacks %q:\n%s", want, s)
		}
	}
}

func TestResultString(t *testing.T) {
	r := Result{Requests: 3, Errors: 1, Duration: 1500 * time.Millisecond, Throughput: 1.3333,
		P50: 1234567 * time.Nanosecond, Max: 2 * time.Millisecond,
		StatusCounts: map[int]int{500: 1, 200: 2}, FirstError: "boom"}
	want := `requests=3 errors=1 duration=1.5s throughput=1.3 req/s p50=1.235ms p90=0s p95=0s p99=0s max=2ms status={200:2,500:1} first_error="boom"`
	if got := r.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}
