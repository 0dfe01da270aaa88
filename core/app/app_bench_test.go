package app_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/idempotency"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// benchWriters is the number of concurrent writers of issue 5's target.
const benchWriters = 50

var benchToken = regexp.MustCompile(`jeton=(cmp_verify_[A-Za-z0-9_-]+)`)

// benchMember signs a member up and verifies them through the services.
func benchMember(b *testing.B, a *app.App, email, commune string) *account.Account {
	b.Helper()
	ctx := context.Background()
	if _, err := a.Accounts.SignUp(ctx, account.SignUpInput{Email: email, Password: "bocage-verger-2026", DisplayName: "Banc", Commune: commune}); err != nil {
		b.Fatal(err)
	}
	msgs, err := a.Accounts.Outbox(ctx, email, 5)
	if err != nil || len(msgs) == 0 {
		b.Fatalf("outbox: %v", err)
	}
	acct, err := a.Accounts.Verify(ctx, benchToken.FindStringSubmatch(msgs[0].Body)[1])
	if err != nil {
		b.Fatal(err)
	}
	return acct
}

// BenchmarkExchangeTransitions drives exchanges through their whole life
// (request with its plugin quote, accept with the frozen quote, schedule,
// complete, confirm twice) from 50 concurrent writers on the embedded
// SQLite default, and reports transitions per second, p50 and p99 per
// transition, the p50 of creating an exchange (plugin quote included) and
// the count of "database is locked" errors; "baseline-writetx" is the same
// 50 writers committing one small row each, in the same run.
func BenchmarkExchangeTransitions(b *testing.B) {
	tg := storetest.New(b, "sqlite")
	a := openApp(b, tg)
	ctx := context.Background()
	terr, err := a.Territories.Lookup(ctx, "picardie-verte", false)
	if err != nil {
		b.Fatal(err)
	}
	// Each member offers a service and asks for the next member's, so that
	// time credits go round and no balance drifts to a limit.
	members := make([]*account.Account, benchWriters)
	offers := make([]*listing.View, benchWriters)
	for i := range members {
		members[i] = benchMember(b, a, fmt.Sprintf("habitant%02d@example.fr", i), "Songeons")
		offers[i], err = a.Listings.Create(ctx, terr, listing.Owner{ID: members[i].ID}, listing.Input{Kind: "offer", Category: "petits-travaux",
			Modality: "resident", Title: "Tonte de pelouse", Modes: []string{"free", "time_credits"}, PriceKind: "free",
			Commune: "60623", Publish: true})
		if err != nil {
			b.Fatal(err)
		}
	}

	b.Run("baseline-writetx", func(b *testing.B) {
		st := idempotency.New(a.Store, nil)
		var n atomic.Int64
		runWriters(b, func(w int, _ *int) (time.Duration, bool, error) {
			t0 := time.Now()
			err := st.Save(ctx, &idempotency.Record{AccountID: "bench", Key: fmt.Sprintf("k-%d-%d", w, n.Add(1)), Route: "r", BodyHash: "h", Response: "{}", Status: 200})
			return time.Since(t0), false, err
		})
	})
	b.Run("transitions", func(b *testing.B) {
		current := make([]string, benchWriters)
		runWriters(b, func(w int, step *int) (time.Duration, bool, error) {
			next := (w + 1) % benchWriters
			seeker := exchange.Caller{AccountID: members[w].ID, Commune: members[w].Commune}
			prov := exchange.Caller{AccountID: members[next].ID, Commune: members[next].Commune}
			l := offers[next]
			at := time.Now().Add(24 * time.Hour)
			t0 := time.Now()
			var err error
			create := *step%6 == 0
			switch *step % 6 {
			case 0:
				var x *exchange.Exchange
				x, err = a.Exchanges.Request(ctx, terr, l.Listing, seeker, exchange.RequestInput{ListingID: l.ID, Mode: "time_credits", Minutes: 30}, false)
				if err == nil {
					current[w] = x.ID
				}
			case 1:
				_, err = a.Exchanges.Transition(ctx, terr, prov, current[w], exchange.Accept, exchange.TransitionInput{})
			case 2:
				_, err = a.Exchanges.Transition(ctx, terr, seeker, current[w], exchange.Schedule, exchange.TransitionInput{ScheduledAt: &at})
			case 3:
				_, err = a.Exchanges.Transition(ctx, terr, prov, current[w], exchange.Complete, exchange.TransitionInput{})
			case 4:
				_, err = a.Exchanges.Transition(ctx, terr, prov, current[w], exchange.Confirm, exchange.TransitionInput{})
			case 5:
				_, err = a.Exchanges.Transition(ctx, terr, seeker, current[w], exchange.Confirm, exchange.TransitionInput{})
			}
			*step++
			return time.Since(t0), create, err
		})
	})
	// Creating one exchange with its plugin quote, one writer at a time.
	b.Run("create-alone", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w := i % benchWriters
			next := (w + 1) % benchWriters
			t0 := time.Now()
			_, err := a.Exchanges.Request(ctx, terr, offers[next].Listing, exchange.Caller{AccountID: members[w].ID, Commune: members[w].Commune},
				exchange.RequestInput{ListingID: offers[next].ID, Mode: "time_credits", Minutes: 30}, false)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
	var bad []string
	_ = a.Store.DB().NewSelect().TableExpr("ledger_accounts").Column("id").Where("balance_minutes < ?", -600).Scan(ctx, &bad)
	if len(bad) > 0 {
		b.Errorf("balances past the floor: %v", bad)
	}
}

// runWriters runs op from benchWriters goroutines until b.N operations
// are done, and reports throughput and latencies.
func runWriters(b *testing.B, op func(w int, step *int) (time.Duration, bool, error)) {
	var (
		next            atomic.Int64
		mu              sync.Mutex
		lat, create     []time.Duration
		locked, failure atomic.Int64
		firstErr        atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range benchWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine, mineCreate []time.Duration
			step := 0
			for next.Add(1) <= int64(b.N) {
				d, isCreate, err := op(w, &step)
				if err != nil {
					if strings.Contains(err.Error(), "database is locked") {
						locked.Add(1)
					}
					failure.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					step = 0 // start a new exchange
					continue
				}
				mine = append(mine, d)
				if isCreate {
					mineCreate = append(mineCreate, d)
				}
			}
			mu.Lock()
			lat, create = append(lat, mine...), append(create, mineCreate...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		b.Fatalf("no operation succeeded: %v", firstErr.Load())
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(locked.Load()), "locked-errors")
	b.ReportMetric(float64(failure.Load()), "failures")
	if len(create) > 0 {
		slices.Sort(create)
		b.ReportMetric(float64(create[len(create)/2].Microseconds())/1000, "create-p50-ms")
	}
	if failure.Load() > 0 {
		b.Errorf("%d operations failed, first: %v", failure.Load(), firstErr.Load())
	}
}
