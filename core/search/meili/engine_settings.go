package meili

import (
	"context"
	"errors"
	"fmt"

	"github.com/meilisearch/meilisearch-go"

	"github.com/campagnon/campagnon/core/search"
)

// Attribute names in the index. A document is search.Document with _geo
// for lat/lng and published_at as Unix seconds (see toDocument).
const (
	attrID          = "id"
	attrTerritory   = "territory"
	attrKind        = "kind"
	attrCategory    = "category"
	attrModality    = "modality"
	attrModes       = "modes"
	attrCommune     = "commune"
	attrCommuneName = "commune_name"
	attrTitle       = "title"
	attrDescription = "description"
	attrGeo         = "_geo"
	attrPublishedAt = "published_at"
	attrRating      = "rating"
	attrVersion     = "version"
)

// Bounds of the index settings.
const (
	// maxFacetValues bounds the values counted per facet: the largest EPCI
	// has a few hundred communes, categories are tens.
	maxFacetValues = 1000
	// maxTotalHits is how deep Meilisearch lets a query page: the deepest
	// page search.Query.Normalize allows.
	maxTotalHits = search.MaxOffset + search.MaxLimit
	// oneTypo and twoTypos are the shortest words that tolerate one and two
	// typos. Meilisearch's defaults are 5 and 9; services are often named
	// by short French words typed on a phone (« bois », « linge »,
	// « repas », « tonte »), so one typo from 4 letters, two from 8
	// (« plombié » finds « plombier », « jardinnage » « jardinage »).
	oneTypo  = 4
	twoTypos = 8
)

// frenchStopWords are dropped from queries and documents: articles,
// pronouns, prepositions and the words of « je cherche quelqu'un pour … près
// de … ». Words that name something here are kept on purpose: « car »
// (the school bus), « or », « garde », « cours ». Accented words are listed
// with and without their accents, as people type both.
var frenchStopWords = []string{
	"a", "à", "au", "aux", "avec", "c", "ca", "ça", "ce", "ces", "cet", "cette",
	"chez", "d", "dans", "de", "des", "du", "elle", "elles", "en", "est", "et",
	"il", "ils", "j", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "m",
	"ma", "me", "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous", "on",
	"ou", "où", "par", "pas", "pour", "pres", "près", "qu", "quelqu", "que",
	"qui", "s", "sa", "se", "ses", "son", "sur", "t", "ta", "te", "tes", "toi",
	"ton", "tu", "un", "une", "vos", "votre", "vous", "y",
}

// rankingRules put "sort" first: when a person asks for the nearest, the
// newest or the best rated, that order wins over relevance (Meilisearch's
// default puts it after words, typo, proximity and attribute, which would
// sort only among equally relevant hits). A relevance query sends no sort,
// and the rule then does nothing. The last two break ties as
// search.Query says — recency, then ID — so that pages never overlap.
var rankingRules = []string{"sort", "words", "typo", "proximity", "attribute", "exactness", attrPublishedAt + ":desc", attrID + ":asc"}

// synonyms maps every member of each group of search.Synonyms to the other
// members: Meilisearch synonyms are one-way unless listed both ways.
func synonyms() map[string][]string {
	out := map[string][]string{}
	for _, group := range search.Synonyms {
		for _, w := range group {
			for _, other := range group {
				if other != w {
					out[w] = append(out[w], other)
				}
			}
		}
	}
	return out
}

// indexSettings are the settings EnsureSettings applies.
func indexSettings() *meilisearch.Settings {
	searchable := []string{attrTitle, attrDescription, attrCommuneName, attrCategory}
	return &meilisearch.Settings{
		RankingRules:         rankingRules,
		SearchableAttributes: searchable,
		FilterableAttributes: []string{attrTerritory, attrKind, attrCategory, attrModality, attrModes, attrCommune, attrGeo},
		SortableAttributes:   []string{attrPublishedAt, attrRating, attrGeo, attrID},
		StopWords:            frenchStopWords,
		Synonyms:             synonyms(),
		// French everywhere: no language detection on short texts.
		LocalizedAttributes: []*meilisearch.LocalizedAttributes{{Locales: []string{"fra"}, AttributePatterns: searchable}},
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: oneTypo, TwoTypos: twoTypos},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
			// INSEE and postal codes: 41240 is not 41204.
			DisableOnNumbers: true,
		},
		Faceting:   &meilisearch.Faceting{MaxValuesPerFacet: maxFacetValues, SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount}},
		Pagination: &meilisearch.Pagination{MaxTotalHits: maxTotalHits},
	}
}

// EnsureSettings creates the index (primary key "id") if it does not
// exist and applies the settings, waiting until Meilisearch has. It is
// idempotent: run it at every start. An index whose primary key is not
// "id" is refused (it was made by something else).
func (e *Engine) EnsureSettings(parent context.Context) error {
	ctx, cancel := e.bound(parent)
	defer cancel()
	info, err := e.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: e.name, PrimaryKey: attrID})
	if err != nil {
		return fail(parent, "create index "+e.name, err)
	}
	task, err := e.wait(parent, ctx, "create index "+e.name, info.TaskUID)
	if err != nil && (task == nil || task.Error.Code != meilisearch.APIErrCodeIndexAlreadyExists) {
		return err
	}
	idx, err := e.idx().FetchInfo(ctx)
	if err != nil {
		return fail(parent, "read index "+e.name, err)
	}
	switch idx.PrimaryKey {
	case attrID:
	case "":
		info, err := e.idx().UpdateIndex(ctx, &meilisearch.UpdateIndexRequestParams{PrimaryKey: attrID})
		if err != nil {
			return fail(parent, "set the primary key of "+e.name, err)
		}
		if _, err := e.wait(parent, ctx, "set the primary key of "+e.name, info.TaskUID); err != nil {
			return err
		}
	default:
		return fmt.Errorf("meilisearch: index %s has primary key %q, not %q: it was not made by Campagnon; choose another index name", e.name, idx.PrimaryKey, attrID)
	}
	info, err = e.idx().UpdateSettings(ctx, indexSettings())
	if err != nil {
		return fail(parent, "update the settings of "+e.name, err)
	}
	if _, err := e.wait(parent, ctx, "update the settings of "+e.name, info.TaskUID); err != nil {
		if errors.Is(err, errTaskFailed) {
			return fmt.Errorf("%w (the settings need a recent Meilisearch v1: localizedAttributes, typoTolerance.disableOnNumbers)", err)
		}
		return err
	}
	return nil
}
