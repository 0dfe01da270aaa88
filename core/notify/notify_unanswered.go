package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
)

// Bounds of an alert run.
const (
	// MaxUnansweredDays is the longest wait Unanswered accepts, as the
	// observatory's (observatory.MaxUnansweredAfter).
	MaxUnansweredDays = 90
	// alertBatch is the needs alerted per transaction.
	alertBatch = 100
	// MaxAlertsPerRun bounds the needs one run alerts about; the next run
	// goes on.
	MaxAlertsPerRun = 5000
)

// UnansweredResult says what an Unanswered run did.
type UnansweredResult struct {
	// Needs counts the needs alerted about; Emails the emails written.
	Needs, Emails int
	// NoStaff lists the territories with unanswered needs but neither
	// mediator nor admin to tell: their needs are alerted about once
	// someone holds one of those roles.
	NoStaff []string
	// Capped reports a run stopped at MaxAlertsPerRun.
	Capped bool
}

// needRow is a need without request.
type needRow struct {
	ID          string    `bun:"id"`
	OwnerID     string    `bun:"owner_id"`
	Title       string    `bun:"title"`
	Commune     string    `bun:"commune"`
	PublishedAt time.Time `bun:"published_at"`
}

// Unanswered tells the mediators and admins of each territory about the
// needs published (and still on line) for more than days days without any
// exchange request since their publication — the observatory's "unmet"
// need, caught while it can still be helped. Each need is alerted about
// once (a row keyed by the need and AlertUnanswered, written with the
// emails); each person gets one email per territory and run listing the
// needs, never their own. days is 1 to MaxUnansweredDays.
func (s *Service) Unanswered(ctx context.Context, now time.Time, days int) (UnansweredResult, error) {
	var res UnansweredResult
	if days < 1 || days > MaxUnansweredDays {
		return res, apperr.New(apperr.KindInvalid, "unanswered_days",
			fmt.Sprintf("Le délai après lequel un besoin est « sans réponse » est de 1 à %d jours.", MaxUnansweredDays),
			fmt.Sprintf("The wait after which a need is unanswered is 1 to %d days.", MaxUnansweredDays))
	}
	now = now.UTC().Truncate(time.Microsecond)
	cutoff := now.AddDate(0, 0, -days)
	ts, err := s.territories(ctx)
	if err != nil {
		return res, err
	}
	for _, t := range ts {
		if err := s.alertTerritory(ctx, t, now, cutoff, days, &res); err != nil {
			return res, fmt.Errorf("notify: unanswered needs of %s: %w", t.Slug, err)
		}
		if res.Capped {
			break
		}
	}
	return res, nil
}

// alertTerritory alerts about one territory's needs, batch by batch.
func (s *Service) alertTerritory(ctx context.Context, t territoryRow, now, cutoff time.Time, days int, res *UnansweredResult) error {
	var staff []string
	loaded := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		limit := min(alertBatch, MaxAlertsPerRun-res.Needs)
		if limit <= 0 {
			res.Capped = true
			return nil
		}
		var needs []needRow
		err := s.store.DB().NewSelect().TableExpr("listings AS l").ColumnExpr("l.id, l.owner_id, l.title, l.commune, l.published_at").
			Where("l.territory_id = ?", t.ID).Where("l.status = 'published'").Where("l.kind = 'need'").Where("l.hidden_at IS NULL").
			Where("l.published_at <= ?", cutoff).
			Where("NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.listing_id = l.id AND e.created_at >= l.published_at)").
			Where("NOT EXISTS (SELECT 1 FROM notify_alerts a WHERE a.listing_id = l.id AND a.kind = ?)", AlertUnanswered).
			OrderExpr("l.published_at, l.id").Limit(int64(limit)).Scan(ctx, &needs)
		if err != nil {
			return fmt.Errorf("read the needs: %w", err)
		}
		if len(needs) == 0 {
			return nil
		}
		if !loaded {
			if staff, err = s.staffOf(t.Slug); err != nil {
				return err
			}
			loaded = true
		}
		if len(staff) == 0 {
			res.NoStaff = append(res.NoStaff, t.Slug)
			return nil
		}
		if err := s.sendAlerts(ctx, t, now, days, needs, staff, res); err != nil {
			return err
		}
		if len(needs) < limit {
			return nil
		}
	}
}

// staffOf returns the mediators and admins of the territory slug, sorted.
func (s *Service) staffOf(slug string) ([]string, error) {
	as, err := s.staff.Assignments(slug)
	if err != nil {
		return nil, fmt.Errorf("read the roles: %w", err)
	}
	var out []string
	for _, a := range as {
		if a.Role == authz.RoleMediator || a.Role == authz.RoleTerritoryAdmin {
			out = append(out, a.User)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// sendAlerts records one batch of needs and writes, in the same
// transaction, one email per staff member listing those that are new.
func (s *Service) sendAlerts(ctx context.Context, t territoryRow, now time.Time, days int, needs []needRow, staff []string, res *UnansweredResult) error {
	var alerted, emails int
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		alerted, emails = 0, 0 // a retried transaction counts again
		perPerson := map[string][]*needRow{}
		for i := range needs {
			n := &needs[i]
			var to []string
			for _, u := range staff {
				if u != n.OwnerID {
					to = append(to, u)
				}
			}
			ins, err := tx.NewInsert().Model(&alertRow{ListingID: n.ID, Kind: AlertUnanswered, Recipients: len(to), SentAt: now}).
				On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			if k, err := ins.RowsAffected(); err != nil {
				return err
			} else if k == 0 {
				continue // another run alerted about it meanwhile
			}
			alerted++
			for _, u := range to {
				perPerson[u] = append(perPerson[u], n)
			}
		}
		for _, u := range staff {
			if len(perPerson[u]) == 0 {
				continue
			}
			subject, body := s.alertEmail(t, days, perPerson[u])
			if err := s.notify.NotifyTx(ctx, tx, u, subject, body); err != nil {
				return err
			}
			emails++
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Needs, res.Emails = res.Needs+alerted, res.Emails+emails
	return nil
}

// alertEmail writes the alert to one mediator or admin, in French. It
// names no one: the needs are public listings, one link away.
func (s *Service) alertEmail(t territoryRow, days int, needs []*needRow) (subject, body string) {
	if len(needs) == 1 {
		subject = fmt.Sprintf("Campagnon : un besoin sans réponse depuis %d jours sur %s", days, t.Name)
	} else {
		subject = fmt.Sprintf("Campagnon : %d besoins sans réponse depuis %d jours sur %s", len(needs), days, t.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Bonjour,\n\nSur %s, ces besoins n'ont reçu aucune proposition depuis plus de %d jours :\n\n", t.Name, days)
	for _, n := range needs {
		fmt.Fprintf(&b, "- %s (%s, publié le %s)\n  %s/t/%s/annonces/%s\n", oneLine(n.Title), s.communeName(n.Commune), frDate(n.PublishedAt), s.base, t.Slug, n.ID)
	}
	fmt.Fprintf(&b, "\nConnaissez-vous quelqu'un qui pourrait aider ? Un appel à un voisin, un mot à la mairie ou un passage au bulletin des offres suffit souvent. Le bulletin à imprimer : %s/t/%s/bulletin\n", s.base, t.Slug)
	fmt.Fprintf(&b, "\nVous recevez ce message comme médiateur ou administrateur de %s ; chaque besoin n'est signalé qu'une fois.\n\nCampagnon\n", t.Name)
	return subject, b.String()
}
