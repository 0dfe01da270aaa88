package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Comparison is a target measured against a [Baseline] answering the same
// bytes, with the same client settings, in the same run.
type Comparison struct {
	// Scenario names the run for reports, e.g.
	// "GET /api/v1/territories [c=32, d=10s]". Callers may overwrite it
	// before calling Markdown.
	Scenario string `json:"scenario"`
	// Rounds is the number of baseline+target pairs that were merged.
	Rounds int `json:"rounds"`
	// Target and Baseline are the merged results of all rounds.
	Target   Result `json:"target"`
	Baseline Result `json:"baseline"`
	// ThroughputRatio is Target.Throughput / Baseline.Throughput: the
	// fraction of the bare-handler throughput the target reaches (usually
	// < 1). Zero when the baseline has no throughput.
	ThroughputRatio float64 `json:"throughput_ratio"`
	// P50Ratio is Target.P50 / Baseline.P50: how many times slower the
	// median request is than on the bare handler (usually > 1). Zero when
	// undefined.
	P50Ratio float64 `json:"p50_ratio"`
	// P99Ratio is Target.P99 / Baseline.P99, as P50Ratio.
	P99Ratio float64 `json:"p99_ratio"`
}

// Compare measures target against a bare Fiber baseline serving the same
// bytes:
//
//  1. every distinct target request is sent once (with the same client
//     settings) and its status, Content-Type, Content-Encoding and body are
//     recorded; a status other than o.ExpectStatus (any 2xx when 0) is an
//     error, as benchmarking an error page is pointless;
//  2. a [Baseline] is started on 127.0.0.1 answering those bytes (per method
//     and request URI when the targets differ), and is checked to answer
//     exactly them;
//  3. the baseline and the target are each [Run] with o (same method,
//     headers, body, path and query; only scheme and host differ): baseline
//     first, then target. With o.Rounds > 1 further pairs follow in
//     alternating order (target then baseline, baseline then target, ...),
//     and each side's rounds are merged (counts and durations summed,
//     latency samples pooled so percentiles stay exact);
//  4. the ratios target/baseline are computed.
//
// Each phase has its own client and its own Warmup. The total wall time is
// about 2 × o.Rounds × (o.Warmup + o.Duration) in duration mode.
func Compare(ctx context.Context, target []Request, o Options) (Comparison, error) {
	return compare(ctx, target, o, nil)
}

// compare is Compare with a hook called once the baseline is up and
// verified, used by tests to inspect the baseline before it is closed.
func compare(ctx context.Context, target []Request, o Options, onBaseline func(context.Context, *Baseline) error) (Comparison, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return Comparison{}, err
	}
	prep, err := prepareRequests(target)
	if err != nil {
		return Comparison{}, err
	}

	fallback, routes, err := fetchReferences(ctx, prep, o)
	if err != nil {
		return Comparison{}, err
	}
	b, err := startBaseline(ctx, fallback, routes)
	if err != nil {
		return Comparison{}, err
	}
	defer func() {
		if cerr := b.Close(); cerr != nil {
			slog.WarnContext(ctx, "loadgen: closing baseline", "err", cerr)
		}
	}()
	basePrep := make([]prepared, len(prep))
	for i, p := range prep {
		basePrep[i], err = retarget(p, b.URL())
		if err != nil {
			return Comparison{}, err
		}
	}
	if err := verifyBaseline(ctx, basePrep, fallback, routes, o); err != nil {
		return Comparison{}, err
	}
	if onBaseline != nil {
		if err := onBaseline(ctx, b); err != nil {
			return Comparison{}, fmt.Errorf("loadgen: baseline hook: %w", err)
		}
	}

	var targetRaw, baseRaw []rawResult
	for round := range o.Rounds {
		order := []string{"baseline", "target"}
		if round%2 == 1 {
			order = []string{"target", "baseline"}
		}
		for _, side := range order {
			reqs := prep
			if side == "baseline" {
				reqs = basePrep
			}
			slog.DebugContext(ctx, "loadgen: compare phase", "round", round+1, "side", side)
			raw, err := runPhases(ctx, reqs, o)
			if err != nil {
				return Comparison{}, fmt.Errorf("loadgen: compare round %d, %s: %w", round+1, side, err)
			}
			if side == "baseline" {
				baseRaw = append(baseRaw, raw)
			} else {
				targetRaw = append(targetRaw, raw)
			}
		}
	}

	c := Comparison{
		Scenario: scenario(prep, o),
		Rounds:   o.Rounds,
		Target:   merge(targetRaw).result(),
		Baseline: merge(baseRaw).result(),
	}
	c.ThroughputRatio = ratio(c.Target.Throughput, c.Baseline.Throughput)
	c.P50Ratio = ratio(float64(c.Target.P50), float64(c.Baseline.P50))
	c.P99Ratio = ratio(float64(c.Target.P99), float64(c.Baseline.P99))
	return c, nil
}

// ratio returns a/b, or 0 when b is not positive.
func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// errStatus is wrapped when the target's reference response has an
// unexpected status.
var errStatus = errors.New("unexpected status")

// routeKey identifies a request as the baseline sees it.
func routeKey(p *prepared) (method, uri string) { return p.method, p.u.RequestURI() }

// fetchReferences sends each distinct target request once and returns the
// response to mirror for the first request, plus per-(method, URI) routes
// when the requests do not all get the same response.
func fetchReferences(ctx context.Context, prep []prepared, o Options) (cannedResponse, map[string]map[string]cannedResponse, error) {
	client := newClient(Options{Clients: 1, Timeout: o.Timeout})
	defer client.CloseIdleConnections()

	routes := map[string]map[string]cannedResponse{}
	var first cannedResponse
	distinct := false
	for i := range prep {
		p := &prep[i]
		if isDuplicate(prep[:i], p) {
			continue
		}
		resp, err := fetch(ctx, client, p)
		if err != nil {
			return cannedResponse{}, nil, fmt.Errorf("loadgen: fetch target reference: %w", err)
		}
		if !statusOK(resp.status, o.ExpectStatus) {
			return cannedResponse{}, nil, fmt.Errorf("loadgen: target %s %s answered %d, want %s: %w",
				p.method, p.url, resp.status, wantStatus(o.ExpectStatus), errStatus)
		}
		if i == 0 {
			first = resp
		} else if !sameResponse(resp, first) {
			distinct = true
		}
		m, uri := routeKey(p)
		if routes[m] == nil {
			routes[m] = map[string]cannedResponse{}
		}
		if prev, ok := routes[m][uri]; ok {
			if !sameResponse(prev, resp) {
				slog.WarnContext(ctx, "loadgen: requests share method and URI but the target answered differently; the baseline mirrors the first",
					"method", m, "uri", uri, "first_len", len(prev.body), "other_len", len(resp.body))
			}
			continue
		}
		routes[m][uri] = resp
	}
	if !distinct {
		routes = nil
	}
	return first, routes, nil
}

// isDuplicate reports whether p is identical to one of earlier.
func isDuplicate(earlier []prepared, p *prepared) bool {
	for i := range earlier {
		e := &earlier[i]
		if e.method == p.method && e.url == p.url && e.host == p.host &&
			bytes.Equal(e.body, p.body) && sameHeader(e.header, p.header) {
			return true
		}
	}
	return false
}

// sameHeader reports whether a and b hold the same fields and values.
func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

// sameResponse reports whether two canned responses are byte-identical.
func sameResponse(a, b cannedResponse) bool {
	return a.status == b.status && a.contentType == b.contentType &&
		a.contentEncoding == b.contentEncoding && bytes.Equal(a.body, b.body)
}

// fetch sends p once and returns what came back, body capped at MaxBodyBytes.
func fetch(ctx context.Context, client *http.Client, p *prepared) (cannedResponse, error) {
	var body io.Reader
	if len(p.body) > 0 {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return cannedResponse{}, fmt.Errorf("build request %s %s: %w", p.method, p.url, err)
	}
	req.Header = p.header
	if p.host != "" {
		req.Host = p.host
	}
	resp, err := client.Do(req)
	if err != nil {
		return cannedResponse{}, fmt.Errorf("%s %s: %w", p.method, p.url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return cannedResponse{}, fmt.Errorf("read body of %s %s: %w", p.method, p.url, err)
	}
	if len(data) > MaxBodyBytes {
		return cannedResponse{}, fmt.Errorf("%s %s: body larger than %d bytes", p.method, p.url, MaxBodyBytes)
	}
	return cannedResponse{
		status:          resp.StatusCode,
		contentType:     resp.Header.Get("Content-Type"),
		contentEncoding: resp.Header.Get("Content-Encoding"),
		body:            data,
	}, nil
}

// retarget returns p sent to base (scheme://host) with the same method,
// headers, body, path and query.
func retarget(p prepared, base string) (prepared, error) {
	u, err := ParseTargetURL(base + p.u.RequestURI())
	if err != nil {
		return prepared{}, fmt.Errorf("loadgen: baseline URL for %s: %w", p.url, err)
	}
	p.u = u
	p.url = u.String()
	return p, nil
}

// verifyBaseline fetches each distinct baseline request once and checks the
// bytes are those it must mirror.
func verifyBaseline(ctx context.Context, basePrep []prepared, fallback cannedResponse, routes map[string]map[string]cannedResponse, o Options) error {
	client := newClient(Options{Clients: 1, Timeout: o.Timeout})
	defer client.CloseIdleConnections()
	for i := range basePrep {
		p := &basePrep[i]
		if isDuplicate(basePrep[:i], p) {
			continue
		}
		want := fallback
		if m, uri := routeKey(p); routes != nil {
			if r, ok := routes[m][uri]; ok {
				want = r
			}
		}
		got, err := fetch(ctx, client, p)
		if err != nil {
			return fmt.Errorf("loadgen: verify baseline: %w", err)
		}
		if !sameResponse(got, want) {
			return fmt.Errorf("loadgen: baseline does not mirror the target for %s %s: got status %d, %q, %d bytes; want %d, %q, %d bytes",
				p.method, p.u.RequestURI(), got.status, got.contentType, len(got.body), want.status, want.contentType, len(want.body))
		}
	}
	return nil
}

// scenario names a comparison from its first request and load settings.
func scenario(prep []prepared, o Options) string {
	var b strings.Builder
	b.WriteString(prep[0].method + " " + prep[0].u.RequestURI())
	if len(prep) > 1 {
		fmt.Fprintf(&b, " (+%d more)", len(prep)-1)
	}
	fmt.Fprintf(&b, " [c=%d", o.Clients)
	if o.Requests > 0 {
		fmt.Fprintf(&b, ", n=%d", o.Requests)
	} else {
		fmt.Fprintf(&b, ", d=%s", o.Duration)
	}
	if o.Rounds > 1 {
		fmt.Fprintf(&b, ", rounds=%d", o.Rounds)
	}
	b.WriteString("]")
	return b.String()
}

// MarkdownHeader is the table header matching [Comparison.MarkdownRows].
const MarkdownHeader = "| scenario | run | req/s | p50 | p90 | p99 | max | errors / requests |\n" +
	"|---|---|---:|---:|---:|---:|---:|---:|\n"

// Markdown renders c as a small Markdown table (header plus the rows of
// MarkdownRows) for docs/benchmarks.md.
func (c Comparison) Markdown() string { return MarkdownHeader + c.MarkdownRows() }

// MarkdownRows renders c as three table rows under [MarkdownHeader]: the
// baseline, the target, and the target/baseline ratios, so that several
// comparisons can share one table.
func (c Comparison) MarkdownRows() string {
	scen := strings.NewReplacer("|", `\|`, "\n", " ").Replace(c.Scenario)
	var b strings.Builder
	row := func(run string, r Result) {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %s | %d / %d |\n", scen, run, r.Throughput,
			mdLatency(r.P50), mdLatency(r.P90), mdLatency(r.P99), mdLatency(r.Max), r.Errors, r.Requests)
	}
	row("baseline (bare Fiber, same bytes)", c.Baseline)
	row("target", c.Target)
	fmt.Fprintf(&b, "| %s | target ÷ baseline | %s | %s |  | %s |  |  |\n", scen,
		mdRatio(c.ThroughputRatio), mdRatio(c.P50Ratio), mdRatio(c.P99Ratio))
	return b.String()
}

// mdLatency formats a latency in milliseconds with 3 decimals.
func mdLatency(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// mdRatio formats a ratio as "1.23×", or "n/a" when undefined.
func mdRatio(r float64) string {
	if r <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", r)
}

// String renders c as three lines: baseline, target and ratios.
func (c Comparison) String() string {
	return fmt.Sprintf("scenario: %s\nbaseline: %s\ntarget:   %s\nratios (target/baseline): throughput %s, p50 %s, p99 %s",
		c.Scenario, c.Baseline, c.Target, mdRatio(c.ThroughputRatio), mdRatio(c.P50Ratio), mdRatio(c.P99Ratio))
}
