package loadgen

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// slowWhileServer answers at once, except while slow is set: then each
// answer first sleeps for delay, and slowed counts the answers that did.
func slowWhileServer(t *testing.T, delay time.Duration) (url string, slow *atomic.Bool, slowed *atomic.Int64) {
	t.Helper()
	slow, slowed = new(atomic.Bool), new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			time.Sleep(delay)
			slowed.Add(1)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, slow, slowed
}

// TestDisturb: the disturbed phase runs while the disturbance does and
// counts the requests in flight when it ends; the quiet phase is measured
// apart, once per round.
func TestDisturb(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	url, slow, slowed := slowWhileServer(t, delay)
	calls := 0
	disturb := func(ctx context.Context) error {
		calls++
		slow.Store(true)
		defer slow.Store(false)
		// Return once two slowed answers were sent: they are in the
		// measured phase, or still in flight and allowed to finish.
		before := slowed.Load()
		for slowed.Load() < before+2 {
			if err := ctx.Err(); err != nil {
				return err
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	}
	o := Options{Clients: 4, Duration: 50 * time.Millisecond, Warmup: 10 * time.Millisecond, Rounds: 2}
	d, err := Disturb(t.Context(), []Request{{URL: url + "/read"}}, o, disturb)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || d.Rounds != 2 {
		t.Errorf("disturbance called %d times over %d rounds, want 2 and 2", calls, d.Rounds)
	}
	if d.Quiet.Requests == 0 || d.Disturbed.Requests == 0 || d.Quiet.Errors+d.Disturbed.Errors != 0 {
		t.Fatalf("quiet %s; disturbed %s", d.Quiet, d.Disturbed)
	}
	if d.Disturbed.Max < delay {
		t.Errorf("the slowed requests were not measured: disturbed max %s < %s", d.Disturbed.Max, delay)
	}
	if d.DisturbTime <= 0 || d.P99Ratio <= 0 || d.ThroughputRatio <= 0 {
		t.Errorf("disturbance time %s, ratios %v %v", d.DisturbTime, d.P99Ratio, d.ThroughputRatio)
	}
	checkOrdered(t, d.Quiet)
	checkOrdered(t, d.Disturbed)
	md := d.Markdown()
	for _, want := range []string{MarkdownHeader, "quiet (same load, alone)", "during the disturbance", "during ÷ quiet", "GET /read [c=4, d=50ms, rounds=2]"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if s := d.String(); !strings.Contains(s, "disturbed/quiet") {
		t.Errorf("String() = %s", s)
	}
}

func TestDisturbRejects(t *testing.T) {
	t.Parallel()
	url, _, _ := slowWhileServer(t, 0)
	reqs := []Request{{URL: url}}
	nop := func(context.Context) error { return nil }
	tests := []struct {
		name    string
		reqs    []Request
		o       Options
		disturb func(context.Context) error
	}{
		{"requests mode", reqs, Options{Clients: 1, Requests: 10}, nop},
		{"requests and duration", reqs, Options{Clients: 1, Requests: 10, Duration: time.Second}, nop},
		{"no disturbance", reqs, Options{Clients: 1, Duration: time.Millisecond}, nil},
		{"bad options", reqs, Options{Clients: 0, Duration: time.Millisecond}, nop},
		{"bad request", []Request{{URL: "ftp://x"}}, Options{Clients: 1, Duration: time.Millisecond}, nop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Disturb(t.Context(), tt.reqs, tt.o, tt.disturb); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("Disturb = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

// TestDisturbFails: an error from the disturbance ends the measurement and
// is returned.
func TestDisturbFails(t *testing.T) {
	t.Parallel()
	url, _, _ := slowWhileServer(t, 0)
	boom := errors.New("boom")
	_, err := Disturb(t.Context(), []Request{{URL: url}}, Options{Clients: 1, Duration: 5 * time.Millisecond},
		func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("Disturb = %v, want %v", err, boom)
	}
}
