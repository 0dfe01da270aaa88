// Package exchange manages exchanges (mises en relation): a seeker and a
// provider agree on a service from a listing — started by the seeker from
// an offer, or by the provider from a need — and go through one state
// machine:
//
//	requested → accepted | declined | expired
//	accepted → scheduled → done → confirmed (by both, or by the timer) → reviewed
//	requested, accepted, scheduled → cancelled
//	done, confirmed → disputed → resolved (by a territory admin)
//
// Every transition has its allowed actors (Machine), is recorded as an
// event with its actor (and the mediator acting for them), and is exclusive:
// of two concurrent transitions from one state, exactly one wins. The
// quote is computed by the territory's plugin at acceptance and frozen
// with the plugin's id, version and hash. The platform holds no money:
// settling an exchange (a time-credit transfer, a CESU record) is a hook
// run in the confirming transaction.
package exchange

import (
	"time"

	"github.com/uptrace/bun"
)

// State is an exchange's state.
type State string

// The states.
const (
	Requested State = "requested"
	Accepted  State = "accepted"
	Declined  State = "declined"
	Expired   State = "expired"
	Scheduled State = "scheduled"
	Done      State = "done"
	Confirmed State = "confirmed"
	Reviewed  State = "reviewed"
	Cancelled State = "cancelled"
	Disputed  State = "disputed"
	Resolved  State = "resolved"
)

// States lists every state.
var States = []State{Requested, Accepted, Declined, Expired, Scheduled, Done, Confirmed, Reviewed, Cancelled, Disputed, Resolved}

// Event is what happens to an exchange.
type Event string

// The events.
const (
	Accept       Event = "accept"
	Decline      Event = "decline"
	Expire       Event = "expire"
	Cancel       Event = "cancel"
	Schedule     Event = "schedule"
	Complete     Event = "complete"
	Confirm      Event = "confirm"
	AutoConfirm  Event = "auto_confirm"
	Review       Event = "review"
	CloseReviews Event = "close_reviews"
	Dispute      Event = "dispute"
	Resolve      Event = "resolve"
)

// Events lists every event.
var Events = []Event{Accept, Decline, Expire, Cancel, Schedule, Complete, Confirm, AutoConfirm, Review, CloseReviews, Dispute, Resolve}

// Actor is who acts on an exchange, relative to it.
type Actor string

// The actors.
const (
	// Seeker and Provider are the two parties.
	Seeker   Actor = "seeker"
	Provider Actor = "provider"
	// Admin is a territory admin (or a national operator).
	Admin Actor = "admin"
	// System is the platform's timer.
	System Actor = "system"
)

// Actors lists every actor.
var Actors = []Actor{Seeker, Provider, Admin, System}

// RecurrenceWeekly marks an agreement for weekly sessions (weekly
// cleaning, the school run): one agreement, its sessions recorded and
// settled month by month (MonthRow).
const RecurrenceWeekly = "weekly"

// Timers of the state machine.
const (
	// RequestTTL: a request nobody answers expires.
	RequestTTL = 7 * 24 * time.Hour
	// ConfirmAfter: a done exchange is confirmed by the timer if a party
	// has not confirmed (nor disputed) by then.
	ConfirmAfter = 7 * 24 * time.Hour
	// ReviewWindow: reviews close that long after confirmation.
	ReviewWindow = 14 * 24 * time.Hour
)

// Exchange is one exchange.
type Exchange struct {
	bun.BaseModel `bun:"table:exchanges"`

	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	ListingID   string `bun:"listing_id,notnull" json:"listing_id"`
	SeekerID    string `bun:"seeker_id,notnull" json:"seeker_id"`
	ProviderID  string `bun:"provider_id,notnull" json:"provider_id"`
	// Initiator is Seeker (from an offer) or Provider (answering a need).
	Initiator Actor  `bun:"initiator,notnull" json:"initiator"`
	Category  string `bun:"category,notnull" json:"category"`
	Modality  string `bun:"modality,notnull" json:"modality"`
	// Mode is the payment mode agreed.
	Mode    string `bun:"mode,notnull" json:"mode"`
	Minutes int    `bun:"minutes,notnull" json:"minutes"`
	// Occurrences is how many sessions: in all for a one-off exchange, per
	// month for a recurring one.
	Occurrences int `bun:"occurrences,notnull" json:"occurrences"`
	// Recurrence is "" for a one-off exchange, RecurrenceWeekly for an
	// agreement whose sessions are recorded and settled month by month.
	Recurrence  string `bun:"recurrence,notnull" json:"recurrence,omitempty"`
	HourlyCents int64  `bun:"hourly_cents,notnull" json:"hourly_cents"`
	// ProviderSAP reports a provider declared for services à la personne.
	ProviderSAP bool   `bun:"provider_sap,notnull" json:"provider_sap"`
	FromCommune string `bun:"from_commune,notnull" json:"from_commune"`
	ToCommune   string `bun:"to_commune,notnull" json:"to_commune"`
	State       State  `bun:"state,notnull" json:"state"`
	// QuoteID is the frozen quote (core/rules), set at acceptance.
	QuoteID           *string `bun:"quote_id" json:"quote_id,omitempty"`
	TotalCents        int64   `bun:"total_cents,notnull" json:"total_cents"`
	PayableCents      int64   `bun:"payable_cents,notnull" json:"payable_cents"`
	TimeCreditMinutes int     `bun:"time_credit_minutes,notnull" json:"time_credit_minutes"`
	// TaxCreditEligibleCents and TaxCreditBucket are the frozen quote's
	// share of the household's tax credit (a simulation).
	TaxCreditEligibleCents int64      `bun:"tax_credit_eligible_cents,notnull" json:"tax_credit_eligible_cents"`
	TaxCreditBucket        string     `bun:"tax_credit_bucket,notnull" json:"tax_credit_bucket,omitempty"`
	ScheduledAt            *time.Time `bun:"scheduled_at" json:"scheduled_at,omitempty"`
	DoneAt                 *time.Time `bun:"done_at" json:"done_at,omitempty"`
	SeekerConfirmed        *time.Time `bun:"seeker_confirmed_at" json:"seeker_confirmed_at,omitempty"`
	ProviderConfirmed      *time.Time `bun:"provider_confirmed_at" json:"provider_confirmed_at,omitempty"`
	ConfirmedAt            *time.Time `bun:"confirmed_at" json:"confirmed_at,omitempty"`
	SeekerReviewed         *time.Time `bun:"seeker_reviewed_at" json:"seeker_reviewed_at,omitempty"`
	ProviderReviewed       *time.Time `bun:"provider_reviewed_at" json:"provider_reviewed_at,omitempty"`
	// Version increases at every transition.
	Version   int       `bun:"version,notnull" json:"version"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// Counterpart is the party who answers a request: the provider when the
// seeker asked, the seeker when the provider offered.
func (x *Exchange) Counterpart() Actor {
	if x.Initiator == Seeker {
		return Provider
	}
	return Seeker
}

// Party returns the actor accountID is in x ("" for neither).
func (x *Exchange) Party(accountID string) Actor {
	switch accountID {
	case x.SeekerID:
		return Seeker
	case x.ProviderID:
		return Provider
	}
	return ""
}

// EventRow is one transition, as recorded.
type EventRow struct {
	bun.BaseModel `bun:"table:exchange_events"`

	ID         string `bun:"id,pk" json:"id"`
	ExchangeID string `bun:"exchange_id,notnull" json:"exchange_id"`
	Event      Event  `bun:"event,notnull" json:"event"`
	From       State  `bun:"from_state,notnull" json:"from"`
	To         State  `bun:"to_state,notnull" json:"to"`
	ActorID    string `bun:"actor_id,notnull" json:"actor_id"`
	ActorRole  Actor  `bun:"actor_role,notnull" json:"actor_role"`
	// MediatorID is the mediator who acted for the actor, if any.
	MediatorID *string   `bun:"mediator_id" json:"mediator_id,omitempty"`
	Note       string    `bun:"note,notnull" json:"note,omitempty"`
	At         time.Time `bun:"at,notnull" json:"at"`
}
