package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestHammer: 8 goroutines × 1,000 transfers (100 with -short) among five
// members with tight limits, released together, on each engine; one
// transfer in ten is sent twice with its idempotency key. Afterwards every
// transfer sums to zero, no balance was ever past its limits (every
// posting's balance-after is within them, and each account's postings
// chain without gaps), the balances sum to zero and Check finds no
// difference.
func TestHammer(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		const (
			goroutines = 8
			members    = 5
			welcome    = 60
		)
		perGoroutine := 1000
		if testing.Short() {
			perGoroutine = 100
		}
		lim := Limits{FloorMinutes: -120, CeilingMinutes: 180}
		svc, s := fixture(t, tg, members)
		ctx := context.Background()
		for i := 1; i <= members; i++ {
			if _, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindWelcome, From: TerritoryAccount,
				To: member(i), Minutes: welcome, Actor: "system:welcome"}, lim); err != nil {
				t.Fatal(err)
			}
		}

		var accepted, refused, replayed atomic.Int64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), 2026))
				<-start
				for i := range perGoroutine {
					from, to := rng.IntN(members), rng.IntN(members-1)
					if to >= from {
						to++
					}
					in := TransferInput{TerritoryID: terr, Kind: KindExchange, From: member(from + 1), To: member(to + 1),
						Minutes: int64(15 * (1 + rng.IntN(6))), Actor: member(from + 1)}
					if i%10 == 0 {
						in.Idempotency = fmt.Sprintf("g%d-%d", g, i)
					}
					tr, err := svc.Transfer(ctx, in, lim)
					switch code(err) {
					case "":
						accepted.Add(1)
					case "ledger_below_floor", "ledger_above_ceiling":
						refused.Add(1)
						continue
					default:
						t.Errorf("transfer %d of goroutine %d: %v", i, g, err)
						return
					}
					if in.Idempotency == "" {
						continue
					}
					again, err := svc.Transfer(ctx, in, lim)
					if err != nil || !again.Replayed || again.ID != tr.ID {
						t.Errorf("retry of %s: %+v, %v", in.Idempotency, again, err)
						return
					}
					replayed.Add(1)
				}
			})
		}
		began := time.Now()
		close(start)
		wg.Wait()
		elapsed := time.Since(began)
		t.Logf("%s: %d transfers accepted, %d refused at a limit, %d retries replayed, in %v",
			tg.Driver, accepted.Load(), refused.Load(), replayed.Load(), elapsed.Round(time.Millisecond))
		if t.Failed() {
			return
		}
		if accepted.Load() == 0 || refused.Load() == 0 {
			t.Errorf("the limits were not exercised: %d accepted, %d refused", accepted.Load(), refused.Load())
		}

		r := mustCheck(t, svc)
		if want := accepted.Load() + members; r.Transfers != want || r.Postings != 2*want {
			t.Errorf("report = %+v, want %d transfers", r, want)
		}

		// Every posting, in each account's order: seq from 1 without gaps,
		// each balance the previous one plus the amount, within the limits
		// for members.
		rows, err := s.DB().QueryContext(ctx, `SELECT a.id, a.member_id IS NULL, a.balance_minutes, a.last_seq, p.seq, p.amount_minutes, p.balance_after_minutes
			FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.ledger_account_id ORDER BY a.id, p.seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var (
			prevAccount      string
			prevSeq, running int64
			total            int64
			finals           = map[string][2]int64{} // account → stored balance, last seq
		)
		for rows.Next() {
			var (
				id                               string
				isTerritory                      bool
				stored, lastSeq, seq, amt, after int64
			)
			if err := rows.Scan(&id, &isTerritory, &stored, &lastSeq, &seq, &amt, &after); err != nil {
				t.Fatal(err)
			}
			if id != prevAccount {
				prevAccount, prevSeq, running = id, 0, 0
			}
			if seq != prevSeq+1 {
				t.Fatalf("account %s: posting %d follows %d", id, seq, prevSeq)
			}
			running += amt
			if after != running {
				t.Fatalf("account %s, posting %d: balance after %d, postings sum to %d", id, seq, after, running)
			}
			if !isTerritory && (after < lim.FloorMinutes || after > lim.CeilingMinutes) {
				t.Errorf("account %s, posting %d: balance %d past the limits %+v", id, seq, after, lim)
			}
			prevSeq = seq
			finals[id] = [2]int64{stored, lastSeq}
			if seq == lastSeq {
				total += after
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(finals) != members+1 || total != 0 {
			t.Errorf("%d accounts, balances sum to %d; want %d accounts summing to 0", len(finals), total, members+1)
		}
	})
}
