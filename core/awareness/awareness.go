// Package awareness is what a territory's team uses to make Campagnon known
// (issue 8): the agenda of its awareness events (market stands, craftsmen's
// fairs, information meetings for businesses) kept by its admins and shown
// on its public page; the live figures and the QR code of its printed
// material (QRSVG); and the anonymised figures the local papers may quote
// (Anonymise), where a count of 1 or 2 is never shown.
//
// Every query is scoped to a territory: an event of another territory is
// not found, like an unknown one.
package awareness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/store"
)

// Kinds of events, as stored in awareness_events.kind.
const (
	KindMarketStand     = "market_stand"
	KindCraftFair       = "craft_fair"
	KindBusinessMeeting = "business_meeting"
	KindOther           = "other"
)

// Kinds lists every kind, in the order forms offer them.
var Kinds = []string{KindMarketStand, KindCraftFair, KindBusinessMeeting, KindOther}

// Bounds of the agenda.
const (
	// MaxUpcoming is the largest number of upcoming events a territory may
	// have at once, and of events one List returns.
	MaxUpcoming = 200
	// Retention is how long an event is kept after it ended; Purge deletes
	// older ones.
	Retention = 365 * 24 * time.Hour
)

// Event is one awareness event of a territory.
type Event struct {
	bun.BaseModel `bun:"table:awareness_events"`

	// ID is an opaque, time-ordered identifier (UUIDv7).
	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	// Kind is one of Kinds.
	Kind  string `bun:"kind,notnull" json:"kind"`
	Title string `bun:"title,notnull" json:"title"`
	// Commune is the INSEE code of one of the territory's communes;
	// Address says where in it, in words ("place de la mairie").
	Commune string `bun:"commune,notnull" json:"commune"`
	Address string `bun:"address,notnull" json:"address"`
	// StartsAt and EndsAt bound the event, in UTC.
	StartsAt    time.Time `bun:"starts_at,notnull" json:"starts_at"`
	EndsAt      time.Time `bun:"ends_at,notnull" json:"ends_at"`
	Description string    `bun:"description,notnull" json:"description"`
	// CreatedBy is the admin who created the event (account ID).
	CreatedBy string    `bun:"created_by,notnull" json:"-"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// Service keeps the territories' agendas and counts their listings. It is
// safe for concurrent use.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService returns a Service on s.
func NewService(s *store.Store) *Service { return &Service{store: s, now: time.Now} }

// WithClock returns a copy of s whose notion of now is now() (for tests).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var errNotFound = apperr.New(apperr.KindNotFound, "event_not_found",
	"Événement introuvable dans l'agenda de ce territoire : il a peut-être été supprimé.",
	"No such event in this territory's agenda: it may have been deleted.")

// Create adds an event to the agenda of territoryID, created by actor
// (an account ID). The input is validated (Input.check) and its commune
// must be one of the territory's; a territory holds at most MaxUpcoming
// upcoming events.
func (s *Service) Create(ctx context.Context, territoryID, actor string, in Input) (*Event, error) {
	now := s.clock()
	if err := in.check(now, true); err != nil {
		return nil, err
	}
	e := &Event{ID: uuid.Must(uuid.NewV7()).String(), TerritoryID: territoryID, Kind: in.Kind, Title: in.Title,
		Commune: in.Commune, Address: in.Address, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(),
		Description: in.Description, CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCommune(ctx, tx, territoryID, in.Commune); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*Event)(nil)).Where("territory_id = ?", territoryID).Where("ends_at >= ?", now).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxUpcoming {
			return apperr.New(apperr.KindTooLarge, "agenda_full",
				fmt.Sprintf("L'agenda compte déjà %d événements à venir, le maximum : supprimez-en avant d'en ajouter.", MaxUpcoming),
				fmt.Sprintf("The agenda already holds %d upcoming events, the maximum: delete some before adding more.", MaxUpcoming))
		}
		_, err = tx.NewInsert().Model(e).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, wrap(err, "create an event in territory %s", territoryID)
	}
	return e, nil
}

// Update replaces the fields of event id of territoryID with in. An event
// that has ended may be corrected. Two admins editing the same event at
// once: the last one sent wins, as on a paper agenda.
func (s *Service) Update(ctx context.Context, territoryID, id string, in Input) (*Event, error) {
	now := s.clock()
	if err := in.check(now, false); err != nil {
		return nil, err
	}
	e := new(Event)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(e).Where("id = ?", id).Where("territory_id = ?", territoryID).Scan(ctx); err != nil {
			return err
		}
		if err := checkCommune(ctx, tx, territoryID, in.Commune); err != nil {
			return err
		}
		e.Kind, e.Title, e.Commune, e.Address, e.Description = in.Kind, in.Title, in.Commune, in.Address, in.Description
		e.StartsAt, e.EndsAt, e.UpdatedAt = in.StartsAt.UTC(), in.EndsAt.UTC(), now
		_, err := tx.NewUpdate().Model(e).WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, wrap(err, "update event %s", id)
	}
	return e, nil
}

// Delete removes event id of territoryID.
func (s *Service) Delete(ctx context.Context, territoryID, id string) error {
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Event)(nil)).Where("id = ?", id).Where("territory_id = ?", territoryID).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			return errNotFound
		}
		return err
	})
	return wrap(err, "delete event %s", id)
}

// Get returns event id of territoryID.
func (s *Service) Get(ctx context.Context, territoryID, id string) (*Event, error) {
	e := new(Event)
	err := s.store.DB().NewSelect().Model(e).Where("id = ?", id).Where("territory_id = ?", territoryID).Scan(ctx)
	if err != nil {
		return nil, wrap(err, "read event %s", id)
	}
	return e, nil
}

// Upcoming returns up to limit (1 to MaxUpcoming) events of territoryID
// that have not ended yet, soonest first: the public agenda, and the next
// few on the territory's page.
func (s *Service) Upcoming(ctx context.Context, territoryID string, limit int) ([]Event, error) {
	if limit < 1 || limit > MaxUpcoming {
		limit = MaxUpcoming
	}
	out := []Event{}
	err := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", territoryID).Where("ends_at >= ?", s.clock()).
		OrderExpr("starts_at, id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("awareness: upcoming events of territory %s: %w", territoryID, err)
	}
	return out, nil
}

// Past returns up to limit (1 to MaxUpcoming) events of territoryID that
// have ended, most recent first, for the admins' record.
func (s *Service) Past(ctx context.Context, territoryID string, limit int) ([]Event, error) {
	if limit < 1 || limit > MaxUpcoming {
		limit = MaxUpcoming
	}
	out := []Event{}
	err := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", territoryID).Where("ends_at < ?", s.clock()).
		OrderExpr("starts_at DESC, id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("awareness: past events of territory %s: %w", territoryID, err)
	}
	return out, nil
}

// Purge deletes the events that ended more than Retention ago, and
// returns how many. Run it from the periodic retention job; it is
// idempotent.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Event)(nil)).Where("ends_at < ?", s.clock().Add(-Retention)).Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("awareness: purge past events: %w", err)
	}
	return n, nil
}

// Export returns the events accountID created, read from db: the privacy
// export's section. Erasure keeps them (they are the territory's public
// agenda; created_by is an account ID, pseudonymous once the account is
// erased).
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	out := []Event{}
	if err := db.NewSelect().Model(&out).Where("created_by = ?", accountID).OrderExpr("starts_at DESC").Limit(MaxUpcoming * 10).Scan(ctx); err != nil {
		return nil, fmt.Errorf("awareness: export the events of %s: %w", accountID, err)
	}
	return out, nil
}

// checkCommune refuses a commune that is not the territory's.
func checkCommune(ctx context.Context, tx bun.Tx, territoryID, insee string) error {
	n, err := tx.NewSelect().TableExpr("territory_communes").Where("territory_id = ?", territoryID).Where("insee = ?", insee).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.KindInvalid, "event_invalid",
			"Événement à corriger : la commune doit être l'une de celles du territoire.",
			"Event to fix: the commune must be one of the territory's.")
	}
	return nil
}

// wrap gives err its context, keeps apperr errors as they are and turns a
// missing row into errNotFound.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	return fmt.Errorf("awareness: "+format+": %w", append(args, err)...)
}
