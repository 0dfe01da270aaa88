package observatory

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/sdk/abi"
)

// cell accumulates one Stats while the rows are read.
type cell struct {
	Stats
	waits []time.Duration // times to first answer of the answered needs
}

// breakdown accumulates the figures of one week or of the whole period.
type breakdown struct {
	total                   cell
	category, commune, mode map[string]*cell
}

func newBreakdown() *breakdown {
	return &breakdown{category: map[string]*cell{}, commune: map[string]*cell{}, mode: map[string]*cell{}}
}

// add calls f on every cell a row counts in: the total, its category, its
// commune and each of its modes.
func (b *breakdown) add(category, commune string, modes []string, f func(*cell)) {
	f(&b.total)
	f(cellAt(b.category, category))
	f(cellAt(b.commune, commune))
	for _, m := range modes {
		f(cellAt(b.mode, m))
	}
}

// cellAt returns m's cell for key, created when missing.
func cellAt(m map[string]*cell, key string) *cell {
	c, ok := m[key]
	if !ok {
		c = new(cell)
		m[key] = c
	}
	return c
}

// aggregate fills r's weeks, totals and breakdowns from d, counting only
// rows of the communes places.
func aggregate(r *Report, places []Row, d *data) {
	labels := make(map[string]string, len(places))
	for _, p := range places {
		labels[p.Key] = p.Label
	}
	weeks := make([]*breakdown, weekIndex(r.From, r.To))
	r.Weeks = make([]Week, len(weeks))
	for i := range weeks {
		weeks[i] = newBreakdown()
		start := r.From.AddDate(0, 0, 7*i)
		r.Weeks[i].Start = start
		r.Weeks[i].Year, r.Weeks[i].Number = start.ISOWeek()
	}
	period := newBreakdown()
	for _, p := range places {
		cellAt(period.commune, p.Key) // every commune has its row, even at zero
	}
	count := func(t time.Time, category, commune string, modes []string, f func(*cell)) {
		w := weekIndex(r.From, t)
		if _, ok := labels[commune]; !ok || w < 0 || w >= len(weeks) {
			return
		}
		weeks[w].add(category, commune, modes, f)
		period.add(category, commune, modes, f)
	}

	firsts := make(map[string]time.Time, len(d.answers))
	for _, a := range d.answers {
		firsts[a.ListingID] = a.FirstAt
	}
	for _, l := range d.listings {
		switch l.Kind {
		case abi.ListingOffer:
			count(l.PublishedAt, l.Category, l.Commune, splitModes(l.Modes), func(c *cell) { c.Offers++ })
		case abi.ListingNeed:
			first, answered := firsts[l.ID]
			wait := first.Sub(l.PublishedAt)
			unmet := !answered && l.Status != listing.StatusPaused && !l.PublishedAt.Add(r.UnansweredAfter).After(r.AsOf)
			count(l.PublishedAt, l.Category, l.Commune, splitModes(l.Modes), func(c *cell) {
				c.Needs++
				if answered {
					c.Answered++
					c.waits = append(c.waits, wait)
				}
				if unmet {
					c.Unmet++
				}
			})
		}
	}
	for _, m := range d.matches {
		count(m.CreatedAt, m.Category, m.Commune, []string{m.Mode}, func(c *cell) { c.Matches++ })
	}

	for i, b := range weeks {
		w := &r.Weeks[i]
		w.Totals = b.total.stats()
		w.ByCategory, w.ByCommune, w.ByMode = rows(b.category, nil), rows(b.commune, labels), rows(b.mode, nil)
	}
	r.Totals = period.total.stats()
	r.ByCategory, r.ByCommune, r.ByMode = rows(period.category, nil), rows(period.commune, labels), rows(period.mode, nil)
}

// weekIndex returns the number of weeks from the Monday from to t's week
// (negative before from), counted on the calendar in Paris so that a
// change of summer time moves nothing.
func weekIndex(from, t time.Time) int {
	days := civilDay(t.In(paris)) - civilDay(from.In(paris))
	if days < 0 {
		return -1 - (-days-1)/7
	}
	return days / 7
}

// civilDay numbers t's calendar date (in t's zone) in days since 1970.
func civilDay(t time.Time) int {
	return int(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// splitModes returns the payment modes of a listing's modes column, each
// once.
func splitModes(s string) []string {
	var out []string
	for _, m := range strings.Split(s, ",") {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// rows returns m's cells as rows. With labels (communes), rows are labelled
// and sorted by name as people read them (ignoring case and accents);
// otherwise labelled with their key and sorted by key.
func rows(m map[string]*cell, labels map[string]string) []Row {
	out := make([]Row, 0, len(m))
	for k, c := range m {
		label := k
		if l, ok := labels[k]; ok {
			label = l
		}
		out = append(out, Row{Key: k, Label: label, Stats: c.stats()})
	}
	if labels == nil {
		slices.SortFunc(out, func(a, b Row) int { return strings.Compare(a.Key, b.Key) })
		return out
	}
	keys := make(map[string]string, len(out))
	for _, r := range out {
		keys[r.Key] = referential.Normalize(r.Label)
	}
	slices.SortFunc(out, func(a, b Row) int {
		return cmp.Or(strings.Compare(keys[a.Key], keys[b.Key]), strings.Compare(a.Key, b.Key))
	})
	return out
}

// stats returns c's figures with the latency of its waits.
func (c *cell) stats() Stats {
	s := c.Stats
	if len(c.waits) > 0 {
		w := slices.Clone(c.waits)
		slices.Sort(w)
		s.TimeToFirstAnswer = Latency{MedianHours: quantileHours(w, 0.5), P90Hours: quantileHours(w, 0.9)}
	}
	return s
}

// quantileHours returns the p-quantile of sorted (ascending, not empty) in
// hours, interpolated between the closest ranks (the spreadsheets'
// PERCENTILE, and MEDIAN for p = 0.5).
func quantileHours(sorted []time.Duration, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	v := float64(sorted[lo])
	if lo+1 < len(sorted) {
		v += (h - float64(lo)) * float64(sorted[lo+1]-sorted[lo])
	}
	return v / float64(time.Hour)
}
