package exchange

import (
	"fmt"
	"slices"
	"strings"

	"github.com/campagnon/campagnon/core/apperr"
)

// who names the actors a rule allows, relative to an exchange.
type who string

const (
	// counterpart is the party who answers the request.
	counterpart who = "counterpart"
	// party is either party.
	party who = "party"
	// provider is the provider only.
	providerOnly who = "provider"
	admin        who = "admin"
	system       who = "system"
)

// rule is one line of the machine: from which states an event is allowed,
// to whom, and where it leads.
type rule struct {
	from []State
	by   who
	to   State
}

// Machine is the state machine, one rule per event. Confirm and Review
// lead to their state only once both parties have acted (Next).
var Machine = map[Event]rule{
	Accept:       {from: []State{Requested}, by: counterpart, to: Accepted},
	Decline:      {from: []State{Requested}, by: counterpart, to: Declined},
	Expire:       {from: []State{Requested}, by: system, to: Expired},
	Cancel:       {from: []State{Requested, Accepted, Scheduled}, by: party, to: Cancelled},
	Schedule:     {from: []State{Accepted, Scheduled}, by: party, to: Scheduled},
	Complete:     {from: []State{Scheduled}, by: providerOnly, to: Done},
	Confirm:      {from: []State{Done}, by: party, to: Confirmed},
	AutoConfirm:  {from: []State{Done}, by: system, to: Confirmed},
	Review:       {from: []State{Confirmed}, by: party, to: Reviewed},
	CloseReviews: {from: []State{Confirmed}, by: system, to: Reviewed},
	Dispute:      {from: []State{Done, Confirmed}, by: party, to: Disputed},
	Resolve:      {from: []State{Disputed}, by: admin, to: Resolved},
}

// allows reports whether actor may cause ev on x under r.
func (r rule) allows(x *Exchange, actor Actor) bool {
	switch r.by {
	case counterpart:
		return actor == x.Counterpart()
	case party:
		return actor == Seeker || actor == Provider
	case providerOnly:
		return actor == Provider
	case admin:
		return actor == Admin
	case system:
		return actor == System
	}
	return false
}

var stateFR = map[State]string{
	Requested: "demandé", Accepted: "accepté", Declined: "refusé", Expired: "expiré", Scheduled: "planifié",
	Done: "réalisé", Confirmed: "confirmé", Reviewed: "évalué", Cancelled: "annulé", Disputed: "en litige", Resolved: "résolu",
}

var eventFR = map[Event]string{
	Accept: "accepter", Decline: "refuser", Expire: "expirer", Cancel: "annuler", Schedule: "planifier",
	Complete: "déclarer réalisé", Confirm: "confirmer", AutoConfirm: "confirmer automatiquement", Review: "évaluer",
	CloseReviews: "clore les évaluations", Dispute: "signaler un litige", Resolve: "résoudre le litige",
}

func (x *Exchange) whoFR(w who) string {
	switch w {
	case counterpart:
		if x.Counterpart() == Provider {
			return "le prestataire (celui à qui la demande est faite)"
		}
		return "le demandeur (celui à qui la proposition est faite)"
	case party:
		return "le demandeur ou le prestataire"
	case providerOnly:
		return "le prestataire"
	case admin:
		return "un administrateur du territoire"
	}
	return "la plateforme, à échéance"
}

// Next returns the state ev by actor leads x to, or an error that names the
// state and who may act. Confirm and Review by one party leave the state
// as is until the other party has acted too (the caller records who did);
// a party confirming or reviewing twice gets a Conflict.
func Next(x *Exchange, ev Event, actor Actor) (State, error) {
	r, ok := Machine[ev]
	if !ok {
		return "", apperr.New(apperr.KindInvalid, "exchange_event",
			fmt.Sprintf("Action inconnue %q.", ev), fmt.Sprintf("Unknown action %q.", ev))
	}
	if !slices.Contains(r.from, x.State) {
		from := make([]string, len(r.from))
		for i, s := range r.from {
			from[i] = stateFR[s]
		}
		return "", apperr.New(apperr.KindConflict, "exchange_state",
			fmt.Sprintf("Impossible de %s : l'échange est %s ; c'est possible quand il est %s.", eventFR[ev], stateFR[x.State], strings.Join(from, " ou ")),
			fmt.Sprintf("Cannot %s: the exchange is %s; it is possible when it is %s.", ev, x.State, joinStates(r.from)))
	}
	if !r.allows(x, actor) {
		return "", apperr.New(apperr.KindForbidden, "exchange_actor",
			fmt.Sprintf("Vous ne pouvez pas %s cet échange : seul %s le peut (l'échange est %s).", eventFR[ev], x.whoFR(r.by), stateFR[x.State]),
			fmt.Sprintf("You may not %s this exchange: only the %s may (it is %s).", ev, r.by, x.State))
	}
	switch ev {
	case Confirm:
		mine, theirs := x.SeekerConfirmed, x.ProviderConfirmed
		if actor == Provider {
			mine, theirs = theirs, mine
		}
		if mine != nil {
			return "", errAlready("confirmé", "confirmed")
		}
		if theirs == nil {
			return x.State, nil
		}
	case Review:
		mine, theirs := x.SeekerReviewed, x.ProviderReviewed
		if actor == Provider {
			mine, theirs = theirs, mine
		}
		if mine != nil {
			return "", errAlready("évalué", "reviewed")
		}
		if theirs == nil {
			return x.State, nil
		}
	}
	return r.to, nil
}

func errAlready(fr, en string) error {
	return apperr.New(apperr.KindConflict, "exchange_already",
		fmt.Sprintf("Vous avez déjà %s cet échange ; l'autre partie doit le faire à son tour.", fr),
		fmt.Sprintf("You already %s this exchange; the other party must do it too.", en))
}

func joinStates(ss []State) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, " or ")
}
