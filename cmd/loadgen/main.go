// Command loadgen measures an HTTP endpoint against a bare Fiber baseline
// answering the same bytes, in the same run, and prints both results and the
// ratios target/baseline.
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8080/api/v1/territories -c 32 -d 10s
//	go run ./cmd/loadgen -url http://127.0.0.1:8080/api/v1/search -method POST \
//	    -H 'Content-Type: application/json' -body query.json -n 5000 -json
//
// Only loopback hosts (localhost, 127.0.0.0/8, ::1) are accepted unless
// -allow-remote is given: our CI policy is to put load on this machine only.
// Output is text by default, JSON with -json, or a Markdown table for
// docs/benchmarks.md with -markdown. Exit status: 0 on success, 1 if the run
// failed or any request failed, 2 on usage errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/campagnon/campagnon/core/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// listFlag is a repeatable string flag.
type listFlag []string

// String implements flag.Value.
func (l *listFlag) String() string { return strings.Join(*l, ", ") }

// Set implements flag.Value.
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// config is the parsed command line.
type config struct {
	urls        []string
	method      string
	headers     http.Header
	bodyFile    string
	opts        loadgen.Options
	jsonOut     bool
	markdown    bool
	allowRemote bool
	scenario    string
	verbose     bool
}

// parseArgs parses and checks args; errors are usage errors.
func parseArgs(args []string, stderr io.Writer) (config, error) {
	var (
		cfg     config
		urls    listFlag
		headers listFlag
	)
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: loadgen -url URL [-url URL2 ...] [-c 32] [-d 10s | -n N] [-method GET] [-H 'K: V'] [-body file] [-json | -markdown]\n\n"+
			"Measures URL and a bare Fiber handler returning the same bytes (same client settings,\n"+
			"same run) and prints both results and the ratios target/baseline.\n\n")
		fs.PrintDefaults()
	}
	fs.Var(&urls, "url", "target URL (repeatable: requests go round-robin over the URLs)")
	fs.IntVar(&cfg.opts.Clients, "c", 32, "concurrent clients")
	fs.DurationVar(&cfg.opts.Duration, "d", 10*time.Second, "measured duration of each phase; with -n, an upper bound")
	fs.IntVar(&cfg.opts.Requests, "n", 0, "exact number of requests per phase (0 = use -d)")
	fs.DurationVar(&cfg.opts.Warmup, "warmup", 500*time.Millisecond, "unmeasured warmup before each phase")
	fs.DurationVar(&cfg.opts.Timeout, "timeout", loadgen.DefaultTimeout, "per-request timeout")
	fs.IntVar(&cfg.opts.ExpectStatus, "expect", 0, "expected status (0 = any 2xx); others count as errors")
	fs.IntVar(&cfg.opts.Rounds, "rounds", 1, "baseline+target pairs, order alternating (ABBA); results merged")
	fs.StringVar(&cfg.method, "method", http.MethodGet, "HTTP method")
	fs.Var(&headers, "H", "request header 'Key: Value' (repeatable)")
	fs.StringVar(&cfg.bodyFile, "body", "", "file whose content is sent as the request body")
	fs.BoolVar(&cfg.jsonOut, "json", false, "print JSON")
	fs.BoolVar(&cfg.markdown, "markdown", false, "print a Markdown table for docs/benchmarks.md")
	fs.BoolVar(&cfg.allowRemote, "allow-remote", false, "allow non-loopback hosts (CI policy: load only this machine)")
	fs.StringVar(&cfg.scenario, "scenario", "", "scenario name for the report (default: method, path and load)")
	fs.BoolVar(&cfg.verbose, "v", false, "log phases to stderr")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if len(urls) == 0 {
		return config{}, errors.New("-url is required")
	}
	if cfg.jsonOut && cfg.markdown {
		return config{}, errors.New("-json and -markdown are exclusive")
	}
	for _, u := range urls {
		local, err := loadgen.IsLoopbackURL(u)
		if err != nil {
			return config{}, fmt.Errorf("-url: %w", err)
		}
		if !local && !cfg.allowRemote {
			return config{}, fmt.Errorf("refusing to load %s: not a loopback host (CI policy: load only this machine); pass -allow-remote to override", u)
		}
	}
	cfg.urls = urls
	cfg.headers = http.Header{}
	for _, h := range headers {
		k, v, err := parseHeader(h)
		if err != nil {
			return config{}, err
		}
		cfg.headers.Add(k, v)
	}
	if err := cfg.opts.Validate(); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// parseHeader splits "Key: Value".
func parseHeader(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, ":")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return "", "", fmt.Errorf("-H %q: want 'Key: Value'", s)
	}
	return k, strings.TrimSpace(v), nil
}

// readBody reads the -body file, refusing more than loadgen.MaxBodyBytes.
func readBody(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open body file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, loadgen.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body file %s: %w", path, err)
	}
	if len(data) > loadgen.MaxBodyBytes {
		return nil, fmt.Errorf("body file %s is larger than %d bytes", path, loadgen.MaxBodyBytes)
	}
	return data, nil
}

// report is the -json output.
type report struct {
	URLs     []string      `json:"urls"`
	Method   string        `json:"method"`
	Clients  int           `json:"clients"`
	Duration time.Duration `json:"duration_ns"`
	Requests int           `json:"requests"`
	Warmup   time.Duration `json:"warmup_ns"`
	loadgen.Comparison
}

// run is main without the process exit, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return exitUsage
	}
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
	if cfg.allowRemote {
		slog.WarnContext(ctx, "remote targets allowed: the baseline is local, so ratios include network cost")
	}

	body, err := readBody(cfg.bodyFile)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return exitUsage
	}
	reqs := make([]loadgen.Request, 0, len(cfg.urls))
	for _, u := range cfg.urls {
		reqs = append(reqs, loadgen.Request{Method: cfg.method, URL: u, Header: cfg.headers, Body: body})
	}

	cmp, err := loadgen.Compare(ctx, reqs, cfg.opts)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		if errors.Is(err, loadgen.ErrInvalidOptions) {
			return exitUsage
		}
		return exitFailure
	}
	if cfg.scenario != "" {
		cmp.Scenario = cfg.scenario
	}

	switch {
	case cfg.jsonOut:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		rep := report{URLs: cfg.urls, Method: cfg.method, Clients: cfg.opts.Clients, Duration: cfg.opts.Duration,
			Requests: cfg.opts.Requests, Warmup: cfg.opts.Warmup, Comparison: cmp}
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "loadgen: write JSON: %v\n", err)
			return exitFailure
		}
	case cfg.markdown:
		fmt.Fprint(stdout, cmp.Markdown())
	default:
		fmt.Fprintf(stdout, "target %s %s: %d clients, warmup %s, %d round(s), baseline first\n%s\n",
			cfg.method, strings.Join(cfg.urls, ", "), cfg.opts.Clients, cfg.opts.Warmup, max(cfg.opts.Rounds, 1), cmp)
	}
	if cmp.Target.Errors > 0 || cmp.Baseline.Errors > 0 {
		fmt.Fprintf(stderr, "loadgen: failed requests: target %d (%s), baseline %d (%s)\n",
			cmp.Target.Errors, cmp.Target.FirstError, cmp.Baseline.Errors, cmp.Baseline.FirstError)
		return exitFailure
	}
	return exitOK
}
