package bleve_test

import (
	"context"
	"fmt"
	"time"

	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/search/bleve"
)

// A resident types without accents, with a typo, and finds the listing
// near them, its words marked.
func ExampleNewMemory() {
	e, err := bleve.NewMemory()
	if err != nil {
		panic(err)
	}
	defer e.Close()
	ctx := context.Background()
	songeons := search.Point{Lat: 49.5627, Lng: 1.8525}
	err = e.Index(ctx,
		search.Document{ID: "1", Territory: "picardie-verte", Kind: "offer", Category: "petits-travaux",
			Commune: "60623", CommuneName: "Songeons", Lat: songeons.Lat, Lng: songeons.Lng,
			Title: "Électricien à la retraite", Description: "Petits dépannages : prises, interrupteurs.",
			PublishedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Version: "1"},
		search.Document{ID: "2", Territory: "portes-de-sologne", Kind: "offer", Category: "petits-travaux",
			Commune: "45193", CommuneName: "Marcilly-en-Villette", Lat: 47.772, Lng: 2.0341,
			Title: "Électricien", Version: "1"},
	)
	if err != nil {
		panic(err)
	}
	r, err := e.Search(ctx, search.Query{Territory: "picardie-verte", Text: "electritien", Near: &songeons, RadiusKm: 10})
	if err != nil {
		panic(err)
	}
	for _, h := range r.Hits {
		fmt.Println(h.ID, h.DistanceKm, h.Highlights["title"])
	}
	_, err = e.Search(ctx, search.Query{Text: "electricien"})
	fmt.Println(err)
	// Output:
	// 1 0 <mark>Électricien</mark> à la retraite
	// La recherche doit porter sur un territoire.
}
