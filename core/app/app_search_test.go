package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/search/bleve"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// listingBody is a published listing of the kind, title and commune.
func listingBody(kind, title, commune string) string {
	return strings.NewReplacer(`"kind":"offer"`, `"kind":"`+kind+`"`, "Tonte de pelouse à Songeons", title,
		`"commune":"60623"`, `"commune":"`+commune+`"`).Replace(offer(true))
}

// TestSearchFollowsTheDatabase: listings reach the embedded index through
// the outbox; the search endpoint finds them in French (word forms, typos,
// synonyms), by radius and with facets, never across territories; a
// closed listing, and an erased member's, leave the index.
func TestSearchFollowsTheDatabase(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	sologne := member(t, a, "sologne@example.fr", "45006")
	bricolage := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", listingBody("offer", "Petit bricolage à domicile", "60623"), alice, 201))
	jardinage := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", listingBody("need", "Cherche aide au jardinage", "60245"), bob, 201))
	ailleurs := idOf(t, mustCall(t, a, "POST", "/api/v1/t/portes-de-sologne/listings", listingBody("offer", "Bricolage en Sologne", "45006"), sologne, 201))
	round := func() {
		t.Helper()
		for {
			n, err := a.Indexer.Round(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	round()
	const base = "/api/v1/t/picardie-verte/search"
	for _, tt := range []struct {
		query    string
		want     []string
		notWant  []string
		contains string
	}{
		{"?q=bricoler", []string{bricolage}, []string{jardinage, ailleurs}, ""},
		{"?q=BRICOLAGE", []string{bricolage}, nil, `\u003cmark\u003ebricolage\u003c/mark\u003e`},
		{"?q=bricolag", []string{bricolage}, nil, ""},
		{"?q=jardin", []string{jardinage}, []string{bricolage}, ""},
		{"?kind=need", []string{jardinage}, []string{bricolage}, ""},
		{"?near=60623&radius_km=5", []string{bricolage}, []string{jardinage}, ""},
		{"?near=60623&sort=distance&facets=true", []string{bricolage, jardinage}, nil, `"category"`},
	} {
		b := mustCall(t, a, "GET", base+tt.query, "", nil, 200)
		for _, id := range tt.want {
			if !strings.Contains(b, id) {
				t.Errorf("%s does not find %s: %s", tt.query, id, b)
			}
		}
		for _, id := range tt.notWant {
			if strings.Contains(b, id) {
				t.Errorf("%s finds %s: %s", tt.query, id, b)
			}
		}
		if !strings.Contains(b, tt.contains) {
			t.Errorf("%s lacks %s: %s", tt.query, tt.contains, b)
		}
	}
	for _, bad := range []string{"?radius_km=5", "?sort=distance", "?sort=price", "?near=99999", "?limit=1000", "?q=" + strings.Repeat("a", 201)} {
		mustCall(t, a, "GET", base+bad, "", nil, 400)
	}

	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings/"+bricolage+"/close", "", alice, 200)
	mustCall(t, a, "POST", "/api/v1/me/erase", `{"password":"bocage-verger-2026","confirm":"SUPPRIMER"}`, bob, 200)
	round()
	if b := mustCall(t, a, "GET", base, "", nil, 200); strings.Contains(b, bricolage) || strings.Contains(b, jardinage) {
		t.Errorf("a closed listing or an erased member's is still found: %s", b)
	}
	d, pending, err := a.Indexer.Check(ctx)
	if err != nil || !d.OK() || pending != 0 || d.Indexed != 1 {
		t.Errorf("check: %+v, %d pending, %v", d, pending, err)
	}
}

// TestIndexerCatchesUpAfterAnOutage: while the engine is down the outbox
// keeps every change; once an engine answers again, the indexer catches up
// by itself, and applying a row twice changes nothing.
func TestIndexerCatchesUpAfterAnOutage(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	alice := member(t, a, "alice@example.fr", "Songeons")
	id := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", listingBody("offer", "Petit bricolage à domicile", "60623"), alice, 201))
	// The engine goes away (closed): a round fails and loses nothing.
	down, err := bleve.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	_ = down.Close()
	if _, err := search.NewIndexer(a.Store, down, a.Listings, nil).Round(ctx); err == nil {
		t.Fatal("a round against a closed engine succeeded")
	}
	up, err := bleve.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	ix := search.NewIndexer(a.Store, up, a.Listings, nil)
	if n, err := ix.Round(ctx); err != nil || n == 0 {
		t.Fatalf("catching up: %d rows, %v", n, err)
	}
	// The same change again (as after a crash before the outbox was cleared).
	if err := a.Store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error { return search.EnqueueTx(ctx, tx, id) }); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Round(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := up.Search(ctx, search.Query{Territory: "picardie-verte", Text: "bricolage"})
	if err != nil || res.Total != 1 || res.Hits[0].ID != id {
		t.Fatalf("after catching up: %+v, %v", res, err)
	}
	if d, pending, err := ix.Check(ctx); err != nil || !d.OK() || pending != 0 {
		t.Errorf("check: %+v, %d pending, %v", d, pending, err)
	}
}
