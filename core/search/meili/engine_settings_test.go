package meili

import (
	"encoding/json"
	"flag"
	"slices"
	"testing"

	"github.com/campagnon/campagnon/core/search"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestIndexSettings pins the settings sent to Meilisearch
// (testdata/settings.json) and checks the properties that matter.
func TestIndexSettings(t *testing.T) {
	t.Parallel()
	s := indexSettings()
	got, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, got, "testdata/settings.json")

	for _, attr := range []string{attrTerritory, attrKind, attrCategory, attrModality, attrModes, attrCommune, attrGeo} {
		if !slices.Contains(s.FilterableAttributes, attr) {
			t.Errorf("%s is not filterable", attr)
		}
	}
	for _, attr := range []string{attrPublishedAt, attrRating, attrGeo} {
		if !slices.Contains(s.SortableAttributes, attr) {
			t.Errorf("%s is not sortable", attr)
		}
	}
	if s.RankingRules[0] != "sort" {
		t.Errorf("ranking rules %v: an asked-for sort must come first", s.RankingRules)
	}
	if s.Pagination.MaxTotalHits != search.MaxOffset+search.MaxLimit {
		t.Errorf("maxTotalHits %d, want the deepest page %d", s.Pagination.MaxTotalHits, search.MaxOffset+search.MaxLimit)
	}
	if !s.TypoTolerance.Enabled {
		t.Error("typo tolerance is off")
	}
	// Every synonym goes both ways.
	for _, group := range search.Synonyms {
		for _, a := range group {
			for _, b := range group {
				if a != b && !slices.Contains(s.Synonyms[a], b) {
					t.Errorf("synonym %q does not lead to %q", a, b)
				}
			}
		}
	}
	// Words that name a service here are not stop words.
	for _, w := range []string{"car", "or", "garde", "cours", "bois", "aide", "transport"} {
		if slices.Contains(s.StopWords, w) {
			t.Errorf("%q is a stop word", w)
		}
	}
}
