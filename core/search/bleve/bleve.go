// Package bleve is Campagnon's embedded search engine, the default: a
// search.Engine over a Bleve index kept in a directory under the data
// directory (or in memory, for tests). It needs nothing installed.
//
// Text is analysed for French (see newFrenchAnalyzer): case and accents
// do not matter, words are stemmed ("bricoler" finds "bricolage"), and a
// query tolerates typos (one edit in a word of 5 letters or more once
// stemmed, two from 9) and expands search.Synonyms. Filters are exact
// keyword fields; a radius is the territory's places within it (see
// places); every query is filtered by its territory. Highlights are
// computed from the stored text (see plan.highlight). Why Bleve rather
// than SQLite FTS5, and the figures, are in docs/rationale.md and
// docs/benchmarks.md.
//
// Under abuse: a query's text is bounded (search.MaxTextRunes, and only
// its first 12 words are searched), its page and depth too
// (search.MaxLimit, search.MaxOffset), and every search has a deadline
// (WithTimeout): a search that runs out of time fails whole.
package bleve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/search"
)

// mappingVersion is recorded in the index. An index written with another
// mapping (another analyzer, other fields) is refused by Open with
// ErrOutdated: it must be rebuilt (Create, then a reindex).
const mappingVersion = "campagnon-search-2"

const versionKey = "campagnon_mapping_version"

// ErrOutdated is wrapped by Open when the index on disk was built with
// another mapping than this binary's.
var ErrOutdated = errors.New("search index built by another version")

// DefaultTimeout bounds one search when no other deadline is set.
const DefaultTimeout = 2 * time.Second

// Engine is a search.Engine over a Bleve index. It is safe for concurrent
// use.
type Engine struct {
	index   blevesearch.Index
	places  *places
	timeout time.Duration
	fuzzy   bool
	// gate admits at most GOMAXPROCS searches at once, first come first
	// served; see Search.
	gate chan struct{}
}

// Option changes how an engine runs.
type Option func(*Engine)

// WithTimeout bounds each search (DefaultTimeout otherwise); the context's
// own deadline applies too, whichever is first. A search that runs out of
// time fails with KindUnavailable and nothing partial is returned.
func WithTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.timeout = d
		}
	}
}

// WithoutTypos turns typo tolerance off (exact and stemmed terms only): for
// measuring what it costs.
func WithoutTypos() Option { return func(e *Engine) { e.fuzzy = false } }

func newEngine(idx blevesearch.Index, opts []Option) *Engine {
	e := &Engine{index: idx, places: &places{}, timeout: DefaultTimeout, fuzzy: true, gate: make(chan struct{}, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(e)
	}
	return e
}

// NewMemory returns an engine whose index lives in memory only.
func NewMemory(opts ...Option) (*Engine, error) {
	idx, err := blevesearch.NewMemOnly(newMapping())
	if err != nil {
		return nil, fmt.Errorf("search: new in-memory index: %w", err)
	}
	if err := idx.SetInternal([]byte(versionKey), []byte(mappingVersion)); err != nil {
		return nil, fmt.Errorf("search: new in-memory index: %w", err)
	}
	return newEngine(idx, opts), nil
}

// Open opens the index in dir, creating it (and dir) when absent. An index
// written by another mapping version is refused with an error wrapping
// ErrOutdated: call Create, then rebuild it from the database.
func Open(dir string, opts ...Option) (*Engine, error) {
	idx, err := blevesearch.OpenUsing(dir, runtimeConfig())
	switch {
	case errors.Is(err, blevesearch.ErrorIndexPathDoesNotExist):
		return Create(dir, opts...)
	case err != nil:
		return nil, apperr.Wrap(fmt.Errorf("open search index %s: %w", dir, err), apperr.KindUnavailable, "search_index_unreadable",
			fmt.Sprintf("L'index de recherche (%s) ne s'ouvre pas : un autre processus Campagnon l'utilise peut-être (un seul à la fois), sinon vérifiez les droits du dossier, ou supprimez-le et lancez « campagnon reindex ».", dir),
			fmt.Sprintf("The search index (%s) cannot be opened: another Campagnon process may be using it (one at a time); otherwise check the folder's permissions, or delete it and run \"campagnon reindex\".", dir))
	}
	v, err := idx.GetInternal([]byte(versionKey))
	if err != nil || string(v) != mappingVersion {
		_ = idx.Close()
		return nil, apperr.Wrap(fmt.Errorf("search index %s has mapping %q, want %q: %w", dir, v, mappingVersion, ErrOutdated),
			apperr.KindConflict, "search_index_outdated",
			fmt.Sprintf("L'index de recherche (%s) a été construit par une autre version de Campagnon : il faut le reconstruire (« campagnon reindex »).", dir),
			fmt.Sprintf("The search index (%s) was built by another version of Campagnon: rebuild it (\"campagnon reindex\").", dir))
	}
	e := newEngine(idx, opts)
	if err := e.loadPlaces(); err != nil {
		_ = idx.Close()
		return nil, err
	}
	return e, nil
}

// Create makes a new, empty index in dir. An index already there is
// removed first; any other content makes Create fail rather than delete
// files that are not an index.
func Create(dir string, opts ...Option) (*Engine, error) {
	if err := removeIndex(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return nil, fmt.Errorf("search: create %s: %w", dir, err)
	}
	idx, err := blevesearch.NewUsing(dir, newMapping(), blevesearch.Config.DefaultIndexType, blevesearch.Config.DefaultKVStore, runtimeConfig())
	if err != nil {
		return nil, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	if err := idx.SetInternal([]byte(versionKey), []byte(mappingVersion)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	return newEngine(idx, opts), nil
}

// lockTimeout bounds the wait for an index that another process holds
// (Bleve locks it while open): fail with a message rather than hang.
const lockTimeout = "1s"

func runtimeConfig() map[string]any { return map[string]any{"bolt_timeout": lockTimeout} }

// removeIndex deletes dir if it holds a Bleve index (its index_meta.json
// says so) or is empty; it refuses anything else.
func removeIndex(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("search: read %s: %w", dir, err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
			return fmt.Errorf("search: %s is not empty and holds no search index: refusing to delete it", dir)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("search: remove the old index %s: %w", dir, err)
	}
	return nil
}

// Close releases the index; with an index on disk, everything Index and
// Delete acknowledged is already persisted.
func (e *Engine) Close() error { return e.index.Close() }

// Fields of the index.
const (
	fText        = "text"
	fScoped      = "scoped"
	fTitle       = "title"
	fDescription = "description"
	fTerritory   = "territory"
	fKind        = "kind"
	fCategory    = "category"
	fModality    = "modality"
	fModes       = "modes"
	fCommune     = "commune"
	fGeo         = "geo"
	fPlace       = "place"
	fLat         = "lat"
	fLng         = "lng"
	fPublished   = "published_at"
	fRating      = "rating"
	fVersion     = "version"
)

// newMapping is the one document type: the searchable text in one French
// field whose terms are scoped by territory (title twice, description and
// commune name), the filters as terms scoped by territory too, exact
// keywords for facets, the place and geopoint for radius and distance,
// sortable date and rating, stored values for highlights and distances,
// and the version as a doc value for the check. No term vectors and no
// "_all" field: highlights are computed from the stored text (see
// plan.highlight).
func newMapping() *mapping.IndexMappingImpl {
	kw := func(facet bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = facet
		return f
	}
	stored := func(f *mapping.FieldMapping) *mapping.FieldMapping {
		f.Index = false
		f.Store = true
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	sortable := func(f *mapping.FieldMapping) *mapping.FieldMapping {
		f.Store = false
		f.IncludeInAll = false
		return f
	}
	text := mapping.NewTextFieldMapping()
	text.Analyzer = scopedAnalyzerName
	text.Store = false
	text.IncludeTermVectors = false
	text.IncludeInAll = false
	text.DocValues = false

	doc := mapping.NewDocumentStaticMapping()
	doc.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	doc.AddFieldMappingsAt(fText, text)
	doc.AddFieldMappingsAt(fScoped, kw(false))
	doc.AddFieldMappingsAt(fTitle, stored(mapping.NewTextFieldMapping()))
	doc.AddFieldMappingsAt(fDescription, stored(mapping.NewTextFieldMapping()))
	doc.AddFieldMappingsAt(fTerritory, kw(false))
	doc.AddFieldMappingsAt(fCategory, kw(true))
	doc.AddFieldMappingsAt(fCommune, kw(true))
	doc.AddFieldMappingsAt(fModes, kw(true))
	doc.AddFieldMappingsAt(fPlace, kw(false))
	doc.AddFieldMappingsAt(fGeo, sortable(mapping.NewGeoPointFieldMapping()))
	doc.AddFieldMappingsAt(fLat, stored(mapping.NewNumericFieldMapping()))
	doc.AddFieldMappingsAt(fLng, stored(mapping.NewNumericFieldMapping()))
	doc.AddFieldMappingsAt(fPublished, sortable(mapping.NewDateTimeFieldMapping()))
	doc.AddFieldMappingsAt(fRating, sortable(mapping.NewNumericFieldMapping()))
	doc.AddFieldMappingsAt(fVersion, kw(true))

	m := blevesearch.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerName
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	return m
}

// toIndex is a Document as the mapping reads it.
func toIndex(d search.Document) map[string]any {
	scope := scopePrefix(d.Territory)
	scoped := []string{scope + fKind + "=" + d.Kind, scope + fCategory + "=" + d.Category,
		scope + fModality + "=" + d.Modality, scope + fCommune + "=" + d.Commune}
	for _, m := range d.Modes {
		scoped = append(scoped, scope+"mode="+m)
	}
	modes := d.Modes
	if modes == nil {
		modes = []string{}
	}
	return map[string]any{
		fText:        scopedText(d.Territory, d.Title+"\n"+d.Title+"\n"+d.Description+"\n"+d.CommuneName),
		fScoped:      scoped,
		fTitle:       d.Title,
		fDescription: d.Description,
		fTerritory:   d.Territory,
		fCategory:    d.Category,
		fModes:       modes,
		fCommune:     d.Commune,
		fGeo:         map[string]any{"lat": d.Lat, "lon": d.Lng},
		fPlace:       placeTerm(d),
		fLat:         d.Lat,
		fLng:         d.Lng,
		fPublished:   d.PublishedAt.UTC(),
		fRating:      d.Rating,
		fVersion:     d.Version,
	}
}

// indexBatch bounds the documents of one Bleve batch.
const indexBatch = 1000

// Index adds or replaces docs. Each batch of up to 1,000 documents is
// persisted (on disk) before the next starts, and before Index returns.
func (e *Engine) Index(ctx context.Context, docs ...search.Document) error {
	for start := 0; start < len(docs); start += indexBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := e.index.NewBatch()
		for _, d := range docs[start:min(start+indexBatch, len(docs))] {
			if d.ID == "" {
				return fmt.Errorf("search: index a document without an ID (territory %q)", d.Territory)
			}
			if d.Territory == "" || strings.ContainsAny(d.Territory, "|\x1f") {
				return fmt.Errorf("search: index %s: territory %q is not a slug", d.ID, d.Territory)
			}
			if err := b.Index(d.ID, toIndex(d)); err != nil {
				return fmt.Errorf("search: index %s: %w", d.ID, err)
			}
		}
		// The places go first: a search must never miss a point that
		// the index already holds.
		e.places.add(docs[start:min(start+indexBatch, len(docs))])
		if err := e.index.Batch(b); err != nil {
			return fmt.Errorf("search: index %d document(s): %w", b.Size(), err)
		}
	}
	return nil
}

// Delete removes documents by ID; an absent ID is no error.
func (e *Engine) Delete(ctx context.Context, ids ...string) error {
	for start := 0; start < len(ids); start += indexBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := e.index.NewBatch()
		for _, id := range ids[start:min(start+indexBatch, len(ids))] {
			b.Delete(id)
		}
		if err := e.index.Batch(b); err != nil {
			return fmt.Errorf("search: delete %d document(s): %w", b.Size(), err)
		}
	}
	return nil
}

// Versions calls fn with every document's ID and Version, from one
// snapshot of the index, in the index's order. It walks the index's
// document numbers and reads the versions' doc values, so a million
// documents cost one pass, not a search per page.
func (e *Engine) Versions(ctx context.Context, fn func(id, version string) error) error {
	adv, err := e.index.Advanced()
	if err != nil {
		return fmt.Errorf("search: list versions: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("search: list versions: %w", err)
	}
	defer r.Close()
	all, err := r.DocIDReaderAll()
	if err != nil {
		return fmt.Errorf("search: list versions: %w", err)
	}
	defer all.Close()
	values, err := r.DocValueReader([]string{fVersion})
	if err != nil {
		return fmt.Errorf("search: list versions: %w", err)
	}
	for n := 0; ; n++ {
		if n%indexBatch == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		internal, err := all.Next()
		if err != nil {
			return fmt.Errorf("search: list versions: %w", err)
		}
		if internal == nil {
			return nil
		}
		id, err := r.ExternalID(internal)
		if err != nil {
			return fmt.Errorf("search: list versions: %w", err)
		}
		var version string
		err = values.VisitDocValues(internal, func(_ string, term []byte) { version = string(term) })
		if err != nil {
			return fmt.Errorf("search: version of %s: %w", id, err)
		}
		if err := fn(id, version); err != nil {
			return err
		}
	}
}

// Count returns how many documents the index holds.
func (e *Engine) Count() (uint64, error) { return e.index.DocCount() }

var _ search.Engine = (*Engine)(nil)
