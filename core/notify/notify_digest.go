package notify

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Bounds of a digest run.
const (
	// memberBatch is the members read, and their digests written, per
	// transaction.
	memberBatch = 100
	// MaxDigestsPerRun bounds the digests one run sends; the next run
	// sends the rest of the week's (they are keyed by week).
	MaxDigestsPerRun = 20_000
	// maxWeekListings bounds the listings of one territory and week a
	// digest chooses from (the newest).
	maxWeekListings = 2000
	// digestShown is how many listings of each kind an email lists; the
	// rest are one link away.
	digestShown = 8
	// DigestRetention is how long the record of a digest sent is kept:
	// only the current week's matters for idempotency.
	DigestRetention = 13 * 7 * 24 * time.Hour
)

// DigestResult says what a Digest run did.
type DigestResult struct {
	// Week is the ISO week the digests cover ("2026-W45").
	Week string
	// Sent counts the digests written to the outbox; Empty the members
	// who had nothing new near them (recorded, nothing sent).
	Sent, Empty int
	// Capped reports a run stopped at MaxDigestsPerRun.
	Capped bool
}

// Week returns the ISO week before the one holding now, in Europe/Paris:
// its key ("2026-W45"), its Monday at 00:00 and the next Monday.
func Week(now time.Time) (key string, from, to time.Time) {
	t := now.In(paris)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	to = time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, paris)
	from = to.AddDate(0, 0, -7)
	y, w := from.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w), from, to
}

// weekListing is a listing published in the digest's week.
type weekListing struct {
	ID          string    `bun:"id"`
	OwnerID     string    `bun:"owner_id"`
	Kind        string    `bun:"kind"`
	Title       string    `bun:"title"`
	Commune     string    `bun:"commune"`
	PublishedAt time.Time `bun:"published_at"`
}

// memberRow is a member who may get a digest.
type memberRow struct {
	ID          string `bun:"id"`
	DisplayName string `bun:"display_name"`
	Commune     string `bun:"commune"`
}

// Digest sends each verified member who has not switched it off the
// listings published during the ISO week before now's (Europe/Paris) within
// the radius of their commune, in their territory, not their own and still
// on line: one email per member and week, none when there is nothing new.
// Run it as often as wanted (the server does every hour): each member's
// digest of a week is decided once — recorded with its outbox row in one
// transaction, or recorded empty — so later runs of the week only look for
// members not yet served. Records older than DigestRetention are deleted
// first.
func (s *Service) Digest(ctx context.Context, now time.Time) (DigestResult, error) {
	key, from, to := Week(now)
	res := DigestResult{Week: key}
	now = now.UTC().Truncate(time.Microsecond)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*digestRow)(nil)).Where("sent_at < ?", now.Add(-DigestRetention)).Exec(ctx)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("notify: forget old digests: %w", err)
	}
	ts, err := s.territories(ctx)
	if err != nil {
		return res, err
	}
	for _, t := range ts {
		if err := s.digestTerritory(ctx, t, key, from, to, now, &res); err != nil {
			return res, fmt.Errorf("notify: digests of %s for %s: %w", t.Slug, key, err)
		}
		if res.Capped {
			break
		}
	}
	return res, nil
}

// digestTerritory sends the digests of one territory, members page by page.
func (s *Service) digestTerritory(ctx context.Context, t territoryRow, key string, from, to, now time.Time, res *DigestResult) error {
	var ls []weekListing
	err := s.store.DB().NewSelect().TableExpr("listings").ColumnExpr("id, owner_id, kind, title, commune, published_at").
		Where("territory_id = ?", t.ID).Where("status = 'published'").Where("hidden_at IS NULL").
		Where("published_at >= ?", from).Where("published_at < ?", to).Where("expires_at > ?", now).
		OrderExpr("published_at DESC, id").Limit(maxWeekListings).Scan(ctx, &ls)
	if err != nil {
		return fmt.Errorf("read the week's listings: %w", err)
	}
	if len(ls) == 0 {
		return nil // nothing new anywhere: no member gets a digest
	}
	near := map[string][]nearby{} // per commune of residence
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ms []memberRow
		err := s.store.DB().NewSelect().TableExpr("accounts AS a").ColumnExpr("a.id, a.display_name, a.commune").
			Where("a.territory_id = ?", t.ID).Where("a.erased_at IS NULL").Where("a.email_verified_at IS NOT NULL").
			Where("a.id > ?", after).
			Where("NOT EXISTS (SELECT 1 FROM notify_settings n WHERE n.account_id = a.id AND n.digest = ?)", false).
			Where("NOT EXISTS (SELECT 1 FROM notify_digests d WHERE d.account_id = a.id AND d.week = ?)", key).
			OrderExpr("a.id").Limit(memberBatch).Scan(ctx, &ms)
		if err != nil {
			return fmt.Errorf("read the members: %w", err)
		}
		if len(ms) == 0 {
			return nil
		}
		after = ms[len(ms)-1].ID
		if err := s.sendDigests(ctx, t, key, from, to, now, ms, ls, near, res); err != nil {
			return err
		}
		if res.Capped || len(ms) < memberBatch {
			return nil
		}
	}
}

// nearby is one listing of a digest with its distance.
type nearby struct {
	l  *weekListing
	km float64
}

// nearTo returns the listings of ls within the radius of m's commune, not
// m's own, nearest first then newest. The listings near each commune are
// computed once per run, in near.
func (s *Service) nearTo(m memberRow, ls []weekListing, near map[string][]nearby) []nearby {
	all, ok := near[m.Commune]
	if !ok {
		for i := range ls {
			l := &ls[i]
			d := -1.0 // a commune without a known centre: only itself is near
			if l.Commune == m.Commune {
				d = 0
			} else if km, err := s.ref.Distance(m.Commune, l.Commune); err == nil {
				d = km
			}
			if d >= 0 && d <= s.radius {
				all = append(all, nearby{l: l, km: d})
			}
		}
		slices.SortStableFunc(all, func(a, b nearby) int {
			return cmp.Or(cmp.Compare(a.km, b.km), b.l.PublishedAt.Compare(a.l.PublishedAt))
		})
		near[m.Commune] = all
	}
	var out []nearby
	for _, n := range all {
		if n.l.OwnerID != m.ID {
			out = append(out, n)
		}
	}
	return out
}

// sendDigests decides the digests of one page of members in one
// transaction.
func (s *Service) sendDigests(ctx context.Context, t territoryRow, key string, from, to, now time.Time, ms []memberRow, ls []weekListing,
	near map[string][]nearby, res *DigestResult) error {
	var sent, empty int
	capped := false
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		sent, empty, capped = 0, 0, false // a retried transaction counts again
		for _, m := range ms {
			if res.Sent+sent >= MaxDigestsPerRun {
				capped = true
				break
			}
			found := s.nearTo(m, ls, near)
			// An empty digest is recorded too (listings 0, no email), so
			// that the week's later runs skip the member.
			ins, err := tx.NewInsert().Model(&digestRow{AccountID: m.ID, Week: key, Listings: len(found), SentAt: now}).
				On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			if n, err := ins.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				continue // another run did it meanwhile
			}
			if len(found) == 0 {
				empty++
				continue
			}
			subject, body := s.digestEmail(t, m, found, from, to)
			if err := s.notify.NotifyTx(ctx, tx, m.ID, subject, body); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Sent, res.Empty, res.Capped = res.Sent+sent, res.Empty+empty, capped
	return nil
}

// digestEmail writes one member's digest, in French like every email.
func (s *Service) digestEmail(t territoryRow, m memberRow, found []nearby, from, to time.Time) (subject, body string) {
	n := len(found)
	if n == 1 {
		subject = "Campagnon : 1 nouvelle annonce près de chez vous"
	} else {
		subject = fmt.Sprintf("Campagnon : %d nouvelles annonces près de chez vous", n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Bonjour %s,\n\nVoici ce qui a été publié du %s au %s à moins de %g km de %s :\n",
		m.DisplayName, frDate(from), frDate(to.AddDate(0, 0, -1)), s.radius, s.communeName(m.Commune))
	for _, kind := range []struct{ id, title string }{{"offer", "Services proposés"}, {"need", "Besoins de vos voisins"}} {
		var of []nearby
		for _, f := range found {
			if f.l.Kind == kind.id {
				of = append(of, f)
			}
		}
		if len(of) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d) :\n", kind.title, len(of))
		for _, f := range of[:min(len(of), digestShown)] {
			where := s.communeName(f.l.Commune)
			if f.km >= 1 {
				where += fmt.Sprintf(", à %.0f km", f.km)
			}
			fmt.Fprintf(&b, "- %s (%s)\n  %s/t/%s/annonces/%s\n", oneLine(f.l.Title), where, s.base, t.Slug, f.l.ID)
		}
		if len(of) > digestShown {
			fmt.Fprintf(&b, "… et %d autre(s).\n", len(of)-digestShown)
		}
	}
	q := url.Values{"commune": {m.Commune}, "radius_km": {fmt.Sprintf("%g", s.radius)}, "sort": {"recency"}}
	fmt.Fprintf(&b, "\nToutes les annonces près de chez vous :\n%s/t/%s/recherche?%s\n", s.base, t.Slug, q.Encode())
	fmt.Fprintf(&b, "\nVous recevez ce résumé chaque semaine où il y a du nouveau près de chez vous, sur %s. Pour ne plus le recevoir :\n%s/mon-compte/notifications\n\nCampagnon\n",
		t.Name, s.base)
	return subject, b.String()
}

// oneLine keeps a title on one line of the email.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
