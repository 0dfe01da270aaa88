package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/campagnon/campagnon/core/pluginbuild"
)

// chromium is Debian's Chromium, the only browser the tests use (run.mjs
// reads CAMPAGNON_CHROMIUM too).
func chromium() string {
	if p := os.Getenv("CAMPAGNON_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// inCI tells whether a missing prerequisite fails the test instead of
// skipping it: .ci/run installs them and exports CI.
func inCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false"
}

// missingPrerequisites lists what the browser tests need and is not there.
func missingPrerequisites() []string {
	var missing []string
	if _, err := os.Stat(chromium()); err != nil {
		missing = append(missing, fmt.Sprintf("Chromium at %s (apt-get install chromium)", chromium()))
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "Node.js 20 or later (apt-get install nodejs npm)")
	}
	for _, m := range []string{"playwright-core", "@axe-core/playwright"} {
		if _, err := os.Stat(filepath.Join("node_modules", m, "package.json")); err != nil {
			missing = append(missing, fmt.Sprintf("core/web/e2e/node_modules/%s (cd core/web/e2e && npm ci)", m))
		}
	}
	return missing
}

// platform is what a browser test runs against: the binary and plugins
// built from this checkout, a working folder, and a folder of artifacts
// (reports, screenshots, the server log) kept when the test fails.
type platform struct {
	ctx                  context.Context
	binary, dir, plugins string
	artifacts, serverLog string
}

// setUp checks the prerequisites of test what (plus the extra node
// modules it needs) — a skip outside CI, a failure in CI —, builds the
// binary and the plugins, and prepares the artifacts folder (prefix), all
// bounded by timeout (and the test's deadline).
func setUp(t *testing.T, what, prefix string, timeout time.Duration, extra []string) platform {
	t.Helper()
	missing := missingPrerequisites()
	for _, m := range extra {
		if _, err := os.Stat(filepath.Join("node_modules", m, "package.json")); err != nil {
			missing = append(missing, fmt.Sprintf("core/web/e2e/node_modules/%s (cd core/web/e2e && npm ci)", m))
		}
	}
	if len(missing) > 0 {
		msg := what + " need: " + strings.Join(missing, "; ")
		if inCI() {
			t.Fatal(msg + " (CI is set: .ci/run must install them)")
		}
		t.Skip(msg + " — skipped because CI is not set")
	}
	if d, ok := t.Deadline(); ok {
		timeout = min(timeout, time.Until(d)-30*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	pf := platform{ctx: ctx, dir: t.TempDir()}
	pf.binary = filepath.Join(pf.dir, "campagnon")
	build := exec.CommandContext(ctx, "go", "build", "-o", pf.binary, "../../../cmd/campagnon")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build campagnon: %v\n%s", err, out)
	}
	pf.plugins = filepath.Join(pf.dir, "plugins")
	if err := pluginbuild.Install(ctx, "../../../plugins", pluginbuild.TestCacheDir(), pf.plugins,
		"standard", "picardie-verte", "portes-de-sologne"); err != nil {
		t.Fatalf("build the plugins: %v", err)
	}
	// What a failure leaves to look at outlives the test; it is removed
	// when everything passed.
	var err error
	if pf.artifacts, err = os.MkdirTemp("", prefix); err != nil {
		t.Fatal(err)
	}
	pf.serverLog = filepath.Join(pf.artifacts, "serve.log")
	t.Cleanup(func() { // after the server's stop (cleanups run last first)
		if t.Failed() {
			t.Logf("server log (last lines):\n%s", tail(pf.serverLog, 30))
			t.Logf("reports, screenshots and server log kept in %s", pf.artifacts)
			return
		}
		_ = os.RemoveAll(pf.artifacts)
	})
	return pf
}

// TestBrowserJourneys runs every journey of journeys/*.mjs in headless
// Chromium against a real `campagnon serve` (fresh SQLite database, the real
// plugins) and fails on a failed journey, a page over 100 KB on its first
// load, a broken resource or an accessibility violation (WCAG 2.1 AA).
// CAMPAGNON_E2E_ONLY=name[,name] runs only those journeys.
func TestBrowserJourneys(t *testing.T) {
	pf := setUp(t, "the browser tests", "campagnon-e2e-", 15*time.Minute, nil)
	ctx, binary, dir, plugins, artifacts, serverLog := pf.ctx, pf.binary, pf.dir, pf.plugins, pf.artifacts, pf.serverLog
	base, serverEnv := startServe(t, ctx, binary, dir, plugins, serverLog)

	reportPath := filepath.Join(artifacts, "result.json")
	args := []string{"run.mjs", "--base", base, "--out", reportPath,
		"--shots", filepath.Join(artifacts, "shots"), "--serverlog", serverLog, "--bin", binary}
	// Journeys may run the binary on the server's data (the operator
	// journey names a national operator with `campagnon operator add`).
	for _, kv := range serverEnv {
		args = append(args, "--serverenv", kv)
	}
	if only := os.Getenv("CAMPAGNON_E2E_ONLY"); only != "" {
		args = append(args, "--only", only)
	}
	nodeCtx, nodeCancel := context.WithTimeout(ctx, 10*time.Minute)
	defer nodeCancel()
	node := exec.CommandContext(nodeCtx, "node", args...)
	node.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	node.WaitDelay = 10 * time.Second
	progress := &lineLogger{t: t}
	node.Stdout, node.Stderr = progress, progress
	runErr := node.Run()
	progress.flush()

	rep, readErr := readJSON[report](reportPath)
	switch {
	case nodeCtx.Err() != nil:
		t.Errorf("run.mjs did not finish in 10 minutes")
	case readErr != nil:
		t.Errorf("run.mjs exited with %v and left no readable report: %v", runErr, readErr)
	default:
		logWeights(t, rep)
		summarize(t, rep)
		var exit *exec.ExitError
		if runErr != nil && !errors.As(runErr, &exit) {
			t.Errorf("run.mjs: %v", runErr)
		} else if (runErr == nil) != rep.OK {
			t.Errorf("run.mjs exited with %v but its report says ok=%v", runErr, rep.OK)
		}
	}
}

// startServe runs `campagnon serve` on a fresh SQLite database under dir,
// its output to logPath (run.mjs reads the mailed links there), waits for
// /readyz and returns the base URL; the server is stopped with SIGTERM at
// the end of the test. It also returns the CAMPAGNON_* variables the server
// runs with, for journeys that run the binary on the same data.
func startServe(t *testing.T, ctx context.Context, binary, dir, plugins, logPath string) (string, []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	base := "http://" + addr
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--addr", addr)
	cmd.Dir = dir // no configs/campagnon.yaml there: defaults and the environment
	// The test's own settings (CAMPAGNON_E2E_*) are not the server's: it
	// refuses variables it does not know.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAMPAGNON_E2E_") {
			env = append(env, kv)
		}
	}
	serverEnv := []string{
		"CAMPAGNON_DATA_DIR=" + filepath.Join(dir, "data"),
		"CAMPAGNON_DATABASE_DRIVER=sqlite",
		"CAMPAGNON_PLUGINS_DIR=" + plugins,
		"CAMPAGNON_PLUGINS_CACHE_DIR=" + filepath.Join(pluginbuild.TestCacheDir(), "compiled"),
		"CAMPAGNON_SECURITY_PUBLIC_URL=" + base, // the links in mails point here
		// Every person of every journey signs up from 127.0.0.1: dozens a
		// minute, where a real address gets 10.
		"CAMPAGNON_SECURITY_MAILS_PER_MINUTE=1000", "CAMPAGNON_SECURITY_LOGINS_PER_MINUTE=1000",
	}
	cmd.Env = append(env, serverEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		defer logFile.Close()
		select {
		case <-exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve exited with %v after SIGTERM:\n%s", err, tail(logPath, 20))
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("serve did not stop within 30 s of SIGTERM")
		}
	})
	client := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("serve exited before it was ready (%v):\n%s", err, tail(logPath, 40))
		default:
		}
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, serverEnv
			}
		}
	}
	t.Fatalf("serve never became ready:\n%s", tail(logPath, 40))
	return "", nil
}

// report is run.mjs's JSON report (the fields the test reads).
type report struct {
	OK             bool   `json:"ok"`
	Error          string `json:"error"`
	BrowserVersion string `json:"browser_version"`
	Limits         struct {
		MaxPageBytes int `json:"max_page_bytes"`
	} `json:"limits"`
	Runs []struct {
		Journey    string `json:"journey"`
		File       string `json:"file"`
		JS         bool   `json:"js"`
		Viewport   string `json:"viewport"`
		OK         bool   `json:"ok"`
		Error      string `json:"error"`
		Screenshot string `json:"screenshot"`
		Pages      []page `json:"pages"`
	} `json:"runs"`
	Summary struct {
		Runs   int `json:"runs"`
		Passed int `json:"passed"`
		Failed int `json:"failed"`
	} `json:"summary"`
}

type page struct {
	Requested   string   `json:"requested"`
	URL         string   `json:"url"`
	Status      int      `json:"status"`
	ContentType string   `json:"contentType"`
	Bytes       int      `json:"bytes"`
	Requests    int      `json:"requests"`
	Broken      []string `json:"broken"`
	Violations  []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []string `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// name is the page as the journey asked for it, and where it ended, with
// one-time tokens left out (one row per page, not per token).
func (p page) name() string {
	n := p.URL
	if p.Requested != "" && p.Requested != p.URL {
		n = p.Requested + " → " + p.URL
	}
	return token.ReplaceAllString(n, "${1}…")
}

var token = regexp.MustCompile(`(jeton=)[A-Za-z0-9_-]+`)

// readJSON reads the JSON report a node script wrote at path.
func readJSON[T any](path string) (*T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r T
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

func mode(js bool, viewport string) string {
	if js {
		return "js, " + viewport
	}
	return "no-js, " + viewport
}

// logWeights logs each page's first-load weight, the heaviest over the runs.
func logWeights(t *testing.T, r *report) {
	type row struct {
		status, bytes, requests, min int
		ctype                        string
	}
	rows := map[string]*row{}
	for _, run := range r.Runs {
		for _, p := range run.Pages {
			w := rows[p.name()]
			if w == nil {
				w = &row{status: p.Status, ctype: p.ContentType, min: p.Bytes}
				rows[p.name()] = w
			}
			w.bytes = max(w.bytes, p.Bytes)
			w.min = min(w.min, p.Bytes)
			w.requests = max(w.requests, p.Requests)
		}
	}
	if len(rows) == 0 {
		return
	}
	urls := make([]string, 0, len(rows))
	for u := range rows {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "bytes (max)\tmin\trequests\tstatus\t  page\n")
	for _, u := range urls {
		w := rows[u]
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t  %s  (%s)\n", w.bytes, w.min, w.requests, w.status, u, w.ctype)
	}
	_ = tw.Flush()
	t.Logf("Chromium %s; first-load weight of each page (limit %d bytes):\n%s", r.BrowserVersion, r.Limits.MaxPageBytes, b.String())
}

// summarize fails the test with one readable line per problem: failed
// journey runs, then each page problem once, with the modes it was seen in.
func summarize(t *testing.T, r *report) {
	if r.Error != "" {
		t.Errorf("run.mjs: %s", r.Error)
	}
	type seen struct {
		text  string
		modes []string
	}
	var order []string
	problems := map[string]*seen{}
	add := func(key, text, m string) {
		s := problems[key]
		if s == nil {
			s = &seen{text: text}
			problems[key] = s
			order = append(order, key)
		}
		s.modes = append(s.modes, m)
	}
	for _, run := range r.Runs {
		m := mode(run.JS, run.Viewport)
		for _, p := range run.Pages {
			if p.Bytes > r.Limits.MaxPageBytes {
				add(p.name()+" bytes", fmt.Sprintf("%s: %d bytes on first load, over the %d-byte limit", p.name(), p.Bytes, r.Limits.MaxPageBytes), m)
			}
			for _, b := range p.Broken {
				add(p.name()+" broken "+b, fmt.Sprintf("%s: broken resource %s", p.name(), b), m)
			}
			for _, v := range p.Violations {
				var targets []string
				for _, n := range v.Nodes {
					targets = append(targets, strings.Join(n.Target, " "))
				}
				text := fmt.Sprintf("%s: axe %s (%s): %s — %s", p.name(), v.ID, v.Impact, v.Help, strings.Join(targets, ", "))
				add(text, text, m)
			}
		}
		if !run.OK && run.Error != "" {
			msg := fmt.Sprintf("journey %s (%s) [%s] failed:\n    %s", run.Journey, run.File, m, strings.ReplaceAll(run.Error, "\n", "\n    "))
			if run.Screenshot != "" {
				msg += "\n    screenshot: " + run.Screenshot
			}
			t.Error(msg)
		}
	}
	for _, k := range order {
		s := problems[k]
		t.Errorf("%s [%s]", s.text, strings.Join(s.modes, "; "))
	}
	if len(r.Runs) == 0 && r.Error == "" {
		t.Error("run.mjs ran no journey")
	}
	t.Logf("%d journey runs: %d passed, %d failed", r.Summary.Runs, r.Summary.Passed, r.Summary.Failed)
}

// lineLogger passes run.mjs's progress lines to t.Log as they come.
type lineLogger struct {
	t   *testing.T
	mu  sync.Mutex
	buf []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(string(l.buf))
		l.buf = nil
	}
}

// tail is the last n lines of a file, for failure messages.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
