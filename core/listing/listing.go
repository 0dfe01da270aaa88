// Package listing manages offers and needs: what residents and
// professionals say they offer or need, in a category of their territory's
// plugin, in a commune of the territory, with a price kind and the payment
// modes the plugin allows. A listing lives through draft → published ⇄
// paused → closed, or expired when its time runs out (its owner is reminded
// a week before, through the outbox: listings never die silently); members
// report listings, territory admins hide them.
//
// Every query is scoped to a territory: a listing of another territory is
// not found. The plugin's validate_listing runs before every write.
package listing

import (
	"encoding/json"
	"time"
	_ "time/tzdata" // dates in French time on any machine

	"github.com/uptrace/bun"
)

// Statuses of a listing.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusPaused    = "paused"
	StatusClosed    = "closed"
	StatusExpired   = "expired"
)

// Lifetimes of a published listing.
const (
	// Lifetime is how long a listing stays published before it expires.
	Lifetime = 60 * 24 * time.Hour
	// RemindBefore is when, before expiry, the owner is reminded.
	RemindBefore = 7 * 24 * time.Hour
)

// Slot is a weekly availability: Day 1 (Monday) to 7 (Sunday), From and To
// as "HH:MM" (French time).
type Slot struct {
	Day  int    `json:"day"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Listing is one offer or need.
type Listing struct {
	bun.BaseModel `bun:"table:listings"`

	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	// OwnerID is the account that posted it.
	OwnerID string `bun:"owner_id,notnull" json:"owner_id"`
	// Kind is abi.ListingOffer or abi.ListingNeed.
	Kind string `bun:"kind,notnull" json:"kind"`
	// Category is the plugin's category ID.
	Category string `bun:"category,notnull" json:"category"`
	// Modality is abi.ModalityResident or abi.ModalityProfessional.
	Modality    string `bun:"modality,notnull" json:"modality"`
	Title       string `bun:"title,notnull" json:"title"`
	Description string `bun:"description,notnull" json:"description"`
	// Modes are the accepted payment modes, comma-separated in the database.
	Modes string `bun:"modes,notnull" json:"-"`
	// PriceKind is one of abi.PriceFree, PriceHourly, PriceFixed, PriceOnQuote.
	PriceKind  string `bun:"price_kind,notnull" json:"price_kind"`
	PriceCents int64  `bun:"price_cents,notnull" json:"price_cents"`
	// Commune is the INSEE code of the listing's commune.
	Commune string `bun:"commune,notnull" json:"commune"`
	// TravelKm is how far the offerer travels.
	TravelKm int `bun:"travel_km,notnull" json:"travel_km"`
	// Availability holds the weekly slots as JSON.
	Availability     string `bun:"availability,notnull" json:"-"`
	AvailabilityNote string `bun:"availability_note,notnull" json:"availability_note"`
	// Status is one of the Status constants.
	Status string `bun:"status,notnull" json:"status"`
	// HiddenAt, HiddenBy and HiddenReason record moderation.
	HiddenAt     *time.Time `bun:"hidden_at" json:"hidden_at,omitempty"`
	HiddenBy     *string    `bun:"hidden_by" json:"-"`
	HiddenReason *string    `bun:"hidden_reason" json:"hidden_reason,omitempty"`
	PublishedAt  *time.Time `bun:"published_at" json:"published_at,omitempty"`
	ExpiresAt    *time.Time `bun:"expires_at" json:"expires_at,omitempty"`
	RemindedAt   *time.Time `bun:"reminded_at" json:"-"`
	ReportCount  int        `bun:"report_count,notnull" json:"-"`
	CreatedAt    time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// View is a listing as the API shows it: modes and slots as lists.
type View struct {
	*Listing
	Modes []string `json:"modes"`
	Slots []Slot   `json:"availability"`
	// Warnings are the plugin's remarks for the author (on writes only).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is a remark of the plugin on a listing.
type Warning struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en,omitempty"`
}

// view returns l as shown to its readers.
func view(l *Listing) *View {
	v := &View{Listing: l, Modes: splitModes(l.Modes), Slots: []Slot{}}
	_ = json.Unmarshal([]byte(l.Availability), &v.Slots) // written by this package
	return v
}

// report is one member's report of a listing.
type report struct {
	bun.BaseModel `bun:"table:listing_reports"`

	ListingID  string    `bun:"listing_id,pk"`
	ReporterID string    `bun:"reporter_id,pk"`
	Reason     string    `bun:"reason,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}
