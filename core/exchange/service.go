package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Quoter prices a service with the territory's plugin (core/rules).
type Quoter interface {
	ComputeQuote(ctx context.Context, slug string, in rules.QuoteInput) (*rules.QuoteResult, error)
}

// Settler settles a confirmed exchange in the confirming transaction: a
// time-credit transfer, a CESU record. An error undoes the confirmation.
// part is "" for a one-off exchange, the month ("2026-11") of a recurring
// agreement, whose x then carries that month's amounts.
type Settler interface {
	SettleTx(ctx context.Context, tx bun.Tx, x *Exchange, part string) error
}

// Service runs exchanges.
type Service struct {
	store   *store.Store
	quoter  Quoter
	settler Settler
	now     func() time.Time
}

// NewService returns a Service; settler may be nil (nothing to settle),
// now may be nil (the clock).
func NewService(s *store.Store, q Quoter, settler Settler, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, quoter: q, settler: settler, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var errNotFound = apperr.New(apperr.KindNotFound, "exchange_not_found",
	"Échange introuvable parmi les vôtres sur ce territoire.", "No such exchange among yours in this territory.")

// Caller is who acts: their account, whether they administer the
// territory, and the mediator acting for them, if any.
type Caller struct {
	AccountID string
	// Commune is the caller's commune of residence (INSEE).
	Commune string
	Admin   bool
	// MediatorID is the mediator acting for AccountID, "" when none.
	MediatorID string
}

// RequestInput is the body of a new exchange.
type RequestInput struct {
	ListingID string `json:"listing_id"`
	Mode      string `json:"mode"`
	// Minutes is one occurrence's duration; Occurrences how many (1 by default).
	Minutes     int `json:"minutes"`
	Occurrences int `json:"occurrences"`
	// HourlyCents is the proposed hourly amount (the CESU net wage, a
	// professional's rate); 0 means the plugin's grid.
	HourlyCents int64 `json:"hourly_cents"`
	// Recurrence is "" (one-off) or "weekly": an agreement whose
	// Occurrences are the sessions of a month, recorded and settled month
	// by month.
	Recurrence string `json:"recurrence"`
}

// Bounds of a request.
const (
	maxMinutes     = 12 * 60
	maxOccurrences = 53
	// maxSessionsPerMonth bounds the sessions of a month of a recurring agreement.
	maxSessionsPerMonth = 31
	maxNote             = 1000
)

// Request starts an exchange from listing in t: the seeker asks for an
// offer, or a provider answers a need. providerSAP says whether the
// provider (the offer's owner, or the caller answering a need) is a
// professional declared for services à la personne: the caller knows the
// accounts. The plugin prices it first (a mode or an amount it refuses is
// refused now, with its rule); the price is computed again and frozen at
// acceptance.
func (s *Service) Request(ctx context.Context, t *territory.Territory, l *listing.Listing, c Caller, in RequestInput, providerSAP bool) (*Exchange, error) {
	if l.TerritoryID != t.ID || !l.Visible() {
		return nil, apperr.New(apperr.KindNotFound, "listing_not_found",
			"Annonce introuvable sur ce territoire (elle a peut-être été retirée).", "No such listing in this territory (it may have been withdrawn).")
	}
	if l.OwnerID == c.AccountID {
		return nil, apperr.New(apperr.KindInvalid, "exchange_own_listing",
			"C'est votre propre annonce : un échange se fait avec un autre membre.", "This is your own listing: an exchange is with another member.")
	}
	if in.Occurrences == 0 {
		in.Occurrences = 1
	}
	var fr, en []string
	if !slices.Contains(strings.Split(l.Modes, ","), in.Mode) {
		fr = append(fr, fmt.Sprintf("le mode %q n'est pas accepté par cette annonce (modes : %s)", in.Mode, strings.ReplaceAll(l.Modes, ",", ", ")))
		en = append(en, fmt.Sprintf("mode %q is not accepted by this listing (modes: %s)", in.Mode, strings.ReplaceAll(l.Modes, ",", ", ")))
	}
	if in.Minutes < 1 || in.Minutes > maxMinutes {
		fr, en = append(fr, "la durée va de 1 minute à 12 heures"), append(en, "the duration is 1 minute to 12 hours")
	}
	switch {
	case in.Recurrence != "" && in.Recurrence != RecurrenceWeekly:
		fr, en = append(fr, `la récurrence est "" (une fois) ou "weekly" (chaque semaine)`), append(en, `recurrence is "" (once) or "weekly"`)
	case in.Recurrence == RecurrenceWeekly && (in.Occurrences < 1 || in.Occurrences > maxSessionsPerMonth):
		fr, en = append(fr, "un accord régulier compte de 1 à 31 séances par mois"), append(en, "a recurring agreement has 1 to 31 sessions a month")
	case in.Occurrences < 1 || in.Occurrences > maxOccurrences:
		fr, en = append(fr, "le nombre de séances va de 1 à 53"), append(en, "occurrences are 1 to 53")
	}
	if in.HourlyCents < 0 || in.HourlyCents > 100_000 {
		fr, en = append(fr, "le montant horaire va de 0 à 1 000 €"), append(en, "the hourly amount is €0 to €1,000")
	}
	if len(fr) > 0 {
		return nil, apperr.New(apperr.KindInvalid, "exchange_invalid", "Demande à corriger : "+strings.Join(fr, " ; ")+".", "Request to fix: "+strings.Join(en, "; ")+".")
	}
	now := s.clock()
	x := &Exchange{ID: uuid.Must(uuid.NewV7()).String(), TerritoryID: t.ID, ListingID: l.ID, Category: l.Category,
		Modality: l.Modality, Mode: in.Mode, Minutes: in.Minutes, Occurrences: in.Occurrences, HourlyCents: in.HourlyCents,
		ProviderSAP: providerSAP, Recurrence: in.Recurrence, State: Requested, Version: 1, CreatedAt: now, UpdatedAt: now}
	if l.Kind == abi.ListingOffer {
		x.SeekerID, x.ProviderID, x.Initiator = c.AccountID, l.OwnerID, Seeker
		x.FromCommune, x.ToCommune = l.Commune, c.Commune
	} else {
		x.SeekerID, x.ProviderID, x.Initiator = l.OwnerID, c.AccountID, Provider
		x.FromCommune, x.ToCommune = c.Commune, l.Commune
	}
	// A dry run of the price: the plugin's refusal, with its rule, now.
	if _, err := s.quoter.ComputeQuote(ctx, t.Slug, s.quoteInput(x, l)); err != nil {
		return nil, err
	}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(x).Exec(ctx); err != nil {
			return err
		}
		return s.record(ctx, tx, x, "request", "", Requested, c, x.Initiator, "")
	})
	if err != nil {
		return nil, fmt.Errorf("exchange: request: %w", err)
	}
	return x, nil
}

func (s *Service) quoteInput(x *Exchange, l *listing.Listing) rules.QuoteInput {
	return rules.QuoteInput{Category: x.Category, Modality: x.Modality, Mode: x.Mode, Minutes: x.Minutes,
		FromCommune: x.FromCommune, ToCommune: x.ToCommune, Occurrences: x.Occurrences, HourlyCents: x.HourlyCents,
		ProviderSAP: x.ProviderSAP}
}

// record writes an event row.
func (s *Service) record(ctx context.Context, tx bun.Tx, x *Exchange, ev Event, from, to State, c Caller, role Actor, note string) error {
	e := &EventRow{ID: uuid.Must(uuid.NewV7()).String(), ExchangeID: x.ID, Event: ev, From: from, To: to,
		ActorID: c.AccountID, ActorRole: role, Note: note, At: s.clock()}
	if c.MediatorID != "" {
		e.MediatorID = &c.MediatorID
	}
	if role == System {
		e.ActorID = "system"
	}
	_, err := tx.NewInsert().Model(e).Exec(ctx)
	return err
}

// TransitionInput carries what some events need.
type TransitionInput struct {
	// ScheduledAt is the date of the service (Schedule).
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	// Rating (1 to 5) and Comment are the review (Review).
	Rating  int    `json:"rating,omitempty"`
	Comment string `json:"comment,omitempty"`
	// Note explains a cancellation, a dispute or a resolution.
	Note string `json:"note,omitempty"`
}

// Transition applies ev to exchange id of t by caller c, with its input.
// It is exclusive: of two concurrent transitions from the same version,
// one wins and the other gets a Conflict to retry on the new state.
func (s *Service) Transition(ctx context.Context, t *territory.Territory, c Caller, id string, ev Event, in TransitionInput) (*Exchange, error) {
	if ev == Expire || ev == AutoConfirm || ev == CloseReviews {
		return nil, apperr.New(apperr.KindForbidden, "exchange_actor", "Cette action est faite par la plateforme, à échéance.", "The platform does this, when its time comes.")
	}
	in.Note, in.Comment = strings.TrimSpace(in.Note), strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Note) > maxNote || utf8.RuneCountInString(in.Comment) > maxNote {
		return nil, apperr.New(apperr.KindInvalid, "exchange_note", "Texte trop long : 1 000 caractères au plus.", "Text too long: at most 1,000 characters.")
	}
	x, err := s.load(ctx, s.store.DB(), t, id)
	if err != nil {
		return nil, err
	}
	actor := x.Party(c.AccountID)
	if actor == "" {
		if !c.Admin {
			return nil, errNotFound
		}
		actor = Admin
	}
	if ev == Resolve && c.Admin {
		actor = Admin
	}
	to, err := Next(x, ev, actor)
	if err != nil {
		return nil, err
	}
	if err := checkInput(x, ev, in, s.clock()); err != nil {
		return nil, err
	}
	var quote *rules.QuoteResult
	if ev == Accept {
		l := new(listing.Listing)
		if err := s.store.DB().NewSelect().Model(l).Where("id = ?", x.ListingID).Scan(ctx); err != nil {
			return nil, fmt.Errorf("exchange: read listing: %w", err)
		}
		if quote, err = s.quoter.ComputeQuote(ctx, t.Slug, s.quoteInput(x, l)); err != nil {
			return nil, err
		}
	}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.apply(ctx, tx, x, ev, actor, to, c, in, quote)
	})
	if err != nil {
		if apperr.As(err).Kind != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("exchange: %s %s: %w", ev, id, err)
	}
	return x, nil
}

// checkInput checks what an event needs.
func checkInput(x *Exchange, ev Event, in TransitionInput, now time.Time) error {
	switch ev {
	case Schedule:
		// A service already done may be recorded afterwards (up to 90 days).
		if in.ScheduledAt == nil || in.ScheduledAt.Before(now.Add(-90*24*time.Hour)) || in.ScheduledAt.After(now.Add(366*24*time.Hour)) {
			return apperr.New(apperr.KindInvalid, "exchange_schedule",
				"Indiquez la date du service (scheduled_at), entre les 90 derniers jours et l'année qui vient.",
				"Give the service's date (scheduled_at), from 90 days ago to a year ahead.")
		}
	case Review:
		if in.Rating < 1 || in.Rating > 5 {
			return apperr.New(apperr.KindInvalid, "review_rating", "La note va de 1 à 5 étoiles.", "The rating is 1 to 5 stars.")
		}
	case Dispute, Resolve:
		if utf8.RuneCountInString(in.Note) < 3 {
			return apperr.New(apperr.KindInvalid, "exchange_note_required", "Expliquez en quelques mots (champ note).", "Explain in a few words (the note field).")
		}
	}
	return nil
}

// apply performs a checked transition in tx, guarded by the version read:
// if another transition committed since, nothing is written and the caller
// gets a Conflict.
func (s *Service) apply(ctx context.Context, tx bun.Tx, x *Exchange, ev Event, actor Actor, to State, c Caller, in TransitionInput, quote *rules.QuoteResult) error {
	now := s.clock()
	from, version := x.State, x.Version
	switch ev {
	case Accept:
		if err := rules.StoreQuoteTx(ctx, tx, quote.Record); err != nil {
			return err
		}
		x.QuoteID = &quote.Record.ID
		x.TotalCents, x.PayableCents, x.TimeCreditMinutes = quote.Quote.TotalCents, quote.Quote.PayableCents, quote.Quote.TimeCreditMinutes
		x.TaxCreditEligibleCents, x.TaxCreditBucket = quote.Quote.TaxCreditEligibleCents, quote.Quote.TaxCreditBucket
	case Schedule:
		at := in.ScheduledAt.UTC().Truncate(time.Microsecond)
		x.ScheduledAt = &at
	case Complete:
		x.DoneAt = &now
	case Confirm, AutoConfirm:
		if actor == Seeker {
			x.SeekerConfirmed = &now
		} else if actor == Provider {
			x.ProviderConfirmed = &now
		}
		if to == Confirmed {
			x.ConfirmedAt = &now
		}
	case Review:
		subject := x.ProviderID
		if actor == Provider {
			x.ProviderReviewed, subject = &now, x.SeekerID
		} else {
			x.SeekerReviewed = &now
		}
		r := &ReviewRow{ExchangeID: x.ID, AuthorID: c.AccountID, SubjectID: subject, TerritoryID: x.TerritoryID,
			Rating: in.Rating, Comment: in.Comment, CreatedAt: now}
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
	}
	if to == Reviewed {
		// Both reviews, or the window closed: publish what was written.
		if _, err := tx.NewUpdate().Model((*ReviewRow)(nil)).Set("published_at = ?", now).
			Where("exchange_id = ?", x.ID).Where("published_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		// The parties' ratings changed: so did their listings' documents.
		var ids []string
		if err := tx.NewSelect().TableExpr("listings").Column("id").Where("owner_id IN (?)", bun.In([]string{x.SeekerID, x.ProviderID})).
			Scan(ctx, &ids); err != nil {
			return err
		}
		if err := search.EnqueueTx(ctx, tx, ids...); err != nil {
			return err
		}
	}
	x.State, x.Version, x.UpdatedAt = to, version+1, now
	res, err := tx.NewUpdate().Model(x).WherePK().Where("version = ?", version).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		x.State, x.Version = from, version
		return apperr.New(apperr.KindConflict, "exchange_changed",
			"L'échange vient d'être modifié par l'autre partie : rechargez-le pour voir son nouvel état.",
			"The exchange was just changed by the other party: reload it to see its new state.")
	}
	if to == Confirmed && from != Confirmed && s.settler != nil && x.Recurrence == "" {
		if err := s.settler.SettleTx(ctx, tx, x, ""); err != nil {
			return err
		}
	}
	return s.record(ctx, tx, x, ev, from, to, c, actor, in.Note)
}

// ReviewRow is one party's review of the other.
type ReviewRow struct {
	bun.BaseModel `bun:"table:reviews"`

	ExchangeID  string     `bun:"exchange_id,pk" json:"exchange_id"`
	AuthorID    string     `bun:"author_id,pk" json:"author_id"`
	SubjectID   string     `bun:"subject_id,notnull" json:"subject_id"`
	TerritoryID string     `bun:"territory_id,notnull" json:"-"`
	Rating      int        `bun:"rating,notnull" json:"rating"`
	Comment     string     `bun:"comment,notnull" json:"comment"`
	CreatedAt   time.Time  `bun:"created_at,notnull" json:"created_at"`
	PublishedAt *time.Time `bun:"published_at" json:"published_at,omitempty"`
	ReportCount int        `bun:"report_count,notnull" json:"-"`
	// HiddenAt is set when a territory admin hid the review.
	HiddenAt *time.Time `bun:"hidden_at" json:"-"`
}

// load reads exchange id of t.
func (s *Service) load(ctx context.Context, db bun.IDB, t *territory.Territory, id string) (*Exchange, error) {
	x := new(Exchange)
	err := db.NewSelect().Model(x).Where("id = ?", id).Where("territory_id = ?", t.ID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("exchange: read %s: %w", id, err)
	}
	return x, nil
}
