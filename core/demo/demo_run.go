package demo

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Kinds of actions, as Options.Progress names them.
const (
	whatSignups   = "inscriptions"
	whatRoles     = "rôles"
	whatListings  = "annonces"
	whatExchanges = "échanges"
	whatMessages  = "messages"
	whatMediation = "médiation"
	whatJobs      = "tâches du serveur"
)

// action is one thing done at one simulated instant.
type action struct {
	at   time.Time
	seq  int
	what string
	run  func(ctx context.Context) error
}

// timeline holds the planned actions.
type timeline struct {
	actions []action
}

// at plans run at time t, moved into waking hours (human) unless it is the
// server's job. Actions run in time order, those at the same instant in
// the order they were planned.
func (w *world) at(t time.Time, what string, run func(ctx context.Context) error) {
	if what != whatJobs {
		t = human(t)
	}
	if t.After(w.now) {
		t = w.now
	}
	w.tl.actions = append(w.tl.actions, action{at: t, seq: len(w.tl.actions), what: what, run: run})
}

// run plays the timeline: the clock moves to each action's time, the
// action runs, and the emails it wrote are delivered.
func (w *world) run(ctx context.Context) error {
	acts := w.tl.actions
	slices.SortFunc(acts, func(a, b action) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for i, act := range acts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if act.at.After(w.clk.t) {
			w.clk.t = act.at
		}
		if err := act.run(ctx); err != nil {
			return fmt.Errorf("demo: %s, %s: %w", act.what, w.clk.t.Format(time.DateTime), err)
		}
		if mails[act.what] {
			if err := w.deliver(ctx); err != nil {
				return err
			}
		}
		if w.o.Progress != nil {
			w.o.Progress(i+1, len(acts), act.what)
		}
	}
	w.clk.t = w.now
	return nil
}

// mails are the kinds of actions that may write emails: sign-ups (the
// verification link), messages (the notice to the other party) and the
// periodic jobs (listing and CESU reminders).
var mails = map[string]bool{whatSignups: true, whatMessages: true, whatJobs: true}

// deliver plays the server's mail deliverer for the demo's fictitious
// addresses: every email written is marked sent at once, and none is handed
// to a mail server.
func (w *world) deliver(ctx context.Context) error {
	for {
		ms, err := w.svc.accounts.Pending(ctx, 100)
		if err != nil {
			return fmt.Errorf("demo: read the outbox: %w", err)
		}
		if len(ms) == 0 {
			return nil
		}
		for _, m := range ms {
			if err := w.svc.accounts.MarkSent(ctx, m.ID, true); err != nil {
				return err
			}
		}
	}
}

// index brings the search index up to date with the listings written.
func (w *world) index(ctx context.Context) error {
	if w.app.Indexer == nil {
		return nil
	}
	for {
		n, err := w.app.Indexer.Round(ctx)
		if err != nil {
			return fmt.Errorf("demo: index the listings: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// planJobs runs the server's periodic jobs once a simulated day, at 3 a.m.:
// retention, listing expiry and reminders, the exchanges' timers, the CESU
// reminders — what purgeRegularly does in a running server.
func (w *world) planJobs() {
	day := time.Date(w.start.Year(), w.start.Month(), w.start.Day(), 3, 0, 0, 0, time.UTC).Add(24 * time.Hour)
	for ; day.Before(w.now); day = day.Add(24 * time.Hour) {
		w.at(day, whatJobs, func(ctx context.Context) error {
			if _, err := w.svc.accounts.Purge(ctx); err != nil {
				return err
			}
			if _, err := w.svc.listings.Sweep(ctx); err != nil {
				return err
			}
			if _, err := w.svc.exchanges.Sweep(ctx); err != nil {
				return err
			}
			_, err := w.svc.exchanges.CESUReminders(ctx, w.svc.accounts, w.app.Config.Security.PublicURL)
			return err
		})
	}
}

// paris is the time zone of the pilots' residents.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// human moves t into waking hours, 7:30 to 21:30 in French time: each
// span from 21:30 to the next day's 21:30 is squeezed into the next day's
// waking hours. It only moves times forward, by less than 11 hours, and
// keeps their order (it is strictly increasing), so that planned sequences
// stay sequences; the plan leaves the margin (slack) before the
// platform's timers.
func human(t time.Time) time.Time {
	l := t.In(paris)
	eve := time.Date(l.Year(), l.Month(), l.Day(), 21, 30, 0, 0, paris)
	if l.Before(eve) {
		eve = eve.AddDate(0, 0, -1)
	}
	next := eve.AddDate(0, 0, 1)
	morning := time.Date(next.Year(), next.Month(), next.Day(), 7, 30, 0, 0, paris)
	frac := float64(t.Sub(eve)) / float64(next.Sub(eve))
	return morning.Add(time.Duration(frac * float64(next.Sub(morning)))).UTC()
}

// slack is the most human moves a time, and more: the margin the plan
// keeps before and after the platform's timers.
const slack = 12 * time.Hour
