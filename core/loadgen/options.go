// Package loadgen is a small, reusable HTTP load generator whose every figure
// comes with a baseline measured in the same run.
//
// The machines Campagnon is benchmarked on are small and shared (2 cores), so
// an absolute "req/s" figure means little on its own. [Compare] therefore
// measures the target AND a bare Fiber v2 handler started in-process on a
// loopback port that answers with exactly the same bytes (status,
// Content-Type, Content-Encoding, body), using the same client settings, and
// reports the ratios. Speed targets in the docs are expressed against those
// ratios ("middleware stack ≤ 2× a bare Fiber handler") or, when absolute,
// always printed next to the baseline.
//
// [Run] is the raw measuring primitive: a fixed number of concurrent clients
// issue requests round-robin over a list, either for a duration or for an
// exact request count; latencies are recorded per request and percentiles are
// exact (all samples kept, merged and sorted, nearest-rank method).
//
// [Disturb] answers the other kind of question ("does a burst of logins
// slow the reads down?"): the same steady load is measured alone, then while
// a caller's function runs, and the ratios are reported.
//
// Every loop is bounded in count ([MaxRequests]) and in time (Duration,
// per-request Timeout); runs stop by themselves. Requests only go to the URLs
// the caller gives (redirects are not followed). The loopback-only policy of
// our CI is enforced by the command (cmd/loadgen) with [IsLoopbackURL].
package loadgen

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Limits enforced by [Options.Validate] and request validation. They keep
// every run bounded in memory (one time.Duration sample per request) and time.
const (
	// MaxClients is the largest accepted Options.Clients.
	MaxClients = 10000
	// MaxRequests is the largest accepted Options.Requests, and also the cap
	// on requests issued by one duration-mode run (8 bytes of memory each).
	MaxRequests = 10_000_000
	// MaxDuration is the largest accepted Options.Duration and Options.Warmup.
	MaxDuration = time.Hour
	// MaxTimeout is the largest accepted Options.Timeout.
	MaxTimeout = 10 * time.Minute
	// MaxRounds is the largest accepted Options.Rounds.
	MaxRounds = 100
	// MaxRequestList is the largest number of distinct requests in one run.
	MaxRequestList = 10000
	// MaxBodyBytes bounds request bodies, and the target response body that
	// [Compare] copies into the baseline.
	MaxBodyBytes = 32 << 20
	// DefaultTimeout is used when Options.Timeout is zero.
	DefaultTimeout = 10 * time.Second
)

// ErrInvalidOptions is wrapped by every validation error returned by
// [Options.Validate], [Run] and [Compare], so callers can tell a usage error
// from a failed measurement with errors.Is.
var ErrInvalidOptions = errors.New("loadgen: invalid options")

// Request is one HTTP request to issue. [Run] cycles through a list of them
// round-robin, so a run can mix several URLs or payloads.
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is the absolute http:// or https:// URL to call.
	URL string
	// Header holds extra request headers. A "Host" entry overrides the Host
	// sent on the wire. It is shared read-only between concurrent requests.
	Header http.Header
	// Body is sent with every request when non-empty (at most MaxBodyBytes).
	Body []byte
}

// Options configures a run. The zero value is invalid: set Clients and either
// Duration or Requests.
type Options struct {
	// Clients is the number of concurrent clients (1..MaxClients); each has
	// at most one request in flight.
	Clients int
	// Duration is how long the measured phase lasts when Requests is 0.
	// When Requests > 0, a non-zero Duration is an upper bound on the
	// measured phase (the run may then end with fewer than Requests).
	// Requests in flight when it elapses are allowed to finish.
	Duration time.Duration
	// Requests, when > 0, makes the run issue exactly this many requests
	// (unless Duration or ctx stop it first). 0 means use Duration.
	Requests int
	// Warmup is an unmeasured phase run before the measured one with the
	// same clients (opens keep-alive connections, warms caches). 0 = none.
	Warmup time.Duration
	// Timeout bounds each request, body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// ExpectStatus is the status that counts as success; 0 means any 2xx.
	// Any other response is counted in Result.Errors.
	ExpectStatus int
	// Rounds is used by [Compare] only: how many baseline+target pairs to
	// run (0 means 1). Rounds alternate the order baseline→target,
	// target→baseline (an ABBA design) so that drift on a noisy machine
	// does not systematically favour one side; an even Rounds balances it.
	Rounds int
}

// withDefaults returns o with zero-valued optional fields filled in.
func (o Options) withDefaults() Options {
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Rounds == 0 {
		o.Rounds = 1
	}
	return o
}

// Validate reports every problem with o in one error wrapping
// [ErrInvalidOptions], or nil when o is usable. Zero Timeout and Rounds are
// valid (defaults apply).
func (o Options) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if o.Clients < 1 || o.Clients > MaxClients {
		add("clients must be between 1 and %d, got %d", MaxClients, o.Clients)
	}
	if o.Duration < 0 || o.Duration > MaxDuration {
		add("duration must be between 0 and %s, got %s", MaxDuration, o.Duration)
	}
	if o.Requests < 0 || o.Requests > MaxRequests {
		add("requests must be between 0 and %d, got %d", MaxRequests, o.Requests)
	}
	if o.Duration <= 0 && o.Requests <= 0 {
		add("either duration or requests must be > 0")
	}
	if o.Warmup < 0 || o.Warmup > MaxDuration {
		add("warmup must be between 0 and %s, got %s", MaxDuration, o.Warmup)
	}
	if o.Timeout < 0 || o.Timeout > MaxTimeout {
		add("timeout must be between 0 (default %s) and %s, got %s", DefaultTimeout, MaxTimeout, o.Timeout)
	}
	if o.ExpectStatus != 0 && (o.ExpectStatus < 100 || o.ExpectStatus > 599) {
		add("expected status must be 0 (any 2xx) or 100..599, got %d", o.ExpectStatus)
	}
	if o.Rounds < 0 || o.Rounds > MaxRounds {
		add("rounds must be between 0 (default 1) and %d, got %d", MaxRounds, o.Rounds)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(problems, "; "))
}

// prepared is a validated Request with its URL parsed once.
type prepared struct {
	method string
	url    string
	u      *url.URL
	header http.Header
	host   string // Host override from Header, if any
	body   []byte
}

// prepareRequests validates reqs and returns them ready to be issued.
func prepareRequests(reqs []Request) ([]prepared, error) {
	if len(reqs) == 0 {
		return nil, fmt.Errorf("%w: at least one request is required", ErrInvalidOptions)
	}
	if len(reqs) > MaxRequestList {
		return nil, fmt.Errorf("%w: at most %d requests per run, got %d", ErrInvalidOptions, MaxRequestList, len(reqs))
	}
	out := make([]prepared, 0, len(reqs))
	for i, r := range reqs {
		p, err := prepareRequest(r)
		if err != nil {
			return nil, fmt.Errorf("%w: request %d: %w", ErrInvalidOptions, i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// prepareRequest validates one request.
func prepareRequest(r Request) (prepared, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return prepared{}, fmt.Errorf("invalid method %q", method)
	}
	u, err := ParseTargetURL(r.URL)
	if err != nil {
		return prepared{}, err
	}
	if len(r.Body) > MaxBodyBytes {
		return prepared{}, fmt.Errorf("body is %d bytes, limit is %d", len(r.Body), MaxBodyBytes)
	}
	header := r.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	for k, vs := range header {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			return prepared{}, fmt.Errorf("invalid header name %q", k)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return prepared{}, fmt.Errorf("invalid value for header %q: contains a line break", k)
			}
		}
	}
	host := header.Get("Host")
	header.Del("Host")
	return prepared{method: method, url: u.String(), u: u, header: header, host: host, body: r.Body}, nil
}

// validMethod reports whether m is a non-empty RFC 9110 token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// ParseTargetURL parses raw and checks it is an absolute http or https URL
// with a host, the only kind of URL loadgen will call.
func ParseTargetURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https, got %q", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("URL %q: missing host", raw)
	}
	return u, nil
}

// IsLoopbackURL reports whether raw is a valid target URL (see
// [ParseTargetURL]) whose host is on this machine: the name "localhost" or a
// loopback IP literal (127.0.0.0/8, ::1). Other names are not resolved and
// count as remote, so the check cannot be fooled by DNS.
func IsLoopbackURL(raw string) (bool, error) {
	u, err := ParseTargetURL(raw)
	if err != nil {
		return false, err
	}
	return IsLoopbackHost(u.Hostname()), nil
}

// IsLoopbackHost reports whether host (no port) is "localhost" or a loopback
// IP literal.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return addr.Unmap().IsLoopback()
}
