package observatory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/golden"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Fixture: territory terr over the seven communes of CC des Portes de
// Sologne; listings in three of them, A, B and C; a second territory.
const (
	terr  = "t-1"
	other = "t-2"
	owner = "0190a000-0000-7000-8000-000000000001"
	// evil is a category a plugin could name: a spreadsheet would run it.
	evil = "=cmd|' /C calc'!A0"
	// evilMode is a payment mode starting with "@".
	evilMode = "@sum"
)

const (
	communeA = "45146" // La Ferté-Saint-Aubin
	communeB = "45006" // Ardon
	communeC = "45309" // Sennely
	outside  = "60620" // not one of the report's communes
)

// sologne are the report's communes.
var sologne = []string{"45006", "45146", "45175", "45182", "45193", "45200", "45309"}

// at reads "2006-01-02 15:04" in Paris.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
	if err != nil {
		panic(err)
	}
	return t
}

// ptr returns a pointer to at(s), nil for "".
func ptr(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := at(s)
	return &t
}

// fixtureListing is one listing row.
type fixtureListing struct {
	id, territory, kind, category, commune, modes, status string
	published                                             string // "" for a draft
	hidden                                                bool
}

// fixtureExchange is one exchange row.
type fixtureExchange struct {
	id, territory, listing, mode, state, created string
}

// The fixture's period is 21 Oct 2026 15:00 to 15 Nov 2026 18:00, widened
// to W43 (Monday 19 Oct, summer time ends on the 25th) to W46 (ends Sunday
// 15 Nov); the report is computed on 20 Nov 2026 at noon with a 7-day
// wait. The comments give each row's part in the expected figures.
var (
	fixtureFrom  = at("2026-10-21 15:00")
	fixtureTo    = at("2026-11-15 18:00")
	fixtureAsOf  = at("2026-11-20 12:00")
	fixtureAfter = 7 * 24 * time.Hour

	listings = []fixtureListing{
		{"L1", terr, "need", "jardinage", communeA, "time", "published", "2026-10-20 10:00", false},       // W43, answered in 6 h
		{"L2", terr, "need", "jardinage", communeB, "time,cash", "expired", "2026-10-21 09:00", false},    // W43, unmet, two modes
		{"L3", terr, "need", evil, communeA, evilMode, "closed", "2026-11-01 23:30", false},               // W44 (Sunday night in Paris), answered in 48 h
		{"L4", terr, "need", "courses", communeC, "time", "published", "2026-11-02 00:30", false},         // W45 (still Sunday in UTC), answered in 12 h
		{"L5", terr, "need", "courses", communeC, "cash", "paused", "2026-11-03 10:00", false},            // W45, paused: never unmet
		{"L6", terr, "need", "jardinage", communeA, "time", "published", "2026-11-10 09:00", false},       // W46, answered after the period, in 216 h
		{"L7", terr, "need", "courses", communeC, "time", "published", "2026-11-14 10:00", false},         // W46, still waiting on 20 Nov
		{"L8", terr, "need", "jardinage", communeB, "time", "published", "2026-11-09 08:00", false},       // W46, unmet
		{"L9", terr, "need", "courses", communeA, "time", "published", "2026-11-04 10:00", true},          // hidden: nowhere
		{"L10", terr, "need", "courses", communeA, "time", "draft", "", false},                            // draft: nowhere
		{"L11", other, "need", "courses", communeA, "time", "published", "2026-11-04 10:00", false},       // other territory: nowhere
		{"L12", terr, "need", "courses", communeA, "time", "published", "2026-11-12 10:00", false},        // W46, published again, unmet (its request came before)
		{"L13", terr, "need", "jardinage", outside, "time", "published", "2026-11-04 10:00", false},       // outside the communes: nowhere
		{"O1", terr, "offer", "jardinage", communeA, "time,cash", "published", "2026-10-19 00:00", false}, // W43, first instant
		{"O2", terr, "offer", "courses", communeB, "time", "published", "2026-10-08 10:00", false},        // before the period; its requests count
		{"O3", terr, "offer", evil, communeC, evilMode, "published", "2026-11-15 23:59", false},           // W46, last minute
		{"O4", terr, "offer", "jardinage", communeA, "time", "published", "2026-11-16 00:00", false},      // the first instant after: nowhere
	}
	exchanges = []fixtureExchange{
		{"X1", terr, "L1", "time", "confirmed", "2026-10-20 16:00"},  // W43
		{"X2", terr, "L3", evilMode, "declined", "2026-11-03 23:30"}, // W45, declined still counts
		{"X3", terr, "L4", "time", "accepted", "2026-11-02 12:30"},   // W45
		{"X4", terr, "L4", "time", "cancelled", "2026-11-05 10:00"},  // W45, a second request
		{"X5", terr, "L6", "time", "requested", "2026-11-19 09:00"},  // after the period: an answer, not a match
		{"X6", terr, "L9", "time", "requested", "2026-11-05 10:00"},  // hidden listing: nowhere
		{"X7", terr, "O1", "cash", "done", "2026-10-22 10:00"},       // W43, the exchange's mode
		{"X8", terr, "O2", "time", "reviewed", "2026-10-27 10:00"},   // W44
		{"X9", terr, "O2", "time", "confirmed", "2026-10-15 10:00"},  // before the period: nowhere
		{"X10", terr, "L12", "time", "expired", "2026-11-01 10:00"},  // W44; before L12's latest publication
		{"X11", other, "L11", "time", "requested", "2026-11-05 10:00"},
	}
)

// fixture opens a migrated database holding the fixture and returns a
// Service computing as of fixtureAsOf.
func fixture(t testing.TB, tg storetest.Target) (*Service, *store.Store) {
	t.Helper()
	s := schematest.Open(t, tg)
	ctx := context.Background()
	now := at("2026-10-01 10:00")
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := insertParties(ctx, tx, now); err != nil {
			return err
		}
		for _, l := range listings {
			if err := insertListing(ctx, tx, l.id, l.territory, l.kind, l.category, l.commune, l.modes, l.status, ptr(l.published), l.hidden, now); err != nil {
				return err
			}
		}
		for _, x := range exchanges {
			if err := insertExchange(ctx, tx, x.id, x.territory, x.listing, x.mode, x.state, at(x.created)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewService(s, loadRef(t)).WithClock(func() time.Time { return fixtureAsOf }), s
}

// insertParties inserts the two territories and the two members every
// listing and exchange refer to.
func insertParties(ctx context.Context, tx bun.Tx, now time.Time) error {
	for _, id := range []string{terr, other} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO territories (id, slug, name, kind, population, commune_count, created_at, updated_at)
			VALUES (?, ?, 'Essai', 'custom', 10, 1, ?, ?)`, id, "essai-"+id, now, now); err != nil {
			return err
		}
	}
	for _, id := range []string{owner, seeker} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, created_at, updated_at)
			VALUES (?, ?, 'x', 'x', ?, ?, ?, ?)`, id, id+"@example.fr", communeA, terr, now, now); err != nil {
			return err
		}
	}
	return nil
}

// seeker is the other party of every exchange.
const seeker = "0190a000-0000-7000-8000-000000000002"

// insertListing inserts one listing.
func insertListing(ctx context.Context, tx bun.Tx, id, territory, kind, category, commune, modes, status string, published *time.Time, hidden bool, now time.Time) error {
	var hiddenAt *time.Time
	if hidden {
		hiddenAt = &now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description,
		modes, price_kind, commune, availability, availability_note, status, hidden_at, published_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'resident', 'Titre', 'Description', ?, 'free', ?, '[]', '', ?, ?, ?, ?, ?)`,
		id, territory, owner, kind, category, modes, commune, status, hiddenAt, published, now, now)
	return err
}

// insertExchange inserts one exchange on listing.
func insertExchange(ctx context.Context, tx bun.Tx, id, territory, listing, mode, state string, created time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO exchanges (id, territory_id, listing_id, seeker_id, provider_id, initiator, category,
		modality, mode, minutes, occurrences, from_commune, to_commune, state, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'seeker', 'x', 'resident', ?, 60, 1, ?, ?, ?, 1, ?, ?)`,
		id, territory, listing, seeker, owner, mode, communeA, communeA, state, created, created)
	return err
}

var (
	refOnce sync.Once
	ref     *referential.Referential
	refErr  error
)

// loadRef loads the referential once for every test.
func loadRef(t testing.TB) *referential.Referential {
	t.Helper()
	refOnce.Do(func() { ref, refErr = referential.Load() })
	if refErr != nil {
		t.Fatal(refErr)
	}
	return ref
}

// compact writes s as "needs/offers/matches/answered/unmet".
func compact(s Stats) string {
	return fmt.Sprintf("%d/%d/%d/%d/%d", s.Needs, s.Offers, s.Matches, s.Answered, s.Unmet)
}

// lines renders a breakdown as "dimension label figures" lines, in the
// report's order.
func lines(byCategory, byCommune, byMode []Row) []string {
	var out []string
	for _, d := range []struct {
		name string
		rows []Row
	}{{"category", byCategory}, {"commune", byCommune}, {"mode", byMode}} {
		for _, r := range d.rows {
			out = append(out, d.name+" "+r.Label+" "+compact(r.Stats))
		}
	}
	return out
}

// TestReport checks every figure of the fixture's report on each engine,
// and that both engines give the same CSV, byte for byte.
func TestReport(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := fixture(t, tg)
		r, err := svc.Report(context.Background(), terr, sologne, fixtureFrom, fixtureTo, fixtureAfter)
		if err != nil {
			t.Fatal(err)
		}
		if !r.From.Equal(at("2026-10-19 00:00")) || !r.To.Equal(at("2026-11-16 00:00")) || !r.AsOf.Equal(fixtureAsOf) {
			t.Errorf("period %v – %v as of %v, want whole weeks 19 Oct – 16 Nov as of 20 Nov", r.From, r.To, r.AsOf)
		}

		weeks := []struct {
			number int
			start  string
			total  string
			rows   []string
		}{
			{43, "2026-10-19 00:00", "2/1/2/1/1", []string{
				"category jardinage 2/1/2/1/1",
				"commune Ardon 1/0/0/0/1", "commune La Ferté-Saint-Aubin 1/1/2/1/0",
				"mode cash 1/1/1/0/1", "mode time 2/1/1/1/1"}},
			{44, "2026-10-26 00:00", "1/0/2/1/0", []string{
				"category " + evil + " 1/0/0/1/0", "category courses 0/0/2/0/0",
				"commune Ardon 0/0/1/0/0", "commune La Ferté-Saint-Aubin 1/0/1/1/0",
				"mode " + evilMode + " 1/0/0/1/0", "mode time 0/0/2/0/0"}},
			{45, "2026-11-02 00:00", "2/0/3/1/0", []string{
				"category " + evil + " 0/0/1/0/0", "category courses 2/0/2/1/0",
				"commune La Ferté-Saint-Aubin 0/0/1/0/0", "commune Sennely 2/0/2/1/0",
				"mode " + evilMode + " 0/0/1/0/0", "mode cash 1/0/0/0/0", "mode time 1/0/2/1/0"}},
			{46, "2026-11-09 00:00", "4/1/0/1/2", []string{
				"category " + evil + " 0/1/0/0/0", "category courses 2/0/0/0/1", "category jardinage 2/0/0/1/1",
				"commune Ardon 1/0/0/0/1", "commune La Ferté-Saint-Aubin 2/0/0/1/1", "commune Sennely 1/1/0/0/0",
				"mode " + evilMode + " 0/1/0/0/0", "mode time 4/0/0/1/2"}},
		}
		if len(r.Weeks) != len(weeks) {
			t.Fatalf("%d weeks, want %d", len(r.Weeks), len(weeks))
		}
		for i, want := range weeks {
			w := r.Weeks[i]
			if w.Year != 2026 || w.Number != want.number || !w.Start.Equal(at(want.start)) || w.Start.Location() != paris {
				t.Errorf("week %d: %d-W%d from %v, want 2026-W%d from %s in Paris", i, w.Year, w.Number, w.Start, want.number, want.start)
			}
			if got := compact(w.Totals); got != want.total {
				t.Errorf("W%d totals %s, want %s", want.number, got, want.total)
			}
			if got := lines(w.ByCategory, w.ByCommune, w.ByMode); strings.Join(got, "\n") != strings.Join(want.rows, "\n") {
				t.Errorf("W%d rows:\n%s\nwant:\n%s", want.number, strings.Join(got, "\n"), strings.Join(want.rows, "\n"))
			}
		}

		if got := compact(r.Totals); got != "9/2/7/4/3" {
			t.Errorf("totals %s, want 9/2/7/4/3", got)
		}
		wantPeriod := []string{
			"category " + evil + " 1/1/1/1/0", "category courses 4/0/4/1/1", "category jardinage 4/1/2/2/2",
			// Every commune, by name, the quiet ones at zero.
			"commune Ardon 2/0/1/0/2", "commune Jouy-le-Potier 0/0/0/0/0", "commune La Ferté-Saint-Aubin 4/1/4/3/1",
			"commune Ligny-le-Ribault 0/0/0/0/0", "commune Marcilly-en-Villette 0/0/0/0/0",
			"commune Ménestreau-en-Villette 0/0/0/0/0", "commune Sennely 3/1/2/1/0",
			"mode " + evilMode + " 1/1/1/1/0", "mode cash 2/1/1/0/1", "mode time 7/1/5/3/3",
		}
		if got := lines(r.ByCategory, r.ByCommune, r.ByMode); strings.Join(got, "\n") != strings.Join(wantPeriod, "\n") {
			t.Errorf("period rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantPeriod, "\n"))
		}
		if u := r.UnmetByCommune(); len(u) != len(sologne) || u[communeA] != 1 || u[communeB] != 2 || u[communeC] != 0 {
			t.Errorf("UnmetByCommune = %v", u)
		}

		// Times to first answer: 6, 48, 12 and 216 hours.
		find := func(rows []Row, key string) Latency {
			for _, r := range rows {
				if r.Key == key {
					return r.TimeToFirstAnswer
				}
			}
			t.Fatalf("no row %q", key)
			return Latency{}
		}
		for _, tt := range []struct {
			name         string
			got          Latency
			median, p90f float64
		}{
			{"period", r.Totals.TimeToFirstAnswer, 30, 165.6},
			{"W43", r.Weeks[0].Totals.TimeToFirstAnswer, 6, 6},
			{"W44", r.Weeks[1].Totals.TimeToFirstAnswer, 48, 48},
			{"W45", r.Weeks[2].Totals.TimeToFirstAnswer, 12, 12},
			{"W46", r.Weeks[3].Totals.TimeToFirstAnswer, 216, 216},
			{"jardinage", find(r.ByCategory, "jardinage"), 111, 195},
			{"La Ferté-Saint-Aubin", find(r.ByCommune, communeA), 48, 182.4},
			{"Ardon (none answered)", find(r.ByCommune, communeB), 0, 0},
		} {
			if math.Abs(tt.got.MedianHours-tt.median) > 1e-9 || math.Abs(tt.got.P90Hours-tt.p90f) > 1e-9 {
				t.Errorf("%s: time to first answer %+v, want median %v and p90 %v", tt.name, tt.got, tt.median, tt.p90f)
			}
		}

		var buf bytes.Buffer
		if err := WriteCSV(&buf, r); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "report.csv", buf.Bytes())

		m := string(svc.Map(r))
		if n := strings.Count(m, "<circle "); n != len(sologne)+len(mapClasses(2)) {
			t.Errorf("map has %d discs, want %d communes and %d in the legend", n, len(sologne), len(mapClasses(2)))
		}
		for _, title := range []string{"<title>Ardon : 2 besoins sans réponse</title>", "<title>La Ferté-Saint-Aubin : 1 besoin sans réponse</title>", "<title>Sennely : 0 besoin sans réponse</title>"} {
			if !strings.Contains(m, title) {
				t.Errorf("map lacks %s", title)
			}
		}
	})
}

// TestReportUnmet: whether a need is unmet depends on the wait and on when
// the report is computed; a younger need is still waiting.
func TestReportUnmet(t *testing.T) {
	t.Parallel()
	svc, _ := fixture(t, storetest.New(t, "sqlite"))
	for _, tt := range []struct {
		name  string
		asOf  string
		after time.Duration
		want  string // total unmet, then per commune A/B/C
	}{
		{"as of 20 Nov, 7 days: L7 still waiting", "2026-11-20 12:00", 7 * 24 * time.Hour, "3 1/2/0"},
		{"as of 21 Nov 10:00, 7 days: L7's week is over", "2026-11-21 10:00", 7 * 24 * time.Hour, "4 1/2/1"},
		{"as of 20 Nov, 3 days", "2026-11-20 12:00", 3 * 24 * time.Hour, "4 1/2/1"},
		{"as of 20 Nov, 30 days: only L2", "2026-11-20 12:00", 30 * 24 * time.Hour, "1 0/1/0"},
		// 30 days are 720 hours: from 21 Oct 09:00 in summer time, 20 Nov 08:00 in winter time.
		{"as of 20 Nov 08:00, 30 days: L2's wait is over", "2026-11-20 08:00", 30 * 24 * time.Hour, "1 0/1/0"},
		{"as of 20 Nov 07:59, 30 days: none", "2026-11-20 07:59", 30 * 24 * time.Hour, "0 0/0/0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := svc.WithClock(func() time.Time { return at(tt.asOf) }).
				Report(context.Background(), terr, sologne, fixtureFrom, fixtureTo, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			u := r.UnmetByCommune()
			if got := fmt.Sprintf("%d %d/%d/%d", r.Totals.Unmet, u[communeA], u[communeB], u[communeC]); got != tt.want {
				t.Errorf("unmet %s, want %s", got, tt.want)
			}
		})
	}
}

// TestReportTooLarge: a period with more rows than the bound is refused,
// not read into memory.
func TestReportTooLarge(t *testing.T) {
	t.Parallel()
	svc, _ := fixture(t, storetest.New(t, "sqlite"))
	for _, tt := range []struct {
		max  int
		code string
	}{{100, ""}, {12, ""}, {11, "observatory_too_large"}, {3, "observatory_too_large"}} { // 12 listings in the period
		svc.maxRows = tt.max
		_, err := svc.Report(context.Background(), terr, sologne, fixtureFrom, fixtureTo, fixtureAfter)
		if tt.code == "" {
			if err != nil {
				t.Errorf("bound %d: %v", tt.max, err)
			}
			continue
		}
		if ae := apperr.As(err); ae.Kind != apperr.KindTooLarge || ae.Code != tt.code || ae.MessageEN == "" {
			t.Errorf("bound %d: error %v, want %s %s", tt.max, err, apperr.KindTooLarge, tt.code)
		}
	}
}

// TestReportRefused: every argument Report cannot answer is refused with a
// public error in French and English, before the database is read.
func TestReportRefused(t *testing.T) {
	t.Parallel()
	svc := NewService(nil, nil) // the database is never reached
	from := at("2025-01-01 00:00")
	tooMany := make([]string, MaxCommunes+1)
	for _, tt := range []struct {
		name      string
		territory string
		communes  []string
		from, to  time.Time
		after     time.Duration
		code      string
	}{
		{"no territory", "", sologne, from, from.AddDate(0, 1, 0), time.Hour, "observatory_territory"},
		{"no commune", terr, nil, from, from.AddDate(0, 1, 0), time.Hour, "observatory_communes"},
		{"too many communes", terr, tooMany, from, from.AddDate(0, 1, 0), time.Hour, "observatory_communes"},
		{"no start", terr, sologne, time.Time{}, from, time.Hour, "observatory_period"},
		{"no end", terr, sologne, from, time.Time{}, time.Hour, "observatory_period"},
		{"end before start", terr, sologne, from, from.Add(-time.Hour), time.Hour, "observatory_period"},
		{"empty period", terr, sologne, from, from, time.Hour, "observatory_period"},
		{"two years and a second", terr, sologne, from, from.AddDate(2, 0, 0).Add(time.Second), time.Hour, "observatory_period"},
		{"three years", terr, sologne, from, from.AddDate(3, 0, 0), time.Hour, "observatory_period"},
		{"no wait", terr, sologne, from, from.AddDate(0, 1, 0), 0, "observatory_unanswered_after"},
		{"negative wait", terr, sologne, from, from.AddDate(0, 1, 0), -time.Hour, "observatory_unanswered_after"},
		{"wait under an hour", terr, sologne, from, from.AddDate(0, 1, 0), 59 * time.Minute, "observatory_unanswered_after"},
		{"wait over 90 days", terr, sologne, from, from.AddDate(0, 1, 0), MaxUnansweredAfter + time.Hour, "observatory_unanswered_after"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Report(context.Background(), tt.territory, tt.communes, tt.from, tt.to, tt.after)
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *apperr.Error", err)
			}
			if ae.Kind != apperr.KindInvalid || ae.Code != tt.code || ae.Message == "" || ae.MessageEN == "" {
				t.Errorf("error %+v, want %s with %s and messages in French and English", ae, apperr.KindInvalid, tt.code)
			}
		})
	}
	// The limits themselves are accepted.
	for _, tt := range []struct {
		name     string
		from, to time.Time
		after    time.Duration
	}{
		{"exactly two years", from, from.AddDate(2, 0, 0), time.Hour},
		{"exactly two years over a 29 February", at("2027-03-01 00:00"), at("2029-03-01 00:00"), MaxUnansweredAfter},
	} {
		if err := checkArgs(terr, sologne, tt.from, tt.to, tt.after); err != nil {
			t.Errorf("%s refused: %v", tt.name, err)
		}
	}
}

// TestWeeks: weeks are ISO weeks in Paris, whatever the zone of the times
// given, across the changes of summer time.
func TestWeeks(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, _ := time.Parse("2006-01-02 15:04", s)
		return v
	}
	for _, tt := range []struct {
		name        string
		in          time.Time
		start, ceil string
	}{
		{"a Wednesday", at("2026-10-21 15:00"), "2026-10-19 00:00", "2026-10-26 00:00"},
		{"Monday 00:00 is its own start", at("2026-10-19 00:00"), "2026-10-19 00:00", "2026-10-19 00:00"},
		{"Sunday of the change to winter time", at("2026-10-25 23:59"), "2026-10-19 00:00", "2026-10-26 00:00"},
		{"Sunday 23:30 UTC is Monday in Paris", utc("2026-11-01 23:30"), "2026-11-02 00:00", "2026-11-09 00:00"},
		{"Sunday 22:30 UTC is still Sunday in Paris", utc("2026-11-01 22:30"), "2026-10-26 00:00", "2026-11-02 00:00"},
		{"week of the change to summer time", at("2026-03-29 12:00"), "2026-03-23 00:00", "2026-03-30 00:00"},
		{"across a new year (ISO week 53)", at("2027-01-01 12:00"), "2026-12-28 00:00", "2027-01-04 00:00"},
	} {
		if got := weekStart(tt.in); !got.Equal(at(tt.start)) {
			t.Errorf("%s: weekStart = %v, want %s", tt.name, got, tt.start)
		}
		if got := weekCeil(tt.in); !got.Equal(at(tt.ceil)) {
			t.Errorf("%s: weekCeil = %v, want %s", tt.name, got, tt.ceil)
		}
	}
	from := at("2026-10-19 00:00")
	for _, tt := range []struct {
		t    time.Time
		want int
	}{
		{at("2026-10-19 00:00"), 0}, {at("2026-10-25 23:59"), 0}, {at("2026-10-26 00:00"), 1},
		{utc("2026-11-01 23:30"), 2}, {at("2026-10-18 23:59"), -1}, {at("2026-10-12 00:00"), -1}, {at("2026-10-11 23:59"), -2},
	} {
		if got := weekIndex(from, tt.t); got != tt.want {
			t.Errorf("weekIndex(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
	if y, w := weekStart(at("2027-01-01 12:00")).ISOWeek(); y != 2026 || w != 53 {
		t.Errorf("1 Jan 2027 is in %d-W%d, want 2026-W53", y, w)
	}
}

// TestQuantile checks the interpolation against what a spreadsheet's
// MEDIAN and PERCENTILE give.
func TestQuantile(t *testing.T) {
	t.Parallel()
	h := func(hours ...float64) []time.Duration {
		out := make([]time.Duration, len(hours))
		for i, v := range hours {
			out[i] = time.Duration(v * float64(time.Hour))
		}
		return out
	}
	for _, tt := range []struct {
		in      []time.Duration
		p, want float64
	}{
		{h(5), 0.5, 5}, {h(5), 0.9, 5},
		{h(1, 3), 0.5, 2}, {h(1, 2, 3), 0.5, 2},
		{h(6, 12, 48, 216), 0.5, 30}, {h(6, 12, 48, 216), 0.9, 165.6},
		{h(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.9, 9.1},
	} {
		if got := quantileHours(tt.in, tt.p); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("quantile %v of %v = %v, want %v", tt.p, tt.in, got, tt.want)
		}
	}
}

func TestSplitModes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"time", "time"}, {"time,cash", "time|cash"}, {" time , cash ,time,", "time|cash"}, {"", ""},
	} {
		if got := strings.Join(splitModes(tt.in), "|"); got != tt.want {
			t.Errorf("splitModes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
