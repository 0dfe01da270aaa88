// Package notify sends the notifications that keep a pilot alive (issue 8):
// the weekly digest of the new offers and needs near each member (Digest,
// which members switch off on /mon-compte/notifications), and the alert to
// a territory's mediators and admins about needs left without any request
// (Unanswered). Both go through the outbox (core/account) in the same
// transaction as the row that makes them idempotent: a digest is sent once
// per member and ISO week, an alert once per need, however often and on
// however many replicas the jobs run.
//
// The reminders before a listing expires are not here: core/listing's
// Sweep sends them, once per listing.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/store"
)

// Notifier sends a member an email through the outbox in the caller's
// transaction (core/account's NotifyTx); an erased account gets nothing.
type Notifier interface {
	NotifyTx(ctx context.Context, tx bun.Tx, accountID, subject, body string) error
}

// Staff tells who holds which role in a territory (core/authz's Enforcer).
type Staff interface {
	Assignments(territory string) ([]authz.Assignment, error)
}

// DefaultRadiusKm is how far from a member's commune the digest looks.
const DefaultRadiusKm = 15

// Options configure a Service.
type Options struct {
	// BaseURL is the site's public address, for the emails' links.
	BaseURL string
	// RadiusKm is the digest's radius (DefaultRadiusKm when zero).
	RadiusKm float64
}

// Service sends the digests and alerts, and keeps the members' settings.
// It is safe for concurrent use.
type Service struct {
	store  *store.Store
	ref    *referential.Referential
	notify Notifier
	staff  Staff
	base   string
	radius float64
}

// NewService returns a Service writing to s's outbox through n, naming
// communes and measuring distances with ref, finding mediators and admins
// with staff.
func NewService(s *store.Store, ref *referential.Referential, n Notifier, staff Staff, o Options) *Service {
	if o.RadiusKm <= 0 {
		o.RadiusKm = DefaultRadiusKm
	}
	return &Service{store: s, ref: ref, notify: n, staff: staff, base: strings.TrimRight(o.BaseURL, "/"), radius: o.RadiusKm}
}

// settingsRow is a member's notification settings; no row means the
// defaults.
type settingsRow struct {
	bun.BaseModel `bun:"table:notify_settings"`

	AccountID string    `bun:"account_id,pk"`
	Digest    bool      `bun:"digest,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Settings are a member's choices about notifications.
type Settings struct {
	// Digest is whether the weekly digest is sent (on by default).
	Digest bool `json:"digest"`
	// UpdatedAt is when the member last changed them, nil if never.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Settings returns accountID's settings.
func (s *Service) Settings(ctx context.Context, accountID string) (Settings, error) {
	r := new(settingsRow)
	err := s.store.DB().NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{Digest: true}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("notify: settings of %s: %w", accountID, err)
	}
	return Settings{Digest: r.Digest, UpdatedAt: &r.UpdatedAt}, nil
}

// SetDigest switches accountID's weekly digest on or off, as of now.
func (s *Service) SetDigest(ctx context.Context, accountID string, on bool, now time.Time) error {
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&settingsRow{AccountID: accountID, Digest: on, UpdatedAt: now.UTC().Truncate(time.Microsecond)}).
			On("CONFLICT (account_id) DO UPDATE").Set("digest = EXCLUDED.digest").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: set the digest of %s: %w", accountID, err)
	}
	return nil
}

// digestRow records a digest sent; its key makes Digest idempotent.
type digestRow struct {
	bun.BaseModel `bun:"table:notify_digests"`

	AccountID string    `bun:"account_id,pk" json:"-"`
	Week      string    `bun:"week,pk" json:"week"`
	Listings  int       `bun:"listings,notnull" json:"listings"`
	SentAt    time.Time `bun:"sent_at,notnull" json:"sent_at"`
}

// alertRow records an alert sent about a listing; its key makes
// Unanswered idempotent.
type alertRow struct {
	bun.BaseModel `bun:"table:notify_alerts"`

	ListingID  string    `bun:"listing_id,pk"`
	Kind       string    `bun:"kind,pk"`
	Recipients int       `bun:"recipients,notnull"`
	SentAt     time.Time `bun:"sent_at,notnull"`
}

// AlertUnanswered is the kind of the alert about a need without request.
const AlertUnanswered = "unanswered"

// Export returns accountID's settings and the digests sent to them, read
// from db: the privacy export's section.
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	out := struct {
		Settings Settings    `json:"settings"`
		Digests  []digestRow `json:"digests"`
	}{Settings: Settings{Digest: true}, Digests: []digestRow{}}
	r := new(settingsRow)
	err := db.NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx)
	switch {
	case err == nil:
		out.Settings = Settings{Digest: r.Digest, UpdatedAt: &r.UpdatedAt}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("notify: export the settings of %s: %w", accountID, err)
	}
	if err := db.NewSelect().Model(&out.Digests).Where("account_id = ?", accountID).OrderExpr("week DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("notify: export the digests of %s: %w", accountID, err)
	}
	return out, nil
}

// Erase deletes accountID's settings and the record of their digests, in
// tx: the privacy erasure's section.
func (s *Service) Erase(ctx context.Context, tx bun.Tx, accountID string, _ time.Time) error {
	if _, err := tx.NewDelete().Model((*settingsRow)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("notify: erase the settings of %s: %w", accountID, err)
	}
	if _, err := tx.NewDelete().Model((*digestRow)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("notify: erase the digests of %s: %w", accountID, err)
	}
	return nil
}

// territoryRow is an open territory.
type territoryRow struct {
	ID   string `bun:"id"`
	Slug string `bun:"slug"`
	Name string `bun:"name"`
}

// maxTerritories bounds the territories one run goes through (France has
// about 1,250 EPCI).
const maxTerritories = 5000

// territories returns the open territories, by ID.
func (s *Service) territories(ctx context.Context) ([]territoryRow, error) {
	var ts []territoryRow
	err := s.store.DB().NewSelect().TableExpr("territories").ColumnExpr("id, slug, name").Where("status = 'active'").
		OrderExpr("id").Limit(maxTerritories).Scan(ctx, &ts)
	if err != nil {
		return nil, fmt.Errorf("notify: list the territories: %w", err)
	}
	return ts, nil
}

// communeName names insee from the referential (its code if unknown).
func (s *Service) communeName(insee string) string {
	if c, ok := s.ref.Commune(insee); ok {
		return c.Name
	}
	return insee
}

// paris is the zone of the weeks and of the dates in emails.
var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("notify: Europe/Paris is missing although time/tzdata is embedded: " + err.Error())
	}
	return l
}()

// frDate writes t as a French date.
func frDate(t time.Time) string { return t.In(paris).Format("02/01/2006") }
