// Package observatory is the needs observatory of a territory, for its
// admins: week by week, how many needs and offers were published, how many
// matches they got, which needs stayed unanswered and how long the first
// answer took — per category, per commune and per payment mode — with a CSV
// export for a French spreadsheet (WriteCSV) and an inline SVG map of the
// territory's communes shaded by unmet needs (Map).
//
// Definitions (the words of the report mean exactly this):
//
//   - A listing counts in the week of its publication (published_at, its
//     latest publication: a listing published again after a pause or an
//     expiry counts in the week it was published again). Drafts and
//     listings hidden by moderation never count: the observatory shows
//     the needs of residents, not spam.
//   - A match is an exchange requested on a listing of the territory,
//     whatever its later state (declined, cancelled and expired requests
//     count: someone answered). It counts in the week the exchange was
//     created, in the category and commune of its listing, and under the
//     payment mode the exchange names.
//   - A need is answered when it received at least one exchange request
//     after its publication; its time to first answer runs from its
//     publication to the first such request.
//   - A need is unmet when it is published, expired or closed (not paused:
//     its owner stopped asking), has received no exchange request since
//     its publication, and was published at least UnansweredAfter before
//     the report was computed (AsOf). A younger need without an answer is
//     neither answered nor unmet: it is still waiting.
//
// Listings and exchanges of the period are read with three bounded
// queries that work on SQLite and PostgreSQL alike, and aggregated in Go:
// weeks are ISO weeks (Monday to Sunday) in Europe/Paris, which portable
// SQL cannot bucket.
package observatory

import (
	"context"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Bounds of a report.
const (
	// MaxYears is the longest period a report covers, in years.
	MaxYears = 2
	// MaxUnansweredAfter is the longest wait before a need without answer
	// is unmet.
	MaxUnansweredAfter = 90 * 24 * time.Hour
	// MaxCommunes is the largest number of communes a report covers (the
	// largest EPCI has under 200).
	MaxCommunes = 2000
	// MaxRows bounds each query of a report (listings of the period,
	// exchanges of the period, first answers): beyond it the report is
	// refused as too large rather than read into memory. A territory
	// publishes at most tens of thousands of listings a year.
	MaxRows = 250_000
)

// paris is the zone weeks are counted in.
var paris = mustLoadParis()

func mustLoadParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("observatory: Europe/Paris is missing although time/tzdata is embedded: " + err.Error())
	}
	return loc
}

// Report is the observatory of one territory over a period of whole weeks.
type Report struct {
	// TerritoryID is the territory reported on.
	TerritoryID string
	// From is the Monday at 00:00 (Europe/Paris) that starts the first
	// week; the period asked for is widened to whole weeks.
	From time.Time
	// To is the Monday at 00:00 (Europe/Paris) after the last week,
	// excluded.
	To time.Time
	// AsOf is when the report was computed: needs published less than
	// UnansweredAfter before it are not judged unmet yet.
	AsOf time.Time
	// UnansweredAfter is how long a need may wait for a first request
	// before it is unmet.
	UnansweredAfter time.Duration
	// Weeks are the period's weeks, in order, every week present even
	// when nothing happened in it.
	Weeks []Week
	// Totals are the whole period's figures.
	Totals Stats
	// ByCategory are the period's figures per category (the plugin's
	// category IDs), sorted by ID; only categories with some activity.
	ByCategory []Row
	// ByCommune are the period's figures per commune of the territory,
	// every commune present (at zero when nothing happened there), sorted
	// by name.
	ByCommune []Row
	// ByMode are the period's figures per payment mode, sorted by ID; a
	// listing accepting two modes counts under both.
	ByMode []Row
}

// Week is one ISO week of a report.
type Week struct {
	// Start is the Monday at 00:00, Europe/Paris.
	Start time.Time
	// Year and Number are the ISO 8601 week-numbering year and week.
	Year, Number int
	// Totals are the week's figures.
	Totals Stats
	// ByCategory, ByCommune and ByMode are the week's figures per value,
	// sorted like the Report's; only values with some activity this week.
	ByCategory, ByCommune, ByMode []Row
}

// End returns the Sunday that ends w (its date; the week runs until the
// next Monday at 00:00).
func (w Week) End() time.Time { return w.Start.AddDate(0, 0, 6) }

// Row is the figures of one value of a dimension: a category, a commune or
// a payment mode.
type Row struct {
	// Key is the category ID, the commune's INSEE code or the mode ID.
	Key string
	// Label is the commune's name; the Key for categories and modes (their
	// labels belong to the territory's plugin).
	Label string
	Stats
}

// Stats are the figures of one cell of the report (see the package
// documentation for the definitions).
type Stats struct {
	// Needs and Offers count the listings published.
	Needs, Offers int
	// Matches counts the exchanges requested.
	Matches int
	// Answered counts the needs published that received a request.
	Answered int
	// Unmet counts the needs published that are unmet.
	Unmet int
	// TimeToFirstAnswer is over the Answered needs.
	TimeToFirstAnswer Latency
}

// Latency summarises the times to first answer of the answered needs.
// Both figures are zero when no need was answered (Stats.Answered == 0).
// They are interpolated between the closest ranks, as a spreadsheet's
// MEDIAN and PERCENTILE functions do, so that an admin can check them.
type Latency struct {
	// MedianHours is the median, in hours.
	MedianHours float64
	// P90Hours is the 90th percentile, in hours: nine needs in ten were
	// answered sooner.
	P90Hours float64
}

// UnmetByCommune returns the period's unmet needs per INSEE code, every
// commune of the report present; it is what Map shades by.
func (r *Report) UnmetByCommune() map[string]int {
	m := make(map[string]int, len(r.ByCommune))
	for _, c := range r.ByCommune {
		m[c.Key] = c.Unmet
	}
	return m
}

// Service computes reports from the database. It is safe for concurrent
// use.
type Service struct {
	store   *store.Store
	ref     *referential.Referential
	clock   func() time.Time
	maxRows int // MaxRows; lowered by tests
}

// NewService returns a Service reading s, naming communes from ref.
func NewService(s *store.Store, ref *referential.Referential) *Service {
	return &Service{store: s, ref: ref, clock: time.Now, maxRows: MaxRows}
}

// WithClock returns a copy of s whose reports are computed as of now()
// instead of the current time (for tests and reproducible reports).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.clock = now
	return &c
}

// Report computes the observatory of territoryID over communes (the INSEE
// codes of the territory's communes: listings elsewhere are left out) from
// from to to, widened to whole weeks, a need being unmet after
// unansweredAfter without a request. The period may not exceed MaxYears;
// invalid arguments are refused with an apperr.KindInvalid error, a period
// with more than MaxRows listings or exchanges with apperr.KindTooLarge.
func (s *Service) Report(ctx context.Context, territoryID string, communes []string, from, to time.Time, unansweredAfter time.Duration) (*Report, error) {
	if err := checkArgs(territoryID, communes, from, to, unansweredAfter); err != nil {
		return nil, err
	}
	r := &Report{TerritoryID: territoryID, From: weekStart(from), To: weekCeil(to),
		AsOf: s.clock(), UnansweredAfter: unansweredAfter}
	data, err := s.read(ctx, r)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, fmt.Errorf("observatory: report of territory %s from %s to %s: %w",
			territoryID, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly), err)
	}
	aggregate(r, s.places(communes), data)
	return r, nil
}

// checkArgs refuses what Report cannot answer, in French and English.
func checkArgs(territoryID string, communes []string, from, to time.Time, unansweredAfter time.Duration) error {
	switch {
	case territoryID == "":
		return apperr.New(apperr.KindInvalid, "observatory_territory",
			"Le territoire de l'observatoire n'est pas indiqué.",
			"The observatory's territory is missing.")
	case len(communes) == 0:
		return apperr.New(apperr.KindInvalid, "observatory_communes",
			"L'observatoire porte sur les communes du territoire : indiquez-en au moins une.",
			"The observatory covers the territory's communes: give at least one.")
	case len(communes) > MaxCommunes:
		return apperr.New(apperr.KindInvalid, "observatory_communes",
			fmt.Sprintf("L'observatoire porte sur %d communes au plus (%d indiquées).", MaxCommunes, len(communes)),
			fmt.Sprintf("The observatory covers at most %d communes (%d given).", MaxCommunes, len(communes)))
	case from.IsZero() || to.IsZero() || !to.After(from):
		return apperr.New(apperr.KindInvalid, "observatory_period",
			"La période de l'observatoire doit avoir une date de début et une date de fin postérieure.",
			"The observatory's period needs a start date and a later end date.")
	case to.After(from.AddDate(MaxYears, 0, 0)):
		return apperr.New(apperr.KindInvalid, "observatory_period",
			fmt.Sprintf("La période de l'observatoire est limitée à %d ans : du %s au %s, c'est trop long. Raccourcissez-la.",
				MaxYears, from.In(paris).Format("02/01/2006"), to.In(paris).Format("02/01/2006")),
			fmt.Sprintf("The observatory's period is limited to %d years: %s to %s is too long. Shorten it.",
				MaxYears, from.Format(time.DateOnly), to.Format(time.DateOnly)))
	case unansweredAfter < time.Hour || unansweredAfter > MaxUnansweredAfter:
		days := int(MaxUnansweredAfter / (24 * time.Hour))
		return apperr.New(apperr.KindInvalid, "observatory_unanswered_after",
			fmt.Sprintf("Le délai après lequel un besoin est « sans réponse » doit être compris entre une heure et %d jours.", days),
			fmt.Sprintf("The wait after which a need is unmet must be between an hour and %d days.", days))
	}
	return nil
}

// places returns the report's communes, named from the referential (by
// their code when it does not know them), without duplicates.
func (s *Service) places(codes []string) []Row {
	seen := make(map[string]bool, len(codes))
	out := make([]Row, 0, len(codes))
	for _, code := range codes {
		if seen[code] {
			continue
		}
		seen[code] = true
		label := code
		if s.ref != nil {
			if c, ok := s.ref.Commune(code); ok {
				label = c.Name
			}
		}
		out = append(out, Row{Key: code, Label: label})
	}
	return out
}

// weekStart returns the Monday at 00:00 in Paris of t's week.
func weekStart(t time.Time) time.Time {
	t = t.In(paris)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, paris)
}

// weekCeil returns t when it is a Monday at 00:00 in Paris, else the
// Monday after t's week.
func weekCeil(t time.Time) time.Time {
	s := weekStart(t)
	if s.Equal(t) {
		return s
	}
	return s.AddDate(0, 0, 7)
}

// listingRow is one listing published in the period.
type listingRow struct {
	ID          string    `bun:"id"`
	Kind        string    `bun:"kind"`
	Category    string    `bun:"category"`
	Commune     string    `bun:"commune"`
	Modes       string    `bun:"modes"`
	Status      string    `bun:"status"`
	PublishedAt time.Time `bun:"published_at"`
}

// matchRow is one exchange requested in the period, with its listing's
// category and commune.
type matchRow struct {
	Mode      string    `bun:"mode"`
	CreatedAt time.Time `bun:"created_at"`
	Category  string    `bun:"category"`
	Commune   string    `bun:"commune"`
}

// answerRow is the first request on a need published in the period.
type answerRow struct {
	ListingID string    `bun:"listing_id"`
	FirstAt   time.Time `bun:"first_at"`
}

// data is what the queries read.
type data struct {
	listings []listingRow
	matches  []matchRow
	answers  []answerRow
}

// The statuses of a listing that has been published: a draft never was.
var publishedStatuses = []any{listing.StatusPublished, listing.StatusPaused, listing.StatusClosed, listing.StatusExpired}

// listingsQuery reads the listings published in the period. The status
// list lets the (territory_id, status, published_at) index range over
// published_at.
const listingsQuery = `SELECT id, kind, category, commune, modes, status, published_at
FROM listings
WHERE territory_id = ? AND status IN (?, ?, ?, ?) AND published_at >= ? AND published_at < ? AND hidden_at IS NULL
LIMIT ?`

// matchesQuery reads the exchanges requested in the period on the
// territory's listings that are not hidden.
const matchesQuery = `SELECT e.mode, e.created_at, l.category, l.commune
FROM exchanges e
JOIN listings l ON l.id = e.listing_id
WHERE e.territory_id = ? AND e.created_at >= ? AND e.created_at < ? AND l.hidden_at IS NULL
LIMIT ?`

// answersQuery reads, for each need published in the period, its first
// request since its publication — whenever it came, even after the
// period.
const answersQuery = `SELECT e.listing_id, MIN(e.created_at) AS first_at
FROM listings l
JOIN exchanges e ON e.listing_id = l.id
WHERE l.territory_id = ? AND l.kind = ? AND l.status IN (?, ?, ?, ?) AND l.published_at >= ? AND l.published_at < ?
  AND l.hidden_at IS NULL AND e.created_at >= l.published_at
GROUP BY e.listing_id
LIMIT ?`

// read runs the report's queries on the read pool.
func (s *Service) read(ctx context.Context, r *Report) (*data, error) {
	db := s.store.DB()
	d := new(data)
	args := append([]any{r.TerritoryID}, publishedStatuses...)
	args = append(args, r.From, r.To, s.maxRows+1)
	if err := db.NewRaw(listingsQuery, args...).Scan(ctx, &d.listings); err != nil {
		return nil, fmt.Errorf("read the listings: %w", err)
	}
	if err := db.NewRaw(matchesQuery, r.TerritoryID, r.From, r.To, s.maxRows+1).Scan(ctx, &d.matches); err != nil {
		return nil, fmt.Errorf("read the exchanges: %w", err)
	}
	args = append([]any{r.TerritoryID, abi.ListingNeed}, publishedStatuses...)
	args = append(args, r.From, r.To, s.maxRows+1)
	if err := db.NewRaw(answersQuery, args...).Scan(ctx, &d.answers); err != nil {
		return nil, fmt.Errorf("read the first answers: %w", err)
	}
	if n := s.maxRows; len(d.listings) > n || len(d.matches) > n || len(d.answers) > n {
		return nil, apperr.New(apperr.KindTooLarge, "observatory_too_large",
			fmt.Sprintf("La période compte plus de %d annonces ou mises en relation : raccourcissez-la.", n),
			fmt.Sprintf("The period holds more than %d listings or matches: shorten it.", n))
	}
	return d, nil
}
