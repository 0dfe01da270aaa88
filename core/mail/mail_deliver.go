package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"
)

// Queued is a message waiting in an outbox, with its attempts so far.
type Queued struct {
	Message
	// Attempts counts the earlier sending attempts, failed ones included.
	Attempts int
}

// Outbox is where messages wait to be sent: core/account's outbox, adapted
// by the process wiring.
type Outbox interface {
	// Pending returns at most limit unsent messages, oldest first.
	Pending(ctx context.Context, limit int) ([]Queued, error)
	// MarkSent records one attempt at message id: sent, or failed. Either
	// way the message's attempts count grows by one.
	MarkSent(ctx context.Context, id string, sent bool) error
}

// DeliverOptions tune a Deliverer; a zero field takes its default.
type DeliverOptions struct {
	// Batch is the most messages one round tries to send (default 50).
	Batch int
	// Window is how many pending messages a round reads to find them
	// (default 500). Messages waiting for their retry, set aside or
	// abandoned still fill it: see MaxAttempts.
	Window int
	// Timeout bounds the sending of one message (default 30s).
	Timeout time.Duration
	// MaxAttempts is the number of failed attempts after which a message is
	// abandoned (default 10): it stays in the outbox, unsent, visible to
	// "campagnon outbox list --pending", and no round tries it again.
	MaxAttempts int
	// Now is the clock of the retry delays; nil means time.Now.
	Now func() time.Time
}

// Default delivery options.
const (
	DefaultBatch       = 50
	DefaultWindow      = 500
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 10
)

// Retry delays: a message that failed n times waits firstRetry·2ⁿ⁻¹ (at
// most maxRetry) before the next attempt, so that ten attempts span about
// four hours; a server that cannot be reached pauses every delivery for
// firstPause·2ᵏ⁻¹ after k failures in a row (at most maxPause).
const (
	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
	firstPause = 10 * time.Second
	maxPause   = 5 * time.Minute
)

// Report counts what one round did.
type Report struct {
	// Sent is the number of messages the server took.
	Sent int
	// Failed is the number of attempts that failed and were recorded.
	Failed int
	// Waiting is the number of pending messages not tried: waiting for
	// their retry, set aside after a permanent refusal, or abandoned.
	Waiting int
	// Paused reports that the server could not be reached: the round
	// stopped (or did not start) and the next rounds wait.
	Paused bool
}

// Deliverer sends an outbox's messages through a Sender, one round at a
// time. A failed message is retried on later rounds after a growing delay,
// up to MaxAttempts; a message the server refuses for good (5xx) is set
// aside until the process restarts; a server that cannot be reached pauses
// delivery without counting an attempt against the message.
//
// Its logs name a message by ID and kind, never by recipient: an error
// quoting the address (as many servers' answers do) is redacted first.
// It is safe for concurrent use; rounds run one at a time. Its retry
// state is in memory: after a restart, every pending message is due.
type Deliverer struct {
	outbox Outbox
	sender Sender
	log    *slog.Logger
	o      DeliverOptions

	mu       sync.Mutex
	retry    map[string]retry // failed messages: when to try them again
	pause    time.Time        // no round before this, after a server failure
	failures int              // server failures in a row
}

// retry is when a failed message may be tried again.
type retry struct {
	at    time.Time
	never bool // refused for good: not before the next restart
}

// NewDeliverer returns a Deliverer of outbox's messages through sender,
// logging to log.
func NewDeliverer(outbox Outbox, sender Sender, log *slog.Logger, o DeliverOptions) *Deliverer {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Window < o.Batch {
		o.Window = max(DefaultWindow, o.Batch)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Deliverer{outbox: outbox, sender: sender, log: log, o: o, retry: map[string]retry{}}
}

// Run delivers a round at once, then one every interval, until ctx ends.
// A round's error is logged and the next round tries again.
func (d *Deliverer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := d.Round(ctx); err != nil && ctx.Err() == nil {
			d.log.ErrorContext(ctx, "deliver the email outbox", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Round reads the pending messages and tries those that are due, at most
// Batch of them, each within Timeout. It returns early when the server
// cannot be reached or ctx ends; its error is a failure to read or update
// the outbox, or ctx's.
func (d *Deliverer) Round(ctx context.Context) (Report, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var r Report
	if d.o.Now().Before(d.pause) {
		r.Paused = true
		return r, nil
	}
	pending, err := d.outbox.Pending(ctx, d.o.Window)
	if err != nil {
		return r, fmt.Errorf("read the outbox: %w", err)
	}
	d.forget(pending)
	for _, q := range pending {
		if r.Sent+r.Failed >= d.o.Batch {
			break
		}
		if !d.due(q) {
			r.Waiting++
			continue
		}
		paused, err := d.deliver(ctx, q, &r)
		if err != nil {
			return r, err
		}
		if paused {
			r.Paused = true
			break
		}
	}
	return r, nil
}

// due reports whether q may be tried now.
func (d *Deliverer) due(q Queued) bool {
	if q.Attempts >= d.o.MaxAttempts {
		return false
	}
	st, ok := d.retry[q.ID]
	return !ok || (!st.never && !d.o.Now().Before(st.at))
}

// forget drops the retry state of messages no longer pending (sent by
// another process, purged), so that it does not grow without end.
func (d *Deliverer) forget(pending []Queued) {
	seen := make(map[string]bool, len(pending))
	for _, q := range pending {
		seen[q.ID] = true
	}
	for id := range d.retry {
		if !seen[id] {
			delete(d.retry, id)
		}
	}
}

// deliver sends q and records the outcome. It reports whether delivery
// must pause because the server could not be reached.
func (d *Deliverer) deliver(ctx context.Context, q Queued, r *Report) (paused bool, err error) {
	sctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	sendErr := d.sender.Send(sctx, q.Message)
	cancel()
	if ctx.Err() != nil {
		// Stopping: an interrupted attempt is not the message's fault.
		return true, ctx.Err()
	}
	now := d.o.Now()
	attempt := q.Attempts + 1
	attrs := []any{"id", q.ID, "kind", q.Kind, "attempt", attempt}
	if sendErr == nil {
		d.failures = 0
		delete(d.retry, q.ID)
		if err := d.outbox.MarkSent(ctx, q.ID, true); err != nil {
			return true, fmt.Errorf("record message %s as sent: %w", q.ID, err)
		}
		r.Sent++
		d.log.InfoContext(ctx, "email sent", attrs...)
		return false, nil
	}

	var e *Error
	classified := errors.As(sendErr, &e)
	cause := []any{"error", redact(sendErr.Error(), q.To)}
	if classified {
		cause = append(cause, "stage", e.Stage.String(), "code", e.Code)
	}
	if classified && e.Stage == StageConnect {
		// Before MAIL the server or its configuration failed, not the
		// message: the attempt is not counted against it.
		d.pauseDelivery(ctx, now, cause)
		return true, nil
	}
	if err := d.outbox.MarkSent(ctx, q.ID, false); err != nil {
		return true, fmt.Errorf("record a failed attempt at message %s: %w", q.ID, err)
	}
	r.Failed++
	attrs = append(attrs, cause...)
	switch {
	case attempt >= d.o.MaxAttempts:
		d.log.ErrorContext(ctx, "email abandoned after too many failed attempts: it stays unsent in the outbox", attrs...)
	case IsPermanent(sendErr):
		d.retry[q.ID] = retry{never: true}
		d.log.ErrorContext(ctx, "email refused for good: set aside until the next restart", attrs...)
	default:
		at := now.Add(backoff(firstRetry, maxRetry, attempt))
		d.retry[q.ID] = retry{at: at}
		d.log.WarnContext(ctx, "email not sent: will retry", append(attrs, "retry_at", at)...)
	}
	if classified && e.Stage == StageTransfer && e.Code == 0 {
		// A network failure or a timeout in the middle of the transfer:
		// the server is likely gone for the other messages too.
		d.pauseDelivery(ctx, now, cause)
		return true, nil
	}
	return false, nil
}

// pauseDelivery stops the rounds for a delay that grows with each server
// failure in a row.
func (d *Deliverer) pauseDelivery(ctx context.Context, now time.Time, cause []any) {
	d.failures++
	d.pause = now.Add(backoff(firstPause, maxPause, d.failures))
	d.log.ErrorContext(ctx, "mail server unreachable: delivery paused", append(cause, "failures", d.failures, "resume_at", d.pause)...)
}

// backoff returns first·2ⁿ⁻¹, at most limit.
func backoff(first, limit time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// redact replaces the recipient's address in s (a server's answer often
// quotes it), whatever its case.
func redact(s, addr string) string {
	if addr == "" {
		return s
	}
	return regexp.MustCompile("(?i)"+regexp.QuoteMeta(addr)).ReplaceAllLiteralString(s, "[destinataire]")
}
