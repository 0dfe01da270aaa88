package meili

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/campagnon/campagnon/core/search"
)

// Batch sizes.
const (
	// indexBatch bounds the documents of one request (a few MB, far below
	// Meilisearch's 100 MB payload limit).
	indexBatch = 5000
	// versionsBatch is the page of Versions (IDs and versions only).
	versionsBatch = 10_000
)

// documentID is what Meilisearch accepts as a document ID.
var documentID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)

// geo is Meilisearch's _geo: it wants lng, not lon.
type geo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// document is a search.Document as the index holds it.
type document struct {
	ID          string   `json:"id"`
	Territory   string   `json:"territory"`
	Kind        string   `json:"kind"`
	Category    string   `json:"category"`
	Modality    string   `json:"modality"`
	Modes       []string `json:"modes"`
	Commune     string   `json:"commune"`
	CommuneName string   `json:"commune_name"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	// Geo is absent for a document without a place (0, 0): radius
	// queries leave it out, distance sorts put it last.
	Geo *geo `json:"_geo,omitempty"`
	// PublishedAt is Unix time in seconds, with milliseconds as the
	// fraction, so that it sorts; 0 when unknown.
	PublishedAt float64 `json:"published_at"`
	Rating      float64 `json:"rating"`
	Version     string  `json:"version"`
}

// checkPoint refuses a place that is not on Earth (Meilisearch would
// fail the whole batch).
func checkPoint(p *search.Point) error {
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lng) || p.Lat < -90 || p.Lat > 90 || p.Lng < -180 || p.Lng > 180 {
		return fmt.Errorf("search: point (%v, %v) is not a latitude and longitude in degrees", p.Lat, p.Lng)
	}
	return nil
}

// unixSeconds is t as Unix seconds with milliseconds, 0 for the zero time.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

// toDocument maps d to the index's form, refusing what Meilisearch would
// refuse (which would fail the whole batch's task) and a document without
// a territory (no query could ever find it).
func toDocument(d search.Document) (document, error) {
	if !documentID.MatchString(d.ID) {
		return document{}, fmt.Errorf("document ID %q: Meilisearch accepts letters, digits, - and _ (at most 511)", d.ID)
	}
	if d.Territory == "" {
		return document{}, fmt.Errorf("document %s has no territory", d.ID)
	}
	if math.IsNaN(d.Rating) || math.IsInf(d.Rating, 0) {
		return document{}, fmt.Errorf("document %s: rating %v is not a number", d.ID, d.Rating)
	}
	doc := document{
		ID: d.ID, Territory: d.Territory, Kind: d.Kind, Category: d.Category, Modality: d.Modality,
		Modes: d.Modes, Commune: d.Commune, CommuneName: d.CommuneName,
		Title: d.Title, Description: d.Description,
		PublishedAt: unixSeconds(d.PublishedAt), Rating: d.Rating, Version: d.Version,
	}
	if doc.Modes == nil {
		doc.Modes = []string{}
	}
	if d.Lat != 0 || d.Lng != 0 {
		p := search.Point{Lat: d.Lat, Lng: d.Lng}
		if err := checkPoint(&p); err != nil {
			return document{}, fmt.Errorf("document %s: %w", d.ID, err)
		}
		doc.Geo = &geo{Lat: d.Lat, Lng: d.Lng}
	}
	return doc, nil
}

// Index adds or replaces docs and returns once Meilisearch has them all:
// every batch's task succeeded. It fails with the first failed task's
// error (the batches before it are indexed; indexing again is harmless),
// with search.ErrUnavailable when the server cannot be reached, or when
// ctx ends first (the documents may then be indexed or not: index again).
func (e *Engine) Index(parent context.Context, docs ...search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	mapped := make([]document, len(docs))
	for i, d := range docs {
		doc, err := toDocument(d)
		if err != nil {
			return fmt.Errorf("meilisearch index: %w", err)
		}
		mapped[i] = doc
	}
	pk := attrID
	return inBatches(e, parent, "index documents in "+e.name, mapped, func(ctx context.Context, batch []document) (*meilisearch.TaskInfo, error) {
		return e.idx().AddDocuments(ctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	})
}

// Delete removes the documents ids and returns once Meilisearch has. An
// absent ID, or one Meilisearch could not hold, is no error.
func (e *Engine) Delete(parent context.Context, ids ...string) error {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if documentID.MatchString(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return nil
	}
	return inBatches(e, parent, "delete documents from "+e.name, valid, func(ctx context.Context, batch []string) (*meilisearch.TaskInfo, error) {
		return e.idx().DeleteDocuments(ctx, batch, nil)
	})
}

// inBatches sends items by indexBatch with send, then waits for every
// task, all within one bounded context: it returns once Meilisearch has
// processed them all, or with the first failure.
func inBatches[T any](e *Engine, parent context.Context, op string, items []T, send func(context.Context, []T) (*meilisearch.TaskInfo, error)) error {
	ctx, cancel := e.bound(parent)
	defer cancel()
	var tasks []int64
	for batch := range slices.Chunk(items, indexBatch) {
		info, err := send(ctx, batch)
		if err != nil {
			return fail(parent, fmt.Sprintf("%s (%d)", op, len(batch)), err)
		}
		tasks = append(tasks, info.TaskUID)
	}
	for _, uid := range tasks {
		if _, err := e.wait(parent, ctx, op, uid); err != nil {
			return err
		}
	}
	return nil
}

// Versions calls fn with every document's ID and Version, a page of
// versionsBatch at a time (each page bounded by the engine's timeout when
// ctx has none). Documents indexed or deleted meanwhile may be missed or
// seen twice: the check that uses it reports what waits in the outbox.
func (e *Engine) Versions(parent context.Context, fn func(id, version string) error) error {
	for offset := int64(0); ; offset += versionsBatch {
		page, err := e.versionsPage(parent, offset)
		if err != nil {
			return err
		}
		for _, d := range page.docs {
			if err := fn(d.ID, d.Version); err != nil {
				return err
			}
		}
		if len(page.docs) < versionsBatch || offset+versionsBatch >= page.total {
			return nil
		}
	}
}

// idVersion is what Versions reads of a document.
type idVersion struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

type versionsPage struct {
	docs  []idVersion
	total int64
}

func (e *Engine) versionsPage(parent context.Context, offset int64) (*versionsPage, error) {
	ctx, cancel := e.bound(parent)
	defer cancel()
	var res meilisearch.DocumentsResult
	q := &meilisearch.DocumentsQuery{Offset: offset, Limit: versionsBatch, Fields: []string{attrID, attrVersion}}
	if err := e.idx().GetDocuments(ctx, q, &res); err != nil {
		return nil, fail(parent, "list the documents of "+e.name, unwrapHint(err))
	}
	page := &versionsPage{total: res.Total}
	page.docs = make([]idVersion, len(res.Results))
	for i, hit := range res.Results {
		if err := hit.DecodeInto(&page.docs[i]); err != nil {
			return nil, fmt.Errorf("meilisearch list the documents of %s: %w", e.name, err)
		}
	}
	return page, nil
}

// unwrapHint returns the *meilisearch.Error that GetDocuments wraps in a
// version hint, so that fail can classify it.
func unwrapHint(err error) error {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		return me
	}
	return err
}
