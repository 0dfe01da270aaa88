package bleve

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/campagnon/campagnon/core/search"
)

// places knows every point where listings of each territory are. Listings
// sit at their commune's centre, so a territory has few points (tens, a
// few hundred at most), and a radius becomes the few points within it:
// exact (our own great-circle distance, the one hits report), and cheap
// to search as terms of the "place" field, where Bleve's geo query checks
// the coordinates of every candidate.
//
// Each listing is indexed with the term "territory|lat|lng". The set is
// rebuilt from the field's dictionary when the index is opened and grows
// as documents are indexed; a point whose listings are all gone stays in
// it, harmlessly (its term finds nothing).
type places struct {
	mu sync.RWMutex
	by map[string]map[string]search.Point // territory → term → point
}

func placeTerm(d search.Document) string {
	return d.Territory + "|" + strconv.FormatFloat(d.Lat, 'f', -1, 64) + "|" + strconv.FormatFloat(d.Lng, 'f', -1, 64)
}

func parsePlaceTerm(term string) (territory string, p search.Point, err error) {
	parts := strings.Split(term, "|")
	if len(parts) != 3 {
		return "", p, fmt.Errorf("place term %q: want territory|lat|lng", term)
	}
	if p.Lat, err = strconv.ParseFloat(parts[1], 64); err != nil {
		return "", p, fmt.Errorf("place term %q: %w", term, err)
	}
	if p.Lng, err = strconv.ParseFloat(parts[2], 64); err != nil {
		return "", p, fmt.Errorf("place term %q: %w", term, err)
	}
	return parts[0], p, nil
}

// add records the places of docs.
func (ps *places) add(docs []search.Document) {
	ps.mu.RLock()
	missing := false
	for _, d := range docs {
		if _, ok := ps.by[d.Territory][placeTerm(d)]; !ok {
			missing = true
			break
		}
	}
	ps.mu.RUnlock()
	if !missing {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, d := range docs {
		ps.addLocked(d.Territory, placeTerm(d), search.Point{Lat: d.Lat, Lng: d.Lng})
	}
}

func (ps *places) addLocked(territory, term string, p search.Point) {
	if ps.by == nil {
		ps.by = map[string]map[string]search.Point{}
	}
	if ps.by[territory] == nil {
		ps.by[territory] = map[string]search.Point{}
	}
	ps.by[territory][term] = p
}

// within returns the terms of territory's points at most km from p.
func (ps *places) within(territory string, p search.Point, km float64) []string {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	var terms []string
	for term, at := range ps.by[territory] {
		if distanceKm(p.Lat, p.Lng, at.Lat, at.Lng) <= km {
			terms = append(terms, term)
		}
	}
	return terms
}

// load reads the places from the index's dictionary of the place field.
func (e *Engine) loadPlaces() error {
	dict, err := e.index.FieldDict(fPlace)
	if err != nil {
		return fmt.Errorf("search: read the places: %w", err)
	}
	defer dict.Close()
	e.places.mu.Lock()
	defer e.places.mu.Unlock()
	for {
		entry, err := dict.Next()
		if err != nil {
			return fmt.Errorf("search: read the places: %w", err)
		}
		if entry == nil {
			return nil
		}
		territory, p, err := parsePlaceTerm(entry.Term)
		if err != nil {
			return fmt.Errorf("search: read the places: %w", err)
		}
		e.places.addLocked(territory, entry.Term, p)
	}
}
