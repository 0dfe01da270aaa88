package awareness

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/observatory"
)

// Live is what a territory has on line now, for its printed material.
type Live struct {
	// Offers and Needs count the listings published and not hidden.
	Offers, Needs int
	// Categories are the categories (the plugin's IDs) with listings on
	// line, the busiest first, then by ID.
	Categories []CategoryCount
}

// CategoryCount is the listings on line in one category.
type CategoryCount struct {
	ID            string
	Offers, Needs int
}

// maxLiveRows bounds the groups Live reads: a plugin has tens of categories.
const maxLiveRows = 1000

// Live counts the listings of territoryID on line now, by kind and
// category. Listings are public: these counts are not anonymised.
func (s *Service) Live(ctx context.Context, territoryID string) (*Live, error) {
	var rows []struct {
		Kind     string `bun:"kind"`
		Category string `bun:"category"`
		N        int    `bun:"n"`
	}
	err := s.store.DB().NewSelect().TableExpr("listings").ColumnExpr("kind, category, COUNT(*) AS n").
		Where("territory_id = ?", territoryID).Where("status = 'published'").Where("hidden_at IS NULL").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("expires_at IS NULL").WhereOr("expires_at > ?", s.clock())
		}).
		GroupExpr("kind, category").Limit(maxLiveRows).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("awareness: live counts of territory %s: %w", territoryID, err)
	}
	out := &Live{}
	byID := map[string]*CategoryCount{}
	for _, r := range rows {
		c := byID[r.Category]
		if c == nil {
			c = &CategoryCount{ID: r.Category}
			byID[r.Category] = c
		}
		switch r.Kind {
		case "offer":
			c.Offers += r.N
			out.Offers += r.N
		case "need":
			c.Needs += r.N
			out.Needs += r.N
		}
	}
	for _, c := range byID {
		out.Categories = append(out.Categories, *c)
	}
	slices.SortFunc(out.Categories, func(a, b CategoryCount) int {
		return cmp.Or(cmp.Compare(b.Offers+b.Needs, a.Offers+a.Needs), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// MinCount is the smallest count the public figures show: a count of 1 or
// 2 (in a category, in a week) could point at a neighbour, so it is shown
// as "fewer than 3".
const MinCount = 3

// Count is a figure of the public page. A count from 1 to MinCount-1 is
// Small, and its Value is then zero so that no template can show it.
type Count struct {
	Value int
	Small bool
}

// count masks n when it is small.
func count(n int) Count {
	if n > 0 && n < MinCount {
		return Count{Small: true}
	}
	return Count{Value: n}
}

// Share is the part of the needs that received an answer, in whole per
// cent; Known is false when there were fewer than MinCount needs (no
// share is shown then).
type Share struct {
	Percent int
	Known   bool
}

// Public are the anonymised figures of a territory's observatory: what
// the local papers may quote. No name, no commune, no count below
// MinCount.
type Public struct {
	// From and To bound the period (To excluded), AsOf is when it was
	// computed; UnansweredAfter is the observatory's wait.
	From, To, AsOf  time.Time
	UnansweredAfter time.Duration
	Totals          PublicRow
	// ByCategory are the categories with some activity, by ID.
	ByCategory []PublicRow
	// Weeks are the period's weeks, in order.
	Weeks []PublicWeek
}

// PublicRow is the figures of one category, or of the whole territory.
type PublicRow struct {
	// Key is the category's ID ("" for the totals).
	Key                    string
	Needs, Offers, Matches Count
	// Answered is the share of the period's needs that received at least
	// one request.
	Answered Share
}

// PublicWeek is the figures of one ISO week.
type PublicWeek struct {
	Year, Number  int
	Start         time.Time
	Needs, Offers Count
}

// Anonymise keeps of r what may be published: totals, categories and
// weeks (never communes, where one need can be one person), each count
// from 1 to MinCount-1 masked, and the share of needs answered only where
// there were at least MinCount needs.
func Anonymise(r *observatory.Report) *Public {
	p := &Public{From: r.From, To: r.To, AsOf: r.AsOf, UnansweredAfter: r.UnansweredAfter, Totals: publicRow("", r.Totals)}
	for _, c := range r.ByCategory {
		p.ByCategory = append(p.ByCategory, publicRow(c.Key, c.Stats))
	}
	for _, w := range r.Weeks {
		p.Weeks = append(p.Weeks, PublicWeek{Year: w.Year, Number: w.Number, Start: w.Start,
			Needs: count(w.Totals.Needs), Offers: count(w.Totals.Offers)})
	}
	return p
}

func publicRow(key string, s observatory.Stats) PublicRow {
	row := PublicRow{Key: key, Needs: count(s.Needs), Offers: count(s.Offers), Matches: count(s.Matches)}
	if s.Needs >= MinCount {
		row.Answered = Share{Percent: int(math.Round(100 * float64(s.Answered) / float64(s.Needs))), Known: true}
	}
	return row
}
