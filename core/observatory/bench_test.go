package observatory

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// BenchmarkReport measures a year's report of a territory of 88 communes
// holding 20,000 listings (60 % needs) and 5,000 exchanges, on SQLite;
// beside it, in the same run, the baselines it is compared with: a bare
// count(*) of the same listings and exchanges (the floor of any SQL over
// those rows), and the report's three queries scanned without aggregating
// (so that report − fetch is the cost of the Go aggregation); and the CSV
// and map of that report.
func BenchmarkReport(b *testing.B) {
	const (
		nListings  = 20_000
		nExchanges = 5_000
	)
	ctx := context.Background()
	s := schematest.Open(b, storetest.New(b, "sqlite"))
	ref := loadRef(b)
	var communes []string
	for _, e := range ref.EPCIs() {
		if len(e.Members) >= 88 {
			communes = e.Members[:88]
			break
		}
	}
	from, to := at("2026-01-05 00:00"), at("2027-01-04 00:00") // 52 weeks
	categories := []string{"jardinage", "bricolage", "courses", "transport", "menage", "garde-enfants",
		"aide-administrative", "informatique", "cuisine", "animaux", "demenagement", "compagnie"}
	modes := []string{"time", "cash", "time,cash", "cesu", "time,cesu"}
	statuses := []string{"published", "published", "published", "published", "published", "expired", "expired", "expired", "closed", "paused"}
	rng := rand.New(rand.NewPCG(1, 2))
	type pub struct {
		id string
		at time.Time
	}
	var pubs []pub
	start := time.Now()
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := insertParties(ctx, tx, from); err != nil {
			return err
		}
		for i := range nListings {
			kind := "need"
			if rng.IntN(10) >= 6 {
				kind = "offer"
			}
			published := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)))))
			id := fmt.Sprintf("L%06d", i)
			if err := insertListing(ctx, tx, id, terr, kind, categories[rng.IntN(len(categories))], communes[rng.IntN(len(communes))],
				modes[rng.IntN(len(modes))], statuses[rng.IntN(len(statuses))], &published, rng.IntN(100) == 0, from); err != nil {
				return err
			}
			pubs = append(pubs, pub{id, published})
		}
		for i := range nExchanges {
			p := pubs[rng.IntN(len(pubs))]
			created := p.at.Add(time.Duration(rng.ExpFloat64() * float64(48*time.Hour)))
			if err := insertExchange(ctx, tx, fmt.Sprintf("X%06d", i), terr, p.id, "time", "requested", created); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("fixture: %d listings, %d exchanges in %v", nListings, nExchanges, time.Since(start).Round(time.Millisecond))
	svc := NewService(s, ref).WithClock(func() time.Time { return at("2027-01-10 12:00") })
	after := 7 * 24 * time.Hour

	report, err := svc.Report(ctx, terr, communes, from, to, after)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("report: %d needs, %d offers, %d matches, %d answered, %d unmet; %d weeks",
		report.Totals.Needs, report.Totals.Offers, report.Totals.Matches, report.Totals.Answered, report.Totals.Unmet, len(report.Weeks))

	for _, bc := range []struct {
		name string
		op   func() error
	}{
		{"baseline-count", func() error {
			var n, m int
			if err := s.DB().NewRaw("SELECT count(*) FROM listings WHERE territory_id = ? AND published_at >= ? AND published_at < ?",
				terr, from, to).Scan(ctx, &n); err != nil {
				return err
			}
			return s.DB().NewRaw("SELECT count(*) FROM exchanges WHERE territory_id = ? AND created_at >= ? AND created_at < ?",
				terr, from, to).Scan(ctx, &m)
		}},
		{"baseline-fetch", func() error {
			_, err := svc.read(ctx, &Report{TerritoryID: terr, From: from, To: to})
			return err
		}},
		{"report", func() error {
			_, err := svc.Report(ctx, terr, communes, from, to, after)
			return err
		}},
		{"csv", func() error { return WriteCSV(io.Discard, report) }},
		{"map", func() error { _ = svc.Map(report); return nil }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.op(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
