package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeOutbox is an outbox in memory with the semantics of core/account's:
// Pending returns unsent messages oldest first, MarkSent counts an attempt
// either way.
type fakeOutbox struct {
	mu   sync.Mutex
	msgs []Queued
	sent map[string]bool
	err  error // returned by Pending when set
}

func newOutbox(msgs ...Queued) *fakeOutbox {
	return &fakeOutbox{msgs: msgs, sent: map[string]bool{}}
}

func (o *fakeOutbox) Pending(_ context.Context, limit int) ([]Queued, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return nil, o.err
	}
	var out []Queued
	for _, m := range o.msgs {
		if !o.sent[m.ID] && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

func (o *fakeOutbox) MarkSent(_ context.Context, id string, sent bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range o.msgs {
		if o.msgs[i].ID == id {
			o.msgs[i].Attempts++
			o.sent[id] = o.sent[id] || sent
			return nil
		}
	}
	return fmt.Errorf("no message %s", id)
}

func (o *fakeOutbox) attempts(id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range o.msgs {
		if m.ID == id {
			return m.Attempts
		}
	}
	return -1
}

// scriptedSender fails each message as its script says, one error per
// call, then succeeds; it records the IDs it was given.
type scriptedSender struct {
	script map[string][]error
	calls  []string
}

func (s *scriptedSender) Send(_ context.Context, m Message) error {
	s.calls = append(s.calls, m.ID)
	errs := s.script[m.ID]
	if len(errs) == 0 {
		return nil
	}
	s.script[m.ID] = errs[1:]
	return errs[0]
}

// queued returns a pending message whose recipient is <id>@example.fr.
func queued(id string, attempts int) Queued {
	return Queued{Message: Message{ID: id, Kind: "email", To: "Habitant." + id + "@Example.fr", Subject: "Bonjour", Body: "Texte"}, Attempts: attempts}
}

// reply is a server's answer quoting the recipient, as real servers do.
func reply(stage Stage, op string, code int, id string) error {
	return &Error{Stage: stage, Op: op, Code: code, Permanent: code >= 500,
		Err: &textproto.Error{Code: code, Msg: "5.1.1 <habitant." + id + "@example.fr>: mailbox says no"}}
}

func TestDelivererRounds(t *testing.T) {
	t.Parallel()
	type round struct {
		advance time.Duration // the clock moves this much before the round
		calls   []string      // the messages the round tries, in order
		report  Report
	}
	refused := errors.New("connection reset by peer")
	tests := []struct {
		name     string
		opts     DeliverOptions
		msgs     []Queued
		script   map[string][]error
		rounds   []round
		attempts map[string]int // recorded attempts at the end
	}{
		{name: "everything sent at once, oldest first",
			msgs: []Queued{queued("a", 0), queued("b", 0)},
			rounds: []round{
				{calls: []string{"a", "b"}, report: Report{Sent: 2}},
				{advance: time.Hour, report: Report{}},
			},
			attempts: map[string]int{"a": 1, "b": 1}},
		{name: "a 4xx answer is retried after its delay",
			msgs:   []Queued{queued("a", 0)},
			script: map[string][]error{"a": {reply(StageTransfer, "mail", 451, "a"), reply(StageTransfer, "rcpt", 450, "a")}},
			rounds: []round{
				{calls: []string{"a"}, report: Report{Failed: 1}},
				{advance: 29 * time.Second, report: Report{Waiting: 1}},
				{advance: time.Second, calls: []string{"a"}, report: Report{Failed: 1}},
				{advance: 59 * time.Second, report: Report{Waiting: 1}},
				{advance: time.Second, calls: []string{"a"}, report: Report{Sent: 1}},
			},
			attempts: map[string]int{"a": 3}},
		{name: "a 5xx answer sets the message aside, the others go on",
			msgs:   []Queued{queued("a", 0), queued("b", 0)},
			script: map[string][]error{"a": {reply(StageTransfer, "rcpt", 550, "a")}},
			rounds: []round{
				{calls: []string{"a", "b"}, report: Report{Sent: 1, Failed: 1}},
				{advance: 24 * time.Hour, report: Report{Waiting: 1}},
			},
			attempts: map[string]int{"a": 1, "b": 1}},
		{name: "an invalid message is set aside",
			msgs:   []Queued{queued("a", 0)},
			script: map[string][]error{"a": {&Error{Stage: StageMessage, Op: "message", Permanent: true, Err: errors.New("subject contains CR or LF")}}},
			rounds: []round{
				{calls: []string{"a"}, report: Report{Failed: 1}},
				{advance: 24 * time.Hour, report: Report{Waiting: 1}},
			},
			attempts: map[string]int{"a": 1}},
		{name: "the attempt limit abandons a message",
			opts:   DeliverOptions{MaxAttempts: 3},
			msgs:   []Queued{queued("a", 2), queued("dead", 3)},
			script: map[string][]error{"a": {reply(StageTransfer, "data", 451, "a")}},
			rounds: []round{
				{calls: []string{"a"}, report: Report{Failed: 1, Waiting: 1}},
				{advance: 24 * time.Hour, report: Report{Waiting: 2}},
			},
			attempts: map[string]int{"a": 3, "dead": 3}},
		{name: "an unreachable server pauses delivery and costs no attempt",
			msgs:   []Queued{queued("a", 0), queued("b", 0)},
			script: map[string][]error{"a": {&Error{Stage: StageConnect, Op: "dial", Err: refused}, &Error{Stage: StageConnect, Op: "dial", Err: refused}}},
			rounds: []round{
				{calls: []string{"a"}, report: Report{Paused: true}},
				{advance: 9 * time.Second, report: Report{Paused: true}},
				{advance: time.Second, calls: []string{"a"}, report: Report{Paused: true}},
				{advance: 19 * time.Second, report: Report{Paused: true}},
				{advance: time.Second, calls: []string{"a", "b"}, report: Report{Sent: 2}},
			},
			attempts: map[string]int{"a": 1, "b": 1}},
		{name: "a network failure during the transfer counts and pauses",
			msgs:   []Queued{queued("a", 0), queued("b", 0)},
			script: map[string][]error{"a": {&Error{Stage: StageTransfer, Op: "data", Err: refused}}},
			rounds: []round{
				{calls: []string{"a"}, report: Report{Failed: 1, Paused: true}},
				{advance: 10 * time.Second, calls: []string{"b"}, report: Report{Sent: 1, Waiting: 1}},
				{advance: 20 * time.Second, calls: []string{"a"}, report: Report{Sent: 1}},
			},
			attempts: map[string]int{"a": 2, "b": 1}},
		{name: "an unclassified error is temporary",
			msgs:   []Queued{queued("a", 0)},
			script: map[string][]error{"a": {errors.New("habitant.a@example.fr: something odd")}},
			rounds: []round{
				{calls: []string{"a"}, report: Report{Failed: 1}},
				{advance: 30 * time.Second, calls: []string{"a"}, report: Report{Sent: 1}},
			},
			attempts: map[string]int{"a": 2}},
		{name: "a round sends at most a batch",
			opts: DeliverOptions{Batch: 2},
			msgs: []Queued{queued("a", 0), queued("b", 0), queued("c", 0)},
			rounds: []round{
				{calls: []string{"a", "b"}, report: Report{Sent: 2}},
				{calls: []string{"c"}, report: Report{Sent: 1}},
			},
			attempts: map[string]int{"a": 1, "b": 1, "c": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := testNow
			opts := tt.opts
			opts.Now = func() time.Time { return now }
			outbox := newOutbox(tt.msgs...)
			if tt.script == nil {
				tt.script = map[string][]error{}
			}
			sender := &scriptedSender{script: tt.script}
			var logs bytes.Buffer
			d := NewDeliverer(outbox, sender, slog.New(slog.NewJSONHandler(&logs, nil)), opts)
			for i, r := range tt.rounds {
				now = now.Add(r.advance)
				sender.calls = nil
				got, err := d.Round(context.Background())
				if err != nil {
					t.Fatalf("round %d: %v", i+1, err)
				}
				if !slices.Equal(sender.calls, r.calls) {
					t.Errorf("round %d tried %v, want %v", i+1, sender.calls, r.calls)
				}
				if got != r.report {
					t.Errorf("round %d report = %+v, want %+v", i+1, got, r.report)
				}
			}
			for id, want := range tt.attempts {
				if got := outbox.attempts(id); got != want {
					t.Errorf("message %s: %d attempts recorded, want %d", id, got, want)
				}
			}
			for _, m := range tt.msgs {
				if strings.Contains(strings.ToLower(logs.String()), strings.ToLower(m.To)) {
					t.Errorf("the log names the recipient %s:\n%s", m.To, logs.String())
				}
			}
		})
	}
}

func TestDelivererLogsFailuresByIDAndKind(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	outbox := newOutbox(queued("0195-a", 0))
	sender := &scriptedSender{script: map[string][]error{"0195-a": {reply(StageTransfer, "rcpt", 550, "0195-a")}}}
	d := NewDeliverer(outbox, sender, slog.New(slog.NewJSONHandler(&logs, nil)), DeliverOptions{})
	if _, err := d.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"id":"0195-a"`, `"kind":"email"`, `"code":550`, "[destinataire]", "refused for good"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestDelivererReportsOutboxErrors(t *testing.T) {
	t.Parallel()
	outbox := newOutbox(queued("a", 0))
	outbox.err = errors.New("database is closed")
	d := NewDeliverer(outbox, &scriptedSender{script: map[string][]error{}}, discardLog(), DeliverOptions{})
	if _, err := d.Round(context.Background()); err == nil || !strings.Contains(err.Error(), "database is closed") {
		t.Errorf("Round error = %v, want the outbox's", err)
	}
}

// signalSender sends nothing and reports each message on a channel.
type signalSender chan string

func (s signalSender) Send(_ context.Context, m Message) error {
	s <- m.ID
	return nil
}

func TestDelivererRunDeliversUntilCancelled(t *testing.T) {
	t.Parallel()
	outbox := newOutbox(queued("a", 0))
	sent := make(signalSender, 1)
	d := NewDeliverer(outbox, sent, discardLog(), DeliverOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		d.Run(ctx, time.Hour) // the first round runs at once
		close(done)
	}()
	if id := <-sent; id != "a" {
		t.Errorf("Run sent %s, want a", id)
	}
	cancel()
	<-done
	if got := outbox.attempts("a"); got != 1 {
		t.Errorf("message a: %d attempts recorded, want 1", got)
	}
}

func TestDevelopmentSenderLogsTheEmail(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := LogSender{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := s.Send(context.Background(), verification); err != nil {
		t.Fatal(err)
	}
	// cmd/campagnon's end-to-end tests read the link from this line.
	for _, want := range []string{"email (développement : écrit ici, non envoyé)", "to=claire.martin@example.fr",
		"jeton=cmp_verify_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\\n"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
