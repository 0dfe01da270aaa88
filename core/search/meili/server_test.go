package meili

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/search/searchtest"
)

// The tests in this file need a real Meilisearch. None can be installed
// on the development machines, so they skip there, and only the stand-in
// and request-building tests run; set CAMPAGNON_TEST_MEILI_URL (and
// CAMPAGNON_TEST_MEILI_KEY when the server has a master key) to run them:
//
//	docker run --rm -p 7700:7700 -e MEILI_MASTER_KEY=test-master-key-16chars getmeili/meilisearch
//	CAMPAGNON_TEST_MEILI_URL=http://127.0.0.1:7700 CAMPAGNON_TEST_MEILI_KEY=test-master-key-16chars \
//	  go test ./core/search/meili/
//
// Each test works in its own fresh indexes (campagnon_test_…), deleted
// afterwards.

// realServer returns the server's address and key, or skips t.
func realServer(t *testing.T) (url, key string) {
	t.Helper()
	url = os.Getenv("CAMPAGNON_TEST_MEILI_URL")
	if url == "" {
		t.Skip("no Meilisearch server here: this test runs against a real Meilisearch when CAMPAGNON_TEST_MEILI_URL is set " +
			"(and CAMPAGNON_TEST_MEILI_KEY for a server with a master key); without one, only the request building and the stand-in are tested")
	}
	return url, os.Getenv("CAMPAGNON_TEST_MEILI_KEY")
}

var indexSeq atomic.Int64

// openFresh opens an engine on a new index, deleted when t ends.
func openFresh(t *testing.T, url, key string) *Engine {
	t.Helper()
	name := fmt.Sprintf("campagnon_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), indexSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := Open(ctx, Config{URL: url, APIKey: key, Index: name})
	if err != nil {
		t.Fatalf("open Meilisearch index %s at %s: %v", name, url, err)
	}
	t.Cleanup(func() {
		defer e.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		info, err := e.client.DeleteIndex(ctx, name)
		if err == nil {
			_, err = e.wait(ctx, ctx, "delete index "+name, info.TaskUID)
		}
		if err != nil {
			t.Errorf("delete test index %s: %v", name, err)
		}
	})
	return e
}

// TestConformance runs the suite every engine passes (core/search/
// searchtest) against a real Meilisearch.
func TestConformance(t *testing.T) {
	url, key := realServer(t)
	searchtest.Run(t, func(t *testing.T) search.Engine { return openFresh(t, url, key) })
}

// TestServerSettings checks that the server kept the settings as sent,
// and that EnsureSettings can run again.
func TestServerSettings(t *testing.T) {
	url, key := realServer(t)
	e := openFresh(t, url, key)
	ctx := context.Background()
	if err := e.EnsureSettings(ctx); err != nil {
		t.Fatalf("second EnsureSettings: %v", err)
	}
	got, err := e.idx().GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := indexSettings()
	for name, pair := range map[string][2][]string{
		"searchableAttributes": {got.SearchableAttributes, want.SearchableAttributes},
		"rankingRules":         {got.RankingRules, want.RankingRules},
	} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	for name, pair := range map[string][2][]string{
		"filterableAttributes": {got.FilterableAttributes, want.FilterableAttributes},
		"sortableAttributes":   {got.SortableAttributes, want.SortableAttributes},
	} {
		if !slices.Equal(slices.Sorted(slices.Values(pair[0])), slices.Sorted(slices.Values(pair[1]))) {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	if got.TypoTolerance == nil || got.TypoTolerance.MinWordSizeForTypos != want.TypoTolerance.MinWordSizeForTypos {
		t.Errorf("typo tolerance %+v", got.TypoTolerance)
	}
	if got.Pagination == nil || got.Pagination.MaxTotalHits != maxTotalHits {
		t.Errorf("pagination %+v", got.Pagination)
	}
	if len(got.Synonyms) != len(want.Synonyms) || len(got.StopWords) == 0 {
		t.Errorf("synonyms %v, %d stop words", got.Synonyms, len(got.StopWords))
	}
}

// TestServerHostileValues: on a real server, a filter value holding
// quotes and operators matches nothing instead of widening the query.
func TestServerHostileValues(t *testing.T) {
	url, key := realServer(t)
	e := openFresh(t, url, key)
	ctx := context.Background()
	docs := sampleDocuments()
	if err := e.Index(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	for _, v := range hostile {
		for _, q := range []search.Query{
			{Territory: docs[0].Territory, Category: v},
			{Territory: v},
			{Territory: docs[0].Territory, Commune: v, Kind: v},
		} {
			res, err := e.Search(ctx, q)
			if err != nil {
				t.Errorf("query %+v: %v", q, err)
				continue
			}
			if len(res.Hits) != 0 {
				t.Errorf("query %+v found %d listing(s): the value changed the filter", q, len(res.Hits))
			}
		}
	}
	// A value with quotes and backslashes is found by itself.
	odd := docs[0]
	odd.ID, odd.Category = "odd", `ca"t\égo'rie`
	if err := e.Index(ctx, odd); err != nil {
		t.Fatal(err)
	}
	res, err := e.Search(ctx, search.Query{Territory: odd.Territory, Category: odd.Category})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != "odd" {
		t.Errorf("category %q: %+v, %v; want the one listing", odd.Category, res, err)
	}
}

// TestServerTenantToken: a tenant token searches only its territory,
// whatever filter its holder sends.
func TestServerTenantToken(t *testing.T) {
	url, key := realServer(t)
	if key == "" {
		t.Skip("tenant tokens need a server with a master key: set CAMPAGNON_TEST_MEILI_KEY")
	}
	e := openFresh(t, url, key)
	ctx := context.Background()
	docs := sampleDocuments()
	if err := e.Index(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	created, err := e.client.CreateKey(ctx, &meilisearch.Key{
		Name: "campagnon test " + e.name, Actions: []string{"search"}, Indexes: []string{e.name},
		ExpiresAt: time.Now().Add(time.Hour).UTC().Truncate(time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.client.DeleteKey(context.Background(), created.UID) })
	token, err := e.TenantToken(SearchKey{UID: created.UID, Key: created.Key}, docs[0].Territory, time.Now().Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	client := meilisearch.New(url, meilisearch.WithAPIKey(token))
	defer client.Close()
	for _, f := range []any{nil, territoryFilter(docs[1].Territory), territoryFilter(docs[1].Territory) + " OR territory EXISTS"} {
		res, err := client.Index(e.name).Search(ctx, "", &meilisearch.SearchRequest{Filter: f})
		if err != nil {
			t.Fatalf("search with the token, filter %v: %v", f, err)
		}
		for _, h := range res.Hits {
			var d idVersion
			_ = h.DecodeInto(&d)
			if d.ID != docs[0].ID {
				t.Errorf("filter %v: the token found %s, outside %s", f, d.ID, docs[0].Territory)
			}
		}
	}
}
