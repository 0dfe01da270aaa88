package territory

import (
	"context"
	"fmt"
	"time"
)

// Figures are a territory's key figures, for the national operators' list.
type Figures struct {
	// Members counts the verified, not erased accounts whose commune of
	// residence is in the territory.
	Members int `json:"members"`
	// PublishedListings counts the listings published and not hidden.
	PublishedListings int `json:"published_listings"`
	// ExchangesSince counts the exchanges requested since the time given.
	ExchangesSince int `json:"exchanges_since"`
}

// figureQueries count one figure per territory: each answers at most one
// row per territory, whatever the number of accounts, listings or exchanges.
const (
	membersQuery = `SELECT territory_id, COUNT(*) AS n FROM accounts
WHERE email_verified_at IS NOT NULL AND erased_at IS NULL GROUP BY territory_id`
	listingsQuery = `SELECT territory_id, COUNT(*) AS n FROM listings
WHERE status = 'published' AND hidden_at IS NULL GROUP BY territory_id`
	exchangesQuery = `SELECT territory_id, COUNT(*) AS n FROM exchanges
WHERE created_at >= ? GROUP BY territory_id`
)

// Figures returns the key figures of every territory that has any, by
// territory ID (a territory absent from the map has none): members,
// published listings and exchanges requested since since. Three grouped
// queries, whatever the number of territories.
func (s *Service) Figures(ctx context.Context, since time.Time) (map[string]Figures, error) {
	out := map[string]Figures{}
	type count struct {
		TerritoryID string `bun:"territory_id"`
		N           int    `bun:"n"`
	}
	for _, q := range []struct {
		what  string
		query string
		args  []any
		set   func(f *Figures, n int)
	}{
		{"members", membersQuery, nil, func(f *Figures, n int) { f.Members = n }},
		{"published listings", listingsQuery, nil, func(f *Figures, n int) { f.PublishedListings = n }},
		{"exchanges", exchangesQuery, []any{since.UTC()}, func(f *Figures, n int) { f.ExchangesSince = n }},
	} {
		var rows []count
		if err := s.store.DB().NewRaw(q.query, q.args...).Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("territory figures, %s: %w", q.what, err)
		}
		for _, r := range rows {
			f := out[r.TerritoryID]
			q.set(&f, r.N)
			out[r.TerritoryID] = f
		}
	}
	return out, nil
}
