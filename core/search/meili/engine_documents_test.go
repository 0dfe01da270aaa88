package meili

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/search"
)

// sampleDocuments are two listings as core/listing hands them over.
func sampleDocuments() []search.Document {
	return []search.Document{
		{
			ID: "0192f3a4-7b1c-7def-8a00-000000000001", Territory: "portes-de-sologne", Kind: "offer",
			Category: "petits-travaux", Modality: "resident", Modes: []string{"free", "time_credits"},
			Commune: "41126", CommuneName: "Marcilly-en-Villette",
			Title: "Jardinage : tonte, taille de haies", Description: "J'ai ma tondeuse & mon taille-haie <b>pro</b>.",
			Lat: 47.7642, Lng: 2.0186, PublishedAt: time.Date(2026, 11, 20, 9, 30, 15, 250_000_000, time.UTC),
			Rating: 4.5, Version: "2026-11-20T09:30:15.25Z",
		},
		{
			ID: "0192f3a4-7b1c-7def-8a00-000000000002", Territory: "picardie-verte", Kind: "need",
			Category: "mobilite", Modality: "resident", Commune: "60613", CommuneName: "Songeons",
			Title: "Cherche covoiturage vers Beauvais", Description: "Le car ne passe qu'une fois par jour.",
			Version: "v1",
		},
	}
}

// TestToDocument pins the documents sent to Meilisearch
// (testdata/documents.json): _geo with lng, published_at as Unix seconds,
// modes never null, no _geo for a listing without a place.
func TestToDocument(t *testing.T) {
	t.Parallel()
	var docs []document
	for _, d := range sampleDocuments() {
		doc, err := toDocument(d)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	got, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, got, "testdata/documents.json")
	if !strings.Contains(string(got), `"_geo":{"lat":47.7642,"lng":2.0186}`) {
		t.Errorf("_geo is not {lat, lng}: %s", got)
	}
	if docs[0].PublishedAt != 1795167015.25 {
		t.Errorf("published_at %v, want 1795167015.25", docs[0].PublishedAt)
	}
}

func TestToDocumentRefused(t *testing.T) {
	t.Parallel()
	base := sampleDocuments()[0]
	tests := []struct {
		name   string
		change func(d *search.Document)
		want   string
	}{
		{"ID with a slash", func(d *search.Document) { d.ID = "a/b" }, "document ID"},
		{"ID with a quote", func(d *search.Document) { d.ID = `a"b` }, "document ID"},
		{"empty ID", func(d *search.Document) { d.ID = "" }, "document ID"},
		{"ID too long", func(d *search.Document) { d.ID = strings.Repeat("a", 512) }, "document ID"},
		{"no territory", func(d *search.Document) { d.Territory = "" }, "territory"},
		{"NaN rating", func(d *search.Document) { d.Rating = math.NaN() }, "rating"},
		{"latitude out of range", func(d *search.Document) { d.Lat = 95 }, "latitude"},
		{"longitude out of range", func(d *search.Document) { d.Lng = -181 }, "latitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := base
			tt.change(&d)
			if _, err := toDocument(d); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one about %q", err, tt.want)
			}
		})
	}
}
