package loadgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Disturbance is a steady load measured alone (Quiet, the baseline) and
// while something else ran on the same server (Disturbed), with the same
// client settings, in the same run.
type Disturbance struct {
	// Scenario names the run for reports. Callers may overwrite it before
	// calling Markdown.
	Scenario string `json:"scenario"`
	// Rounds is the number of quiet+disturbed pairs that were merged.
	Rounds int `json:"rounds"`
	// Quiet is the load alone; Disturbed the same load while the
	// disturbance ran. Each is merged over the rounds.
	Quiet     Result `json:"quiet"`
	Disturbed Result `json:"disturbed"`
	// DisturbTime is how long the disturbance ran, summed over the rounds:
	// the measured time of Disturbed.
	DisturbTime time.Duration `json:"disturb_time_ns"`
	// ThroughputRatio, P50Ratio and P99Ratio are Disturbed / Quiet; zero
	// when undefined.
	ThroughputRatio float64 `json:"throughput_ratio"`
	P50Ratio        float64 `json:"p50_ratio"`
	P99Ratio        float64 `json:"p99_ratio"`
}

// Disturb measures how much disturb slows down a steady load of reqs
// (round-robin, o.Clients concurrent clients). Each of o.Rounds rounds, with
// one client and its keep-alive connections:
//
//  1. an unmeasured warmup of o.Warmup;
//  2. the quiet phase: the load alone for o.Duration (the baseline);
//  3. the disturbed phase: the load starts again and disturb(ctx) is called
//     at once; no request starts after disturb returns, requests in flight
//     then are allowed to finish and count. The disturbed phase therefore
//     lasts exactly as long as the disturbance.
//
// The quiet phase comes first so that what a disturbance leaves behind
// (garbage to collect, queued work) is charged to the disturbed side, not to
// the baseline. o.Duration must be > 0 and o.Requests 0; an error from
// disturb ends the measurement. disturb must return by itself: it is only
// bounded by ctx.
func Disturb(ctx context.Context, reqs []Request, o Options, disturb func(context.Context) error) (Disturbance, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return Disturbance{}, err
	}
	if o.Duration <= 0 || o.Requests != 0 {
		return Disturbance{}, fmt.Errorf("%w: a disturbance is measured against a quiet phase of fixed duration: set Duration and leave Requests at 0", ErrInvalidOptions)
	}
	if disturb == nil {
		return Disturbance{}, fmt.Errorf("%w: no disturbance to measure", ErrInvalidOptions)
	}
	prep, err := prepareRequests(reqs)
	if err != nil {
		return Disturbance{}, err
	}

	var quietRaw, disturbedRaw []rawResult
	var disturbTime time.Duration
	for round := range o.Rounds {
		q, d, took, err := disturbRound(ctx, prep, o, disturb)
		if err != nil {
			return Disturbance{}, fmt.Errorf("loadgen: disturbance round %d: %w", round+1, err)
		}
		quietRaw, disturbedRaw = append(quietRaw, q), append(disturbedRaw, d)
		disturbTime += took
	}
	r := Disturbance{
		Scenario:    scenario(prep, o),
		Rounds:      o.Rounds,
		Quiet:       merge(quietRaw).result(),
		Disturbed:   merge(disturbedRaw).result(),
		DisturbTime: disturbTime,
	}
	r.ThroughputRatio = ratio(r.Disturbed.Throughput, r.Quiet.Throughput)
	r.P50Ratio = ratio(float64(r.Disturbed.P50), float64(r.Quiet.P50))
	r.P99Ratio = ratio(float64(r.Disturbed.P99), float64(r.Quiet.P99))
	return r, nil
}

// disturbRound runs one warmup, quiet and disturbed phase with a fresh
// client, and returns the two measured phases and how long disturb ran.
func disturbRound(ctx context.Context, prep []prepared, o Options, disturb func(context.Context) error) (quiet, disturbed rawResult, took time.Duration, err error) {
	client := newClient(o)
	defer client.CloseIdleConnections()
	if o.Warmup > 0 {
		runPhase(ctx, client, prep, o, MaxRequests, o.Warmup, nil)
	}
	slog.DebugContext(ctx, "loadgen: quiet phase", "url", prep[0].url, "clients", o.Clients, "duration", o.Duration)
	quiet = runPhase(ctx, client, prep, o, MaxRequests, o.Duration, nil)
	if err := ctx.Err(); err != nil {
		return quiet, disturbed, 0, fmt.Errorf("quiet phase interrupted: %w", err)
	}

	slog.DebugContext(ctx, "loadgen: disturbed phase", "url", prep[0].url, "clients", o.Clients)
	stop := make(chan struct{})
	done := make(chan rawResult, 1)
	go func() { done <- runPhase(ctx, client, prep, o, MaxRequests, MaxDuration, stop) }()
	start := time.Now()
	derr := disturb(ctx)
	took = time.Since(start)
	close(stop)
	disturbed = <-done
	if derr != nil {
		return quiet, disturbed, took, fmt.Errorf("disturbance: %w", derr)
	}
	if err := ctx.Err(); err != nil {
		return quiet, disturbed, took, fmt.Errorf("disturbed phase interrupted: %w", err)
	}
	if disturbed.requests == 0 {
		return quiet, disturbed, took, errors.New("no request completed while the disturbance ran: it was too short to measure")
	}
	return quiet, disturbed, took, nil
}

// Markdown renders d as a small Markdown table (MarkdownHeader plus the rows
// of MarkdownRows).
func (d Disturbance) Markdown() string { return MarkdownHeader + d.MarkdownRows() }

// MarkdownRows renders d as three rows under [MarkdownHeader]: the quiet
// load, the same load during the disturbance, and their ratios.
func (d Disturbance) MarkdownRows() string {
	scen := strings.NewReplacer("|", `\|`, "\n", " ").Replace(d.Scenario)
	var b strings.Builder
	row := func(run string, r Result) {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %s | %d / %d |\n", scen, run, r.Throughput,
			mdLatency(r.P50), mdLatency(r.P90), mdLatency(r.P99), mdLatency(r.Max), r.Errors, r.Requests)
	}
	row("quiet (same load, alone)", d.Quiet)
	row(fmt.Sprintf("during the disturbance (%s)", d.DisturbTime.Round(time.Millisecond)), d.Disturbed)
	fmt.Fprintf(&b, "| %s | during ÷ quiet | %s | %s |  | %s |  |  |\n", scen,
		mdRatio(d.ThroughputRatio), mdRatio(d.P50Ratio), mdRatio(d.P99Ratio))
	return b.String()
}

// String renders d as three lines: quiet, disturbed and ratios.
func (d Disturbance) String() string {
	return fmt.Sprintf("scenario: %s\nquiet:     %s\ndisturbed: %s (disturbance ran %s)\nratios (disturbed/quiet): throughput %s, p50 %s, p99 %s",
		d.Scenario, d.Quiet, d.Disturbed, d.DisturbTime.Round(time.Millisecond),
		mdRatio(d.ThroughputRatio), mdRatio(d.P50Ratio), mdRatio(d.P99Ratio))
}
