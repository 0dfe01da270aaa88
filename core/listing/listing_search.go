package listing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/territory"
)

// searchRow is a visible listing with what its search document needs from
// other tables: the territory's slug and the owner's published rating.
type searchRow struct {
	Listing `bun:",extend"`

	Slug   string  `bun:"slug"`
	Rating float64 `bun:"rating"`
}

// visibleQuery selects visible listings with their territory's slug and
// their owner's average published rating (a projection, read-only).
func (s *Service) visibleQuery(rows *[]searchRow) *bun.SelectQuery {
	return s.searchQuery(rows).Where("listing.status = ?", StatusPublished).Where("listing.hidden_at IS NULL")
}

// searchQuery selects listings with their territory's slug and their
// owner's average published rating, visible or not.
func (s *Service) searchQuery(rows *[]searchRow) *bun.SelectQuery {
	return s.store.DB().NewSelect().Model(rows).
		ColumnExpr("listing.*").ColumnExpr("t.slug AS slug").
		ColumnExpr("CAST((SELECT COALESCE(SUM(r.rating) * 1.0 / NULLIF(COUNT(*), 0), 0) FROM reviews AS r WHERE r.subject_id = listing.owner_id AND r.published_at IS NOT NULL AND r.hidden_at IS NULL) AS DOUBLE PRECISION) AS rating").
		Join("JOIN territories AS t ON t.id = listing.territory_id")
}

// document turns a visible listing into its search document.
func (s *Service) document(r *searchRow) search.Document {
	d := search.Document{ID: r.ID, Territory: r.Slug, Kind: r.Kind, Category: r.Category, Modality: r.Modality,
		Modes: splitModes(r.Modes), Commune: r.Commune, Title: r.Title, Description: r.Description,
		Rating: float64(int(r.Rating*10+0.5)) / 10}
	if c, ok := s.ref.Commune(r.Commune); ok {
		d.CommuneName, d.Lat, d.Lng = c.Name, c.Lat, c.Lon
	}
	if r.PublishedAt != nil {
		d.PublishedAt = *r.PublishedAt
	}
	d.Version = r.UpdatedAt.UTC().Format(time.RFC3339Nano) + "/" + strconv.FormatFloat(d.Rating, 'f', 1, 64)
	return d
}

// Documents implements search.Source.
func (s *Service) Documents(ctx context.Context, ids []string) (map[string]search.Document, error) {
	out := map[string]search.Document{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []searchRow
	if err := s.visibleQuery(&rows).Where("listing.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("listing: search documents: %w", err)
	}
	for i := range rows {
		out[rows[i].ID] = s.document(&rows[i])
	}
	return out, nil
}

// Visible implements search.Source. It walks every listing in the order
// of its primary key and keeps the visible ones: a filter on the status in
// SQL would lead SQLite's planner to the status index and a sort of every
// published listing for each batch (a reindex of 100,000 listings went
// from 66 s to a few seconds without it).
func (s *Service) Visible(ctx context.Context, batch int, fn func(docs []search.Document) error) error {
	after := ""
	for {
		var rows []searchRow
		if err := s.pageQuery(&rows, after, batch).Scan(ctx); err != nil {
			return fmt.Errorf("listing: visible listings: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		docs := make([]search.Document, 0, len(rows))
		for i := range rows {
			if rows[i].Visible() {
				docs = append(docs, s.document(&rows[i]))
			}
		}
		if len(docs) > 0 {
			if err := fn(docs); err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].ID
	}
}

// pageQuery selects the batch listings, visible or not, that follow after
// in the order of their primary key.
func (s *Service) pageQuery(rows *[]searchRow, after string, batch int) *bun.SelectQuery {
	q := s.searchQuery(rows).OrderExpr("listing.id").Limit(int64(batch))
	if after != "" {
		q = q.Where("listing.id > ?", after)
	}
	return q
}

// CountVisible implements search.Source.
func (s *Service) CountVisible(ctx context.Context) (int, error) {
	n, err := s.store.DB().NewSelect().Model((*Listing)(nil)).Where("status = ?", StatusPublished).Where("hidden_at IS NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("listing: count visible listings: %w", err)
	}
	return int(n), nil
}

var _ search.Source = (*Service)(nil)

// Views returns the visible listings of t among ids, by ID: the search
// endpoint shows the database's current listing for each hit. The rows are
// read by primary key only and filtered here: with the territory and the
// status in SQL, SQLite's planner reads every listing of the territory
// through its index instead of the few asked for.
func (s *Service) Views(ctx context.Context, t *territory.Territory, ids []string) (map[string]*View, error) {
	out := map[string]*View{}
	if len(ids) == 0 {
		return out, nil
	}
	var ls []Listing
	if err := s.hitsQuery(&ls, ids).Scan(ctx); err != nil {
		return nil, fmt.Errorf("listing: read hits: %w", err)
	}
	for i := range ls {
		if ls[i].TerritoryID == t.ID && ls[i].Visible() {
			out[ls[i].ID] = view(&ls[i])
		}
	}
	return out, nil
}

// hitsQuery selects the listings of ids by their primary key.
func (s *Service) hitsQuery(ls *[]Listing, ids []string) *bun.SelectQuery {
	return s.store.DB().NewSelect().Model(ls).Where("id IN (?)", bun.In(ids))
}
