package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store"
)

// outboxRow says that a listing changed and its document must be brought
// up to date (indexed, or removed when it is no longer visible).
type outboxRow struct {
	bun.BaseModel `bun:"table:search_outbox"`

	ID        string    `bun:"id,pk"`
	ListingID string    `bun:"listing_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// EnqueueTx records, in the caller's transaction, that listingID changed:
// its document leaves for the index if and only if the change commits.
func EnqueueTx(ctx context.Context, tx bun.Tx, listingIDs ...string) error {
	if len(listingIDs) == 0 {
		return nil
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	rows := make([]outboxRow, len(listingIDs))
	for i, id := range listingIDs {
		rows[i] = outboxRow{ID: uuid.Must(uuid.NewV7()).String(), ListingID: id, CreatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("search: enqueue %d listing(s): %w", len(listingIDs), err)
	}
	return nil
}

// Source gives the indexer the documents of listings, from the database.
// core/listing implements it.
type Source interface {
	// Documents returns the documents of the listings ids that are visible
	// (published, not hidden); a listing absent from the map must leave the
	// index.
	Documents(ctx context.Context, ids []string) (map[string]Document, error)
	// Visible calls fn with the ID and Version of every visible listing,
	// in ID order, in batches of at most batch IDs.
	Visible(ctx context.Context, batch int, fn func(docs []Document) error) error
	// CountVisible returns how many listings are visible, for progress.
	CountVisible(ctx context.Context) (int, error)
}

// Indexer applies the outbox to an engine.
type Indexer struct {
	store  *store.Store
	engine Engine
	source Source
	log    *slog.Logger
}

// NewIndexer returns an indexer from s's outbox through source into engine.
func NewIndexer(s *store.Store, engine Engine, source Source, log *slog.Logger) *Indexer {
	if log == nil {
		log = slog.Default()
	}
	return &Indexer{store: s, engine: engine, source: source, log: log}
}

// batchSize bounds the outbox rows one round applies.
const batchSize = 500

// Round applies up to batchSize outbox rows, oldest first, and deletes
// them once the engine has them. A crash in between applies them again,
// which changes nothing (Index and Delete are idempotent). It returns how
// many rows it applied.
func (ix *Indexer) Round(ctx context.Context) (int, error) {
	var rows []outboxRow
	if err := ix.store.DB().NewSelect().Model(&rows).OrderExpr("id").Limit(batchSize).Scan(ctx); err != nil {
		return 0, fmt.Errorf("search: read the outbox: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ListingID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if err := ix.sync(ctx, ids); err != nil {
		return 0, err
	}
	last := rows[len(rows)-1].ID
	err := ix.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*outboxRow)(nil)).Where("id <= ?", last).Where("listing_id IN (?)", bun.In(ids)).Exec(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("search: clear the outbox: %w", err)
	}
	return len(rows), nil
}

// sync brings the documents of ids up to date: index the visible ones,
// delete the others.
func (ix *Indexer) sync(ctx context.Context, ids []string) error {
	docs, err := ix.source.Documents(ctx, ids)
	if err != nil {
		return fmt.Errorf("search: read listings: %w", err)
	}
	var index []Document
	var remove []string
	for _, id := range ids {
		if d, ok := docs[id]; ok {
			index = append(index, d)
		} else {
			remove = append(remove, id)
		}
	}
	if len(index) > 0 {
		if err := ix.engine.Index(ctx, index...); err != nil {
			return fmt.Errorf("search: index %d listing(s): %w", len(index), err)
		}
	}
	if len(remove) > 0 {
		if err := ix.engine.Delete(ctx, remove...); err != nil {
			return fmt.Errorf("search: remove %d listing(s): %w", len(remove), err)
		}
	}
	return nil
}

// Run applies the outbox every interval until ctx ends; after a failure
// (an engine outage) it waits longer, up to a minute, and catches up.
func (ix *Indexer) Run(ctx context.Context, interval time.Duration) {
	wait := interval
	for {
		n, err := ix.Round(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			ix.log.WarnContext(ctx, "search index behind the database; retrying", "error", err, "retry_in", wait)
			wait = min(wait*2, time.Minute)
		case err == nil:
			wait = interval
			if n == batchSize {
				continue // more waiting: no pause
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Progress reports a long command's advance: done of total.
type Progress func(done, total int)

// Reindex rebuilds the index from the database: every visible listing is
// indexed again, and every indexed document that is no longer a visible
// listing is removed. The outbox is left as is (its rows apply afterwards
// without harm).
func (ix *Indexer) Reindex(ctx context.Context, progress Progress) (indexed, removed int, err error) {
	total, err := ix.source.CountVisible(ctx)
	if err != nil {
		return 0, 0, err
	}
	if progress != nil {
		progress(0, total)
	}
	visible := map[string]bool{}
	err = ix.source.Visible(ctx, batchSize, func(docs []Document) error {
		if err := ix.engine.Index(ctx, docs...); err != nil {
			return err
		}
		for _, d := range docs {
			visible[d.ID] = true
		}
		indexed += len(docs)
		if progress != nil {
			progress(indexed, total)
		}
		return nil
	})
	if err != nil {
		return indexed, 0, fmt.Errorf("search: reindex: %w", err)
	}
	var stale []string
	if err := ix.engine.Versions(ctx, func(id, _ string) error {
		if !visible[id] {
			stale = append(stale, id)
		}
		return nil
	}); err != nil {
		return indexed, 0, fmt.Errorf("search: list the index: %w", err)
	}
	for chunk := range slices.Chunk(stale, batchSize) {
		if err := ix.engine.Delete(ctx, chunk...); err != nil {
			return indexed, removed, fmt.Errorf("search: remove stale documents: %w", err)
		}
		removed += len(chunk)
	}
	return indexed, removed, nil
}

// Difference is what Check found between the database and the index.
type Difference struct {
	// Missing are visible listings absent from the index; Stale are
	// indexed with an older version; Extra are indexed but not visible.
	Missing, Stale, Extra []string
	// Visible and Indexed count both sides.
	Visible, Indexed int
}

// OK reports whether the index matches the database.
func (d *Difference) OK() bool { return len(d.Missing)+len(d.Stale)+len(d.Extra) == 0 }

// maxReported bounds each list of a Difference.
const maxReported = 1000

// Check compares the database's visible listings with the index. Rows
// still waiting in the outbox explain a difference for a moment; Check
// says how many wait.
func (ix *Indexer) Check(ctx context.Context) (*Difference, int, error) {
	want := map[string]string{}
	d := &Difference{}
	if err := ix.source.Visible(ctx, batchSize, func(docs []Document) error {
		for _, doc := range docs {
			want[doc.ID] = doc.Version
		}
		return nil
	}); err != nil {
		return nil, 0, err
	}
	d.Visible = len(want)
	seen := map[string]bool{}
	add := func(list *[]string, id string) {
		if len(*list) < maxReported {
			*list = append(*list, id)
		}
	}
	if err := ix.engine.Versions(ctx, func(id, version string) error {
		d.Indexed++
		seen[id] = true
		v, ok := want[id]
		switch {
		case !ok:
			add(&d.Extra, id)
		case v != version:
			add(&d.Stale, id)
		}
		return nil
	}); err != nil {
		return nil, 0, fmt.Errorf("search: list the index: %w", err)
	}
	for id := range want {
		if !seen[id] {
			add(&d.Missing, id)
		}
	}
	slices.Sort(d.Missing)
	pending, err := ix.store.DB().NewSelect().Model((*outboxRow)(nil)).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("search: count the outbox: %w", err)
	}
	return d, int(pending), nil
}

// errNoTerritory is the error of a query without a territory.
var errNoTerritory = errors.New("search: a query needs a territory")

// CheckQuery validates the bounds of q that every engine shares.
func CheckQuery(q *Query) error {
	if q.Territory == "" {
		return errNoTerritory
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	if q.Limit < 1 || q.Limit > MaxLimit || q.Offset < 0 || q.Offset > MaxOffset {
		return fmt.Errorf("search: page out of bounds (limit 1 to %d, offset 0 to %d)", MaxLimit, MaxOffset)
	}
	return nil
}
