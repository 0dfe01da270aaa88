package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/logging"
	"github.com/campagnon/campagnon/core/metrics"
)

func testConfig() config.Server {
	return config.Server{ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, ShutdownTimeout: 5 * time.Second, BodyLimit: 1024}
}

type fixture struct {
	srv   *Server
	logs  *bytes.Buffer
	ready atomic.Pointer[error]
	reg   *metrics.Registry
	url   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{logs: &bytes.Buffer{}, reg: metrics.New(nil)}
	log, err := logging.New(f.logs, "json", "debug")
	if err != nil {
		t.Fatal(err)
	}
	f.srv = New(testConfig(), Deps{Logger: log, Metrics: f.reg, Ready: func(context.Context) error {
		if p := f.ready.Load(); p != nil {
			return *p
		}
		return nil
	}})
	app := f.srv.App()
	app.Get("/boom", func(*fiber.Ctx) error { panic("kaboom") })
	app.Get("/internal", func(*fiber.Ctx) error { return errors.New("secret detail") })
	app.Get("/deadline", func(c *fiber.Ctx) error {
		if _, ok := c.UserContext().Deadline(); !ok {
			return errors.New("no deadline on the request context")
		}
		return c.SendString("bounded")
	})
	app.Get("/missing", func(*fiber.Ctx) error {
		return apperr.New(apperr.KindNotFound, "thing_not_found", "Chose introuvable.", "Thing not found.")
	})
	app.Post("/echo", func(c *fiber.Ctx) error { return c.Send(c.Body()) })
	app.Get("/logs", func(c *fiber.Ctx) error {
		slog.New(slog.DiscardHandler).InfoContext(c.UserContext(), "unused")
		return c.SendString(logging.RequestID(c.UserContext()))
	})
	return f
}

// newStartedFixture returns a fixture served on a loopback port.
func newStartedFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.start(t)
	return f
}

// start serves the fixture on a loopback port until the test ends.
func (f *fixture) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln) }()
	f.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

func (f *fixture) do(t *testing.T, method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServerAnswers(t *testing.T) {
	t.Parallel()
	f := newStartedFixture(t)
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		header     map[string]string
		wantStatus int
		want       []string
		notWant    []string
	}{
		{"health", "GET", "/healthz", "", nil, 200, []string{`"status":"ok"`}, nil},
		{"request context has a deadline", "GET", "/deadline", "", nil, 200, []string{"bounded"}, nil},
		{"ready", "GET", "/readyz", "", nil, 200, []string{`"status":"ready"`}, nil},
		{"unknown route is a JSON 404 in French", "GET", "/nope", "", nil, 404, []string{`"code":"not_found"`, "n'existe pas", `"request_id"`}, nil},
		{"English on request", "GET", "/missing", "", map[string]string{"Accept-Language": "en-GB,en;q=0.9"}, 404, []string{"Thing not found."}, []string{"Chose"}},
		{"French by default", "GET", "/missing", "", map[string]string{"Accept-Language": "de, fr;q=0.5, en;q=0.3"}, 404, []string{"Chose introuvable."}, nil},
		{"panic becomes 500 without details", "GET", "/boom", "", nil, 500, []string{`"code":"internal"`, "identifiant de la requête"}, []string{"kaboom"}},
		{"internal error hides its cause", "GET", "/internal", "", nil, 500, []string{`"code":"internal"`}, []string{"secret"}},
		{"body over the limit", "POST", "/echo", strings.Repeat("x", 4096), nil, 413, []string{`"code":"body_too_large"`}, nil},
		{"body within the limit", "POST", "/echo", "hello", nil, 200, []string{"hello"}, nil},
		{"wrong method", "DELETE", "/healthz", "", nil, 405, []string{`"error"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			resp, got := f.do(t, tt.method, tt.path, body, tt.header)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tt.wantStatus, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("body %s lacks %q", got, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("body %s leaks %q", got, w)
				}
			}
			if resp.Header.Get(HeaderRequestID) == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("missing request ID or security headers: %v", resp.Header)
			}
		})
	}
	if !strings.Contains(f.logs.String(), "kaboom") || !strings.Contains(f.logs.String(), "secret detail") {
		t.Error("internal causes are not logged")
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	f := newStartedFixture(t)
	resp, body := f.do(t, "GET", "/logs", nil, map[string]string{HeaderRequestID: "lb-123_abc.9"})
	if resp.Header.Get(HeaderRequestID) != "lb-123_abc.9" || body != "lb-123_abc.9" {
		t.Errorf("caller's ID not kept: header %q, context %q", resp.Header.Get(HeaderRequestID), body)
	}
	resp, body = f.do(t, "GET", "/logs", nil, map[string]string{HeaderRequestID: "bad id\"<script>"})
	if id := resp.Header.Get(HeaderRequestID); id == "" || strings.ContainsAny(id, " \"<") || body != id {
		t.Errorf("bad caller ID not replaced: %q / %q", id, body)
	}
	r1, _ := f.do(t, "GET", "/healthz", nil, nil)
	r2, _ := f.do(t, "GET", "/healthz", nil, nil)
	if r1.Header.Get(HeaderRequestID) == r2.Header.Get(HeaderRequestID) {
		t.Error("two requests share an ID")
	}
	// Every access-log line carries its request's ID.
	for _, line := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "request" && rec["request_id"] == nil {
			t.Errorf("access log line without request_id: %s", line)
		}
	}
}

func TestReadyzReportsWhy(t *testing.T) {
	t.Parallel()
	f := newStartedFixture(t)
	var err error = apperr.New(apperr.KindUnavailable, "schema_pending", "Lancez campagnon migrate up.", "Run campagnon migrate up.")
	f.ready.Store(&err)
	resp, body := f.do(t, "GET", "/readyz", nil, nil)
	if resp.StatusCode != 503 || !strings.Contains(body, "migrate up") {
		t.Errorf("readyz = %d %s", resp.StatusCode, body)
	}
}

func TestMetricsByRoutePattern(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.App().Get("/items/:id", func(c *fiber.Ctx) error { return c.SendString(c.Params("id")) })
	f.start(t)
	for _, p := range []string{"/items/1", "/items/2", "/items/3", "/nowhere/a", "/nowhere/b"} {
		f.do(t, "GET", p, nil, nil)
	}
	_, text := f.do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`campagnon_http_requests_total{method="GET",route="/items/:id",status="200"} 3`,
		`campagnon_http_requests_total{method="GET",route="(unmatched)",status="404"} 2`,
		`campagnon_http_request_duration_seconds_bucket{method="GET",route="/items/:id"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, "/items/1") {
		t.Error("metrics are labelled by raw path")
	}
}

// TestMetricsSurviveMixedMethods is the regression test for labels that
// pointed into fasthttp's reused buffers: after other methods on the same
// keep-alive connection, /metrics still answers and its labels are intact.
func TestMetricsSurviveMixedMethods(t *testing.T) {
	t.Parallel()
	f := newStartedFixture(t)
	for i := 0; i < 3; i++ {
		for _, m := range []string{"PUT", "DELETE", "POST", "PROPFIND", "GET"} {
			f.do(t, m, fmt.Sprintf("/nope%d", i), nil, nil)
		}
	}
	for i := 0; i < 20; i++ {
		f.do(t, "GET", fmt.Sprintf("/nope-get-%d", i), nil, nil)
	}
	resp, text := f.do(t, "GET", "/metrics", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics = %d: %s", resp.StatusCode, text)
	}
	for _, bad := range []string{`method="GETT`, `method="PROPFIND"`} {
		if strings.Contains(text, bad) {
			t.Errorf("metrics contain %s", bad)
		}
	}
	for _, want := range []string{`method="DELETE",route="(unmatched)"`, `method="PUT",route="(unmatched)"`} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestGracefulShutdown starts a slow request, cancels the server's context
// while it runs, and checks the request still gets its full answer and that
// new connections are refused afterwards.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	started := make(chan struct{})
	f.srv.App().Get("/slow", func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()

	url := "http://" + ln.Addr().String()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	if body := <-got; body != "finished" {
		t.Errorf("in-flight request got %q, want its full answer", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestPrefersEnglish(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{"": false, "en": true, "en-US,fr;q=0.8": true, "fr-FR,en;q=0.8": false, "de,en": true, "es": false,
		"fr;q=0.5,en;q=0.9": true, "en;q=0.5,fr": false, "fr,en": false, "en,fr": true, "en;q=0": false, "english": false}
	for in, want := range tests {
		if got := prefersEnglish(in); got != want {
			t.Errorf("prefersEnglish(%q) = %v", in, got)
		}
	}
}

// TestTuneGC: without GOGC the server's own target applies; with GOGC the
// operator's choice is kept.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		gogc string
		set  bool
		want int
	}{
		{set: false, want: GCPercent},
		{gogc: "150", set: true, want: 150},
	}
	for _, tt := range tests {
		if tt.set {
			t.Setenv("GOGC", tt.gogc)
			debug.SetGCPercent(150) // as the runtime reads GOGC at start
		} else {
			t.Setenv("GOGC", "") // empty is unset
		}
		if got := TuneGC(); got != tt.want {
			t.Errorf("GOGC=%q: TuneGC() = %d, want %d", tt.gogc, got, tt.want)
		}
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC=%q: GC percent in force %d, want %d", tt.gogc, got, tt.want)
		}
	}
}
