package listing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Rules is what the service needs of the territory's plugin (core/rules).
type Rules interface {
	Categories(ctx context.Context, slug string) (*abi.Categories, error)
	ValidateListing(ctx context.Context, slug string, l abi.Listing) (*abi.ListingVerdict, error)
}

// Notifier sends a member a message through the outbox, in the caller's
// transaction (core/account).
type Notifier interface {
	NotifyTx(ctx context.Context, tx bun.Tx, accountID, subject, body string) error
}

// Owner is what the service knows of a listing's author.
type Owner struct {
	// ID is the account ID.
	ID string
	// Professional reports a professional account; SAP one declared for
	// services à la personne.
	Professional, SAP bool
}

// Service manages listings.
type Service struct {
	store       *store.Store
	rules       Rules
	territories *territory.Service
	ref         *referential.Referential
	notify      Notifier
	baseURL     string
	now         func() time.Time
}

// NewService returns a Service; ref gives the communes' names and centres
// of the search documents, baseURL prefixes the links of reminders, now
// may be nil (the clock).
func NewService(s *store.Store, rules Rules, territories *territory.Service, ref *referential.Referential, notify Notifier, baseURL string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, rules: rules, territories: territories, ref: ref, notify: notify, baseURL: strings.TrimRight(baseURL, "/"), now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// errNotFound is the answer for a listing that is not there for the caller:
// unknown, of another territory, or not visible to them.
var errNotFound = apperr.New(apperr.KindNotFound, "listing_not_found",
	"Annonce introuvable sur ce territoire (elle a peut-être été retirée).",
	"No such listing in this territory (it may have been withdrawn).")

// validate checks an input fully: its fields, the commune's territory, the
// category, and the plugin's validate_listing. It returns the plugin's
// warnings.
func (s *Service) validate(ctx context.Context, t *territory.Territory, owner Owner, in *Input) ([]Warning, error) {
	if err := in.check(owner); err != nil {
		return nil, err
	}
	ok, err := s.territories.HasCommune(ctx, t.ID, in.Commune)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.New(apperr.KindInvalid, "listing_commune",
			fmt.Sprintf("La commune %s n'est pas une commune de %s : choisissez une commune du territoire.", in.Commune, t.Name),
			fmt.Sprintf("Commune %s is not in %s: choose one of the territory's communes.", in.Commune, t.Name))
	}
	cats, err := s.rules.Categories(ctx, t.Slug)
	if err != nil {
		return nil, err
	}
	if err := in.checkCategory(cats); err != nil {
		return nil, err
	}
	v, err := s.rules.ValidateListing(ctx, t.Slug, abi.Listing{Kind: in.Kind, Category: in.Category, Modality: in.Modality,
		Title: in.Title, Description: in.Description, Modes: in.Modes, PriceKind: in.PriceKind, PriceCents: in.PriceCents,
		Commune: in.Commune, TravelKm: in.TravelKm, ProviderSAP: owner.SAP && in.Modality == abi.ModalityProfessional})
	if err != nil {
		return nil, err
	}
	var ws []Warning
	for _, w := range v.Warnings {
		ws = append(ws, Warning{Code: w.Code, Message: w.Message, MessageEN: w.MessageEN})
	}
	return ws, nil
}

// fill copies an input into l.
func fill(l *Listing, in *Input) {
	slots := in.Availability
	if slots == nil {
		slots = []Slot{}
	}
	b, _ := json.Marshal(slots) // plain structs
	l.Kind, l.Category, l.Modality, l.Title, l.Description = in.Kind, in.Category, in.Modality, in.Title, in.Description
	l.Modes, l.PriceKind, l.PriceCents, l.Commune, l.TravelKm = strings.Join(in.Modes, ","), in.PriceKind, in.PriceCents, in.Commune, in.TravelKm
	l.Availability, l.AvailabilityNote = string(b), in.AvailabilityNote
}

// publish makes l published from now for Lifetime.
func publish(l *Listing, now time.Time) {
	exp := now.Add(Lifetime)
	l.Status, l.PublishedAt, l.ExpiresAt, l.RemindedAt = StatusPublished, &now, &exp, nil
}

// Create validates and stores a new listing of owner in t, published at
// once or as a draft.
func (s *Service) Create(ctx context.Context, t *territory.Territory, owner Owner, in Input) (*View, error) {
	ws, err := s.validate(ctx, t, owner, &in)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	l := &Listing{ID: uuid.Must(uuid.NewV7()).String(), TerritoryID: t.ID, OwnerID: owner.ID, Status: StatusDraft, CreatedAt: now, UpdatedAt: now}
	fill(l, &in)
	if in.Publish {
		publish(l, now)
	}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(l).Exec(ctx); err != nil {
			return err
		}
		return search.EnqueueTx(ctx, tx, l.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("listing: create: %w", err)
	}
	v := view(l)
	v.Warnings = ws
	return v, nil
}

// change runs fn on owner's listing id of t in one transaction; another's
// listing is not found.
func (s *Service) change(ctx context.Context, t *territory.Territory, ownerID, id string, fn func(l *Listing, now time.Time) error) (*Listing, error) {
	l := new(Listing)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(l).Where("id = ?", id).Where("territory_id = ?", t.ID).Where("owner_id = ?", ownerID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		now := s.clock()
		if err := fn(l, now); err != nil {
			return err
		}
		l.UpdatedAt = now
		if _, err = tx.NewUpdate().Model(l).WherePK().Exec(ctx); err != nil {
			return err
		}
		return search.EnqueueTx(ctx, tx, l.ID)
	})
	if err != nil {
		if apperr.As(err).Kind != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("listing: change %s: %w", id, err)
	}
	return l, nil
}

// Update replaces the content of owner's listing id (not its status); a
// closed listing cannot change.
func (s *Service) Update(ctx context.Context, t *territory.Territory, owner Owner, id string, in Input) (*View, error) {
	ws, err := s.validate(ctx, t, owner, &in)
	if err != nil {
		return nil, err
	}
	l, err := s.change(ctx, t, owner.ID, id, func(l *Listing, _ time.Time) error {
		if l.Status == StatusClosed {
			return errClosed
		}
		fill(l, &in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := view(l)
	v.Warnings = ws
	return v, nil
}

var errClosed = apperr.New(apperr.KindConflict, "listing_closed",
	"Cette annonce est close : elle ne peut plus changer. Publiez-en une nouvelle.",
	"This listing is closed: it can no longer change. Post a new one.")

// Actions on a listing's status by its owner.
const (
	ActionPublish = "publish"
	ActionPause   = "pause"
	ActionClose   = "close"
)

// ActionsFrom returns the owner's actions allowed on a listing in status,
// in the order publish, pause, close.
func ActionsFrom(status string) []string {
	var out []string
	for _, a := range []string{ActionPublish, ActionPause, ActionClose} {
		if slices.Contains(transitions[a], status) {
			out = append(out, a)
		}
	}
	return out
}

// transitions says from which statuses each owner's action is allowed.
var transitions = map[string][]string{
	ActionPublish: {StatusDraft, StatusPaused, StatusExpired},
	ActionPause:   {StatusPublished},
	ActionClose:   {StatusDraft, StatusPublished, StatusPaused, StatusExpired},
}

var statusFR = map[string]string{StatusDraft: "brouillon", StatusPublished: "publiée", StatusPaused: "en pause",
	StatusClosed: "close", StatusExpired: "expirée"}

// SetStatus applies an owner's action (ActionPublish, ActionPause,
// ActionClose) to their listing id. Publishing starts a new Lifetime.
// Repeating an action already done (publishing a published listing) is no
// error; an action not allowed from the status says which are.
func (s *Service) SetStatus(ctx context.Context, t *territory.Territory, ownerID, id, action string) (*View, error) {
	from, ok := transitions[action]
	if !ok {
		return nil, apperr.New(apperr.KindInvalid, "listing_action", "Action inconnue : publish, pause ou close.", "Unknown action: publish, pause or close.")
	}
	l, err := s.change(ctx, t, ownerID, id, func(l *Listing, now time.Time) error {
		target := map[string]string{ActionPublish: StatusPublished, ActionPause: StatusPaused, ActionClose: StatusClosed}[action]
		if l.Status == target {
			return nil
		}
		if !slices.Contains(from, l.Status) {
			fr := make([]string, len(from))
			for i, st := range from {
				fr[i] = statusFR[st]
			}
			return apperr.New(apperr.KindConflict, "listing_transition",
				fmt.Sprintf("Impossible : l'annonce est %s ; cette action est possible quand elle est %s.", statusFR[l.Status], strings.Join(fr, ", ")),
				fmt.Sprintf("Not possible: the listing is %s; this action is possible when it is %s.", l.Status, strings.Join(from, ", ")))
		}
		switch action {
		case ActionPublish:
			publish(l, now)
		case ActionPause:
			l.Status = StatusPaused
		case ActionClose:
			l.Status = StatusClosed
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return view(l), nil
}

// Visible reports whether anyone may see l: published and not hidden.
func (l *Listing) Visible() bool { return l.Status == StatusPublished && l.HiddenAt == nil }

// Get returns listing id of t as viewer sees it: a listing that is not
// visible is found only by its owner or a moderator.
func (s *Service) Get(ctx context.Context, t *territory.Territory, viewerID string, moderator bool, id string) (*View, error) {
	l := new(Listing)
	err := s.store.DB().NewSelect().Model(l).Where("id = ?", id).Where("territory_id = ?", t.ID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !l.Visible() && l.OwnerID != viewerID && !moderator) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("listing: get %s: %w", id, err)
	}
	return view(l), nil
}

// Filter selects listings of a territory.
type Filter struct {
	Kind, Category, Commune, Modality, Mode string
	// OwnerID lists one owner's listings, whatever their status (their
	// own page); otherwise only visible listings are listed.
	OwnerID string
	// Limit is 1 to 100 (default 20); Before is the ID of the last listing
	// of the previous page (newest first).
	Limit  int
	Before string
}

// MaxPage bounds one page of List.
const MaxPage = 100

// List returns a page of t's listings, newest first.
func (s *Service) List(ctx context.Context, t *territory.Territory, f Filter) ([]*View, error) {
	if f.Limit < 1 || f.Limit > MaxPage {
		f.Limit = 20
	}
	var ls []Listing
	q := s.store.DB().NewSelect().Model(&ls).Where("territory_id = ?", t.ID).OrderExpr("id DESC").Limit(int64(f.Limit))
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	} else {
		q = q.Where("status = ?", StatusPublished).Where("hidden_at IS NULL")
	}
	for col, v := range map[string]string{"kind": f.Kind, "category": f.Category, "commune": f.Commune, "modality": f.Modality} {
		if v != "" {
			q = q.Where("? = ?", bun.Ident(col), v)
		}
	}
	if f.Mode != "" {
		// modes is a sorted comma-separated list of known names.
		q = q.Where("(',' || modes || ',') LIKE ?", "%,"+strings.ReplaceAll(f.Mode, "%", "")+",%")
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("listing: list: %w", err)
	}
	out := make([]*View, len(ls))
	for i := range ls {
		out[i] = view(&ls[i])
	}
	return out, nil
}

// Report records member reporterID's report of listing id (once per
// member; not their own listing).
func (s *Service) Report(ctx context.Context, t *territory.Territory, reporterID, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 3 || n > 500 || !text(reason) {
		return apperr.New(apperr.KindInvalid, "report_reason", "Dites en quelques mots (3 à 500 caractères) ce qui ne va pas.",
			"Say in a few words (3 to 500 characters) what is wrong.")
	}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		l := new(Listing)
		err := tx.NewSelect().Model(l).Where("id = ?", id).Where("territory_id = ?", t.ID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !l.Visible()) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if l.OwnerID == reporterID {
			return apperr.New(apperr.KindInvalid, "report_own", "Vous ne pouvez pas signaler votre propre annonce.", "You cannot report your own listing.")
		}
		res, err := tx.NewInsert().Model(&report{ListingID: id, ReporterID: reporterID, Reason: reason, CreatedAt: s.clock()}).
			On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.KindConflict, "report_twice", "Vous avez déjà signalé cette annonce : l'équipe du territoire l'examine.",
				"You already reported this listing: the territory's team is looking at it.")
		}
		_, err = tx.NewUpdate().Model(l).Set("report_count = report_count + 1").WherePK().Exec(ctx)
		return err
	})
	if err != nil && apperr.As(err).Kind == apperr.KindInternal {
		return fmt.Errorf("listing: report %s: %w", id, err)
	}
	return err
}

// Moderate hides (hide true, with a reason shown to the owner) or shows
// again listing id of t, on behalf of moderator.
func (s *Service) Moderate(ctx context.Context, t *territory.Territory, moderator, id string, hide bool, reason string) (*View, error) {
	reason = strings.TrimSpace(reason)
	if hide && (len([]rune(reason)) < 3 || len([]rune(reason)) > 500 || !text(reason)) {
		return nil, apperr.New(apperr.KindInvalid, "hide_reason", "Indiquez à l'auteur pourquoi l'annonce est masquée (3 à 500 caractères).",
			"Tell the author why the listing is hidden (3 to 500 characters).")
	}
	l := new(Listing)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(l).Where("id = ?", id).Where("territory_id = ?", t.ID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		now := s.clock()
		if hide {
			l.HiddenAt, l.HiddenBy, l.HiddenReason = &now, &moderator, &reason
		} else {
			l.HiddenAt, l.HiddenBy, l.HiddenReason, l.ReportCount = nil, nil, nil, 0
		}
		l.UpdatedAt = now
		if _, err = tx.NewUpdate().Model(l).Column("hidden_at", "hidden_by", "hidden_reason", "report_count", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return search.EnqueueTx(ctx, tx, l.ID)
	})
	if err != nil {
		if apperr.As(err).Kind != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("listing: moderate %s: %w", id, err)
	}
	return view(l), nil
}

// Queue returns t's moderation queue: reported or hidden listings, most
// reported first.
func (s *Service) Queue(ctx context.Context, t *territory.Territory) ([]*View, error) {
	var ls []Listing
	err := s.store.DB().NewSelect().Model(&ls).Where("territory_id = ?", t.ID).
		Where("(report_count > 0 OR hidden_at IS NOT NULL)").OrderExpr("report_count DESC, id DESC").Limit(MaxPage).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing: moderation queue: %w", err)
	}
	out := make([]*View, len(ls))
	for i := range ls {
		out[i] = view(&ls[i])
	}
	return out, nil
}

// Swept counts what Sweep did.
type Swept struct {
	Expired, Reminded int
}

// sweepBatch bounds the listings one Sweep handles of each kind.
const sweepBatch = 500

// Sweep expires the published listings whose time is over and reminds the
// owners of those expiring within RemindBefore, each reminder once, through
// the outbox in the same transaction. Run it from a periodic job; it is
// idempotent.
func (s *Service) Sweep(ctx context.Context) (Swept, error) {
	var out Swept
	now := s.clock()
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		out = Swept{}
		var expired []string
		if err := tx.NewSelect().Model((*Listing)(nil)).Column("id").Where("status = ?", StatusPublished).
			Where("expires_at <= ?", now).OrderExpr("id").Limit(sweepBatch).Scan(ctx, &expired); err != nil {
			return err
		}
		if len(expired) > 0 {
			if _, err := tx.NewUpdate().Model((*Listing)(nil)).Set("status = ?", StatusExpired).Set("updated_at = ?", now).
				Where("id IN (?)", bun.In(expired)).Exec(ctx); err != nil {
				return err
			}
			if err := search.EnqueueTx(ctx, tx, expired...); err != nil {
				return err
			}
		}
		out.Expired = len(expired)
		var due []Listing
		if err := tx.NewSelect().Model(&due).Where("status = ?", StatusPublished).Where("reminded_at IS NULL").
			Where("expires_at <= ?", now.Add(RemindBefore)).OrderExpr("expires_at").Limit(sweepBatch).Scan(ctx); err != nil {
			return err
		}
		slugs := map[string]string{}
		for i := range due {
			l := &due[i]
			slug, ok := slugs[l.TerritoryID]
			if !ok {
				if err := tx.NewSelect().TableExpr("territories").Column("slug").Where("id = ?", l.TerritoryID).Scan(ctx, &slug); err != nil {
					return err
				}
				slugs[l.TerritoryID] = slug
			}
			body := fmt.Sprintf("Bonjour,\n\nVotre annonce « %s » expire le %s. Pour la garder en ligne, republiez-la :\n%s/t/%s/annonces/%s\n\nSans action de votre part, elle sera retirée à cette date.\n\nCampagnon",
				l.Title, l.ExpiresAt.In(paris()).Format("02/01/2006"), s.baseURL, slug, l.ID)
			if err := s.notify.NotifyTx(ctx, tx, l.OwnerID, "Votre annonce expire bientôt", body); err != nil {
				return err
			}
			if _, err := tx.NewUpdate().Model(l).Set("reminded_at = ?", now).WherePK().Exec(ctx); err != nil {
				return err
			}
			out.Reminded++
		}
		return nil
	})
	if err != nil {
		return Swept{}, fmt.Errorf("listing: sweep: %w", err)
	}
	return out, nil
}

// paris is the French time zone of dates shown to people.
func paris() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}

// Export returns accountID's listings and reports, for the "my data" export.
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	var ls []Listing
	if err := db.NewSelect().Model(&ls).Where("owner_id = ?", accountID).OrderExpr("id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("listing: export: %w", err)
	}
	var rs []report
	if err := db.NewSelect().Model(&rs).Where("reporter_id = ?", accountID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("listing: export reports: %w", err)
	}
	views := make([]*View, len(ls))
	for i := range ls {
		views[i] = view(&ls[i])
	}
	reports := make([]map[string]any, len(rs))
	for i, r := range rs {
		reports[i] = map[string]any{"listing_id": r.ListingID, "reason": r.Reason, "created_at": r.CreatedAt}
	}
	return map[string]any{"listings": views, "reports": reports}, nil
}

// ErasedTitle replaces the title of an erased member's listings.
const ErasedTitle = "Annonce retirée"

// Erase closes accountID's listings and removes what they wrote (title,
// description, availability note, report reasons), in tx. The rows stay,
// so the exchanges that point at them stay consistent.
func (s *Service) Erase(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	var ids []string
	if err := tx.NewSelect().Model((*Listing)(nil)).Column("id").Where("owner_id = ?", accountID).Scan(ctx, &ids); err != nil {
		return fmt.Errorf("listing: erase: %w", err)
	}
	if err := search.EnqueueTx(ctx, tx, ids...); err != nil {
		return err
	}
	if _, err := tx.NewUpdate().Model((*Listing)(nil)).
		Set("status = ?", StatusClosed).Set("title = ?", ErasedTitle).Set("description = ''").
		Set("availability_note = ''").Set("availability = '[]'").Set("updated_at = ?", now).
		Where("owner_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("listing: erase listings: %w", err)
	}
	if _, err := tx.NewUpdate().Model((*report)(nil)).Set("reason = ''").Where("reporter_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("listing: erase reports: %w", err)
	}
	return nil
}
