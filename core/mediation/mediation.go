// Package mediation lets a mediator — a mairie, a France Services counter,
// a CCAS — act for a resident who is not at ease online, openly and with
// their consent. The consent is recorded with who gave it to whom, when,
// for what (its scope: which kinds of objects) and how (on paper, by phone,
// in person); it expires and the resident can revoke it at any time. Every
// action taken under it is recorded before it runs, as "done by X for Y",
// and the resident sees the list.
//
// The package stores account and territory IDs only, no names or contact
// details: erasing an account leaves these records pseudonymous.
package mediation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/store"
)

// How a consent was given.
const (
	MethodPaper    = "paper"
	MethodPhone    = "phone"
	MethodInPerson = "in_person"
)

// Methods lists the accepted ways of giving consent.
var Methods = []string{MethodPaper, MethodPhone, MethodInPerson}

// Scopes lists what a consent may cover: the authorization objects
// (core/authz) a mediator may act on for the resident.
var Scopes = []string{"listing", "exchange", "message", "review", "rules"}

// Limits of a consent.
const (
	// MaxConsentTTL is the longest life of a consent; the default too.
	MaxConsentTTL = 365 * 24 * time.Hour
	// maxBackdate bounds how far in the past a consent may say it was given
	// (a paper form brought in later).
	maxBackdate = 90 * 24 * time.Hour
	// maxList bounds the rows a listing returns.
	maxList = 500
)

// Consent is one resident's recorded consent to one mediator.
type Consent struct {
	bun.BaseModel `bun:"table:mediation_consents"`

	// ID identifies the consent.
	ID string `bun:"id,pk" json:"id"`
	// TerritoryID is the territory both belong to.
	TerritoryID string `bun:"territory_id,notnull" json:"territory_id"`
	// ResidentID gave the consent; MediatorID received it.
	ResidentID string `bun:"resident_id,notnull" json:"resident_id"`
	MediatorID string `bun:"mediator_id,notnull" json:"mediator_id"`
	// Scope lists the objects covered, comma-separated in the database.
	Scope string `bun:"scope,notnull" json:"scope"`
	// Method says how the consent was given (Methods).
	Method string `bun:"method,notnull" json:"method"`
	// GivenAt is when the resident gave it; RecordedAt when it was recorded.
	GivenAt    time.Time `bun:"given_at,notnull" json:"given_at"`
	RecordedAt time.Time `bun:"recorded_at,notnull" json:"recorded_at"`
	// ExpiresAt ends the consent.
	ExpiresAt time.Time `bun:"expires_at,notnull" json:"expires_at"`
	// RevokedAt and RevokedBy say when and by whom it was revoked.
	RevokedAt *time.Time `bun:"revoked_at" json:"revoked_at,omitempty"`
	RevokedBy *string    `bun:"revoked_by" json:"revoked_by,omitempty"`
}

// Covers reports whether the consent covers obj.
func (c *Consent) Covers(obj string) bool {
	return slices.Contains(strings.Split(c.Scope, ","), obj)
}

// Active reports whether the consent is in force at now.
func (c *Consent) Active(now time.Time) bool {
	return c.RevokedAt == nil && now.Before(c.ExpiresAt)
}

// Action is one action a mediator took for a resident.
type Action struct {
	bun.BaseModel `bun:"table:mediation_actions"`

	// ID identifies the record.
	ID string `bun:"id,pk" json:"id"`
	// ConsentID is the consent the action was taken under.
	ConsentID   string `bun:"consent_id,notnull" json:"consent_id"`
	TerritoryID string `bun:"territory_id,notnull" json:"territory_id"`
	// ResidentID is who it was done for; MediatorID who did it.
	ResidentID string `bun:"resident_id,notnull" json:"resident_id"`
	MediatorID string `bun:"mediator_id,notnull" json:"mediator_id"`
	// Object and Action are the right used, such as (rules, quote).
	Object string `bun:"object,notnull" json:"object"`
	Action string `bun:"action,notnull" json:"action"`
	// Route is the request, as "POST /api/v1/t/:territory/quotes".
	Route string `bun:"route,notnull" json:"route"`
	// Status is the answer's HTTP status; 0 while the action runs (or when
	// the process stopped before it answered).
	Status int `bun:"status,notnull" json:"status"`
	// At is when the action started.
	At time.Time `bun:"at,notnull" json:"at"`
}

// Service records consents and the actions taken under them.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService returns a Service over s; now may be nil (the clock).
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// ConsentInput is what a mediator records.
type ConsentInput struct {
	// ResidentID is the resident's account (found by the mediator).
	ResidentID string `json:"resident_id"`
	// Scope lists the objects the consent covers (Scopes).
	Scope []string `json:"scope"`
	// Method is how it was given (Methods).
	Method string `json:"method"`
	// GivenAt is when it was given; zero means now.
	GivenAt time.Time `json:"given_at"`
	// Days is how long it lasts, 1 to 365; zero means 365.
	Days int `json:"days"`
}

// Member is what the caller knows of an account for RecordConsent: the
// service checks membership through it, so that the package needs no
// dependency on core/account.
type Member struct {
	// ID is the account ID.
	ID string
	// TerritoryID is the territory of the account's commune.
	TerritoryID string
	// Usable is false for an unverified or erased account.
	Usable bool
}

func invalid(code, fr, en string) error { return apperr.New(apperr.KindInvalid, code, fr, en) }

// RecordConsent records the consent resident gave mediator in territoryID.
// The resident must be a usable account of that territory, and not the
// mediator. Every problem is reported in French and English.
func (s *Service) RecordConsent(ctx context.Context, territoryID, mediatorID string, resident Member, in ConsentInput) (*Consent, error) {
	now := s.clock()
	switch {
	case resident.ID == "" || !resident.Usable || resident.TerritoryID != territoryID:
		return nil, apperr.New(apperr.KindNotFound, "resident_not_found",
			"Habitant introuvable sur ce territoire : vérifiez l'identifiant (son compte doit être vérifié et rattaché à une commune du territoire).",
			"No such resident in this territory: check the ID (the account must be verified and belong to a commune of the territory).")
	case resident.ID == mediatorID:
		return nil, invalid("consent_self", "Un médiateur ne peut pas enregistrer un consentement pour lui-même.",
			"A mediator cannot record a consent for themselves.")
	case !slices.Contains(Methods, in.Method):
		return nil, invalid("consent_method", "Indiquez comment le consentement a été donné : paper (papier signé), phone (téléphone) ou in_person (en personne).",
			"Say how the consent was given: paper, phone or in_person.")
	case len(in.Scope) == 0 || len(in.Scope) > len(Scopes):
		return nil, invalid("consent_scope", "Indiquez ce que couvre le consentement, parmi : "+strings.Join(Scopes, ", ")+".",
			"Say what the consent covers, among: "+strings.Join(Scopes, ", ")+".")
	case in.Days < 0 || in.Days > int(MaxConsentTTL/(24*time.Hour)):
		return nil, invalid("consent_days", "La durée du consentement va de 1 à 365 jours.", "A consent lasts 1 to 365 days.")
	}
	for _, sc := range in.Scope {
		if !slices.Contains(Scopes, sc) {
			return nil, invalid("consent_scope", fmt.Sprintf("%q n'est pas un domaine possible ; choisissez parmi : %s.", sc, strings.Join(Scopes, ", ")),
				fmt.Sprintf("%q is not a possible scope; choose among: %s.", sc, strings.Join(Scopes, ", ")))
		}
	}
	given := in.GivenAt.UTC().Truncate(time.Microsecond)
	if in.GivenAt.IsZero() {
		given = now
	}
	if given.After(now.Add(time.Minute)) || given.Before(now.Add(-maxBackdate)) {
		return nil, invalid("consent_given_at", "La date du consentement ne peut être ni future ni antérieure de plus de 90 jours.",
			"The consent's date can be neither in the future nor more than 90 days ago.")
	}
	ttl := MaxConsentTTL
	if in.Days > 0 {
		ttl = time.Duration(in.Days) * 24 * time.Hour
	}
	scope := slices.Clone(in.Scope)
	slices.Sort(scope)
	c := &Consent{ID: newID(), TerritoryID: territoryID, ResidentID: resident.ID, MediatorID: mediatorID,
		Scope: strings.Join(slices.Compact(scope), ","), Method: in.Method, GivenAt: given, RecordedAt: now, ExpiresAt: given.Add(ttl)}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(c).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mediation: record consent: %w", err)
	}
	return c, nil
}

// errNoConsent is the answer when a mediator has no consent in force.
func errNoConsent(obj string) error {
	return apperr.New(apperr.KindForbidden, "no_consent",
		fmt.Sprintf("Aucun consentement en vigueur de cet habitant ne vous permet d'agir pour lui sur « %s » : enregistrez son consentement (papier, téléphone ou en personne) avant d'agir.", obj),
		fmt.Sprintf("No consent in force from this resident lets you act for them on %q: record their consent (paper, phone or in person) first.", obj))
}

// Begin records that mediator is about to do (obj, act) for resident in
// territoryID through route, under a consent in force that covers obj, and
// returns the record's ID for Finish. Without such a consent it fails with
// a 403 that says what to do. The record is written before the action runs,
// so that no action goes unrecorded.
func (s *Service) Begin(ctx context.Context, territoryID, mediatorID, residentID, obj, act, route string) (string, error) {
	now := s.clock()
	var cs []Consent
	err := s.store.DB().NewSelect().Model(&cs).
		Where("mediator_id = ?", mediatorID).Where("resident_id = ?", residentID).Where("territory_id = ?", territoryID).
		Where("revoked_at IS NULL").Where("expires_at > ?", now).OrderExpr("recorded_at DESC").Limit(int64(maxList)).Scan(ctx)
	if err != nil {
		return "", fmt.Errorf("mediation: read consents: %w", err)
	}
	i := slices.IndexFunc(cs, func(c Consent) bool { return c.Covers(obj) })
	if i < 0 {
		return "", errNoConsent(obj)
	}
	a := &Action{ID: newID(), ConsentID: cs[i].ID, TerritoryID: territoryID, ResidentID: residentID, MediatorID: mediatorID,
		Object: obj, Action: act, Route: route, At: now}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Revoked in between? The record and the check are one transaction.
		ok, err := tx.NewSelect().Model((*Consent)(nil)).Where("id = ?", cs[i].ID).Where("revoked_at IS NULL").Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errNoConsent(obj)
		}
		_, err = tx.NewInsert().Model(a).Exec(ctx)
		return err
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.KindForbidden {
			return "", err
		}
		return "", fmt.Errorf("mediation: record action: %w", err)
	}
	return a.ID, nil
}

// Finish records the answer's status of an action started with Begin.
func (s *Service) Finish(ctx context.Context, actionID string, status int) error {
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Action)(nil)).Set("status = ?", status).Where("id = ?", actionID).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("mediation: finish action %s: %w", actionID, err)
	}
	return nil
}

// Revoke ends the consent id, on behalf of its resident (only they may).
// Revoking twice is no error; another resident's consent is not found.
func (s *Service) Revoke(ctx context.Context, residentID, id string) (*Consent, error) {
	var c Consent
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&c).Where("id = ?", id).Where("resident_id = ?", residentID).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.KindNotFound, "consent_not_found",
					"Consentement introuvable parmi les vôtres.", "No such consent among yours.")
			}
			return err
		}
		if c.RevokedAt != nil {
			return nil
		}
		now, by := s.clock(), residentID
		c.RevokedAt, c.RevokedBy = &now, &by
		_, err := tx.NewUpdate().Model(&c).Column("revoked_at", "revoked_by").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return nil, err
		}
		return nil, fmt.Errorf("mediation: revoke consent: %w", err)
	}
	return &c, nil
}

// Record is what a resident (or a mediator) sees of their mediation: the
// consents and the actions taken under them, newest first.
type Record struct {
	Consents []Consent `json:"consents"`
	Actions  []Action  `json:"actions"`
}

// ForResident returns the consents residentID gave and the actions taken
// for them.
func (s *Service) ForResident(ctx context.Context, residentID string) (*Record, error) {
	return s.list(ctx, s.store.DB(), "resident_id", residentID)
}

// ForMediator returns the consents mediatorID received and the actions they took.
func (s *Service) ForMediator(ctx context.Context, mediatorID string) (*Record, error) {
	return s.list(ctx, s.store.DB(), "mediator_id", mediatorID)
}

func (s *Service) list(ctx context.Context, db bun.IDB, column, id string) (*Record, error) {
	r := &Record{Consents: []Consent{}, Actions: []Action{}}
	if err := db.NewSelect().Model(&r.Consents).Where("? = ?", bun.Ident(column), id).
		OrderExpr("recorded_at DESC").Limit(int64(maxList)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("mediation: read consents: %w", err)
	}
	if err := db.NewSelect().Model(&r.Actions).Where("? = ?", bun.Ident(column), id).
		OrderExpr("at DESC").Limit(int64(maxList)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("mediation: read actions: %w", err)
	}
	return r, nil
}

// Export returns accountID's mediation record, as resident and as mediator,
// for the "my data" export.
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	asResident, err := s.list(ctx, db, "resident_id", accountID)
	if err != nil {
		return nil, err
	}
	asMediator, err := s.list(ctx, db, "mediator_id", accountID)
	if err != nil {
		return nil, err
	}
	return map[string]*Record{"as_resident": asResident, "as_mediator": asMediator}, nil
}

// Erase revokes every consent in force given by or to accountID, in tx.
// The records stay, holding pseudonymous IDs only: the other party's
// history ("done by X for Y") remains consistent.
func (s *Service) Erase(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	by := "system:erasure"
	_, err := tx.NewUpdate().Model((*Consent)(nil)).Set("revoked_at = ?", now).Set("revoked_by = ?", by).
		Where("revoked_at IS NULL").
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("resident_id = ?", accountID).WhereOr("mediator_id = ?", accountID)
		}).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mediation: revoke consents of an erased account: %w", err)
	}
	return nil
}
