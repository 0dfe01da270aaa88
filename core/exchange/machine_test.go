package exchange

import (
	"fmt"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
)

// allowed lists, for an exchange the seeker requested (from an offer),
// every (state, event, actor) the machine accepts and where it leads. Every
// other combination must be refused: with a Conflict naming the state when
// the event is not possible from the state, with a Forbidden naming who may
// act otherwise.
var allowed = map[string]State{
	"requested/accept/provider":      Accepted,
	"requested/decline/provider":     Declined,
	"requested/expire/system":        Expired,
	"requested/cancel/seeker":        Cancelled,
	"requested/cancel/provider":      Cancelled,
	"accepted/cancel/seeker":         Cancelled,
	"accepted/cancel/provider":       Cancelled,
	"scheduled/cancel/seeker":        Cancelled,
	"scheduled/cancel/provider":      Cancelled,
	"accepted/schedule/seeker":       Scheduled,
	"accepted/schedule/provider":     Scheduled,
	"scheduled/schedule/seeker":      Scheduled,
	"scheduled/schedule/provider":    Scheduled,
	"scheduled/complete/provider":    Done,
	"done/confirm/seeker":            Done, // the other party has not confirmed yet
	"done/confirm/provider":          Done,
	"done/auto_confirm/system":       Confirmed,
	"confirmed/review/seeker":        Confirmed, // the other party has not reviewed yet
	"confirmed/review/provider":      Confirmed,
	"confirmed/close_reviews/system": Reviewed,
	"done/dispute/seeker":            Disputed,
	"done/dispute/provider":          Disputed,
	"confirmed/dispute/seeker":       Disputed,
	"confirmed/dispute/provider":     Disputed,
	"disputed/resolve/admin":         Resolved,
}

// TestMachineTable walks every state × every event × every actor.
func TestMachineTable(t *testing.T) {
	n := 0
	for _, st := range States {
		for _, ev := range Events {
			for _, actor := range Actors {
				x := &Exchange{State: st, Initiator: Seeker}
				key := fmt.Sprintf("%s/%s/%s", st, ev, actor)
				got, err := Next(x, ev, actor)
				want, ok := allowed[key]
				n++
				switch {
				case ok && (err != nil || got != want):
					t.Errorf("%s = %s, %v; want %s", key, got, err, want)
				case !ok && err == nil:
					t.Errorf("%s was allowed (to %s)", key, got)
				case !ok:
					e := apperr.As(err)
					possible := false
					for _, from := range Machine[ev].from {
						possible = possible || from == st
					}
					if possible && e.Kind != apperr.KindForbidden || !possible && e.Kind != apperr.KindConflict || e.Message == "" || e.MessageEN == "" {
						t.Errorf("%s refused with %v (kind %v)", key, err, e.Kind)
					}
				}
			}
		}
	}
	if n != len(States)*len(Events)*len(Actors) {
		t.Fatalf("walked %d combinations", n)
	}
}

// TestMachineCounterpart: when the provider answered a need, the seeker
// accepts or declines.
func TestMachineCounterpart(t *testing.T) {
	x := &Exchange{State: Requested, Initiator: Provider}
	for _, tt := range []struct {
		ev    Event
		actor Actor
		ok    bool
	}{
		{Accept, Seeker, true}, {Decline, Seeker, true}, {Accept, Provider, false}, {Decline, Provider, false},
	} {
		_, err := Next(x, tt.ev, tt.actor)
		if (err == nil) != tt.ok {
			t.Errorf("%s by %s: %v", tt.ev, tt.actor, err)
		}
	}
}

// TestMachineBothParties: confirming and reviewing need both parties, once
// each.
func TestMachineBothParties(t *testing.T) {
	now := time.Now()
	x := &Exchange{State: Done, Initiator: Seeker, SeekerConfirmed: &now}
	if got, err := Next(x, Confirm, Provider); err != nil || got != Confirmed {
		t.Errorf("second confirmation = %s, %v", got, err)
	}
	if _, err := Next(x, Confirm, Seeker); apperr.As(err).Code != "exchange_already" {
		t.Errorf("confirming twice: %v", err)
	}
	x = &Exchange{State: Confirmed, Initiator: Seeker, ProviderReviewed: &now}
	if got, err := Next(x, Review, Seeker); err != nil || got != Reviewed {
		t.Errorf("second review = %s, %v", got, err)
	}
	if _, err := Next(x, Review, Provider); apperr.As(err).Code != "exchange_already" {
		t.Errorf("reviewing twice: %v", err)
	}
}
