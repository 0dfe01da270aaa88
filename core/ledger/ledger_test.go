package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Fixture: two territories and members numbered from 1.
const (
	terr  = "t-1"
	other = "t-2"
)

// member returns the account ID of fixture member i.
func member(i int) string { return fmt.Sprintf("0190a000-0000-7000-8000-%012d", i) }

var (
	jeanne = member(1)
	paul   = member(2)
	marie  = member(3)
	erased = "0190a000-0000-7000-9000-000000000000" // apart from member(i)
)

// wide are limits no test transfer reaches.
var wide = Limits{FloorMinutes: -100 * 60, CeilingMinutes: 100 * 60}

// fixture opens a migrated database with the two territories, members 1
// to n (at least 3), and an erased account.
func fixture(t testing.TB, tg storetest.Target, n int) (*Service, *store.Store) {
	t.Helper()
	ctx := context.Background()
	s := schematest.Open(t, tg)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, id := range []string{terr, other} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO territories (id, slug, name, kind, population, commune_count, created_at, updated_at)
				VALUES (?, ?, 'Essai', 'custom', 10, 1, ?, ?)`, id, "essai-"+id, now, now); err != nil {
				return err
			}
		}
		ids := []string{erased}
		for i := 1; i <= max(n, 3); i++ {
			ids = append(ids, member(i))
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, created_at, updated_at)
				VALUES (?, ?, 'x', 'x', '60620', ?, ?, ?)`, id, id+"@example.fr", terr, now, now); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE accounts SET erased_at = ? WHERE id = ?", now, erased)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewService(s, nil), s
}

// balance returns holder's balance in territory, failing the test on error.
func balance(t testing.TB, svc *Service, territory, holder string) int64 {
	t.Helper()
	a, err := svc.Balance(context.Background(), territory, holder)
	if err != nil {
		t.Fatal(err)
	}
	return a.BalanceMinutes
}

// mustCheck fails the test unless Check finds the whole ledger consistent.
func mustCheck(t testing.TB, svc *Service) *Report {
	t.Helper()
	r, err := svc.Check(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("Check found differences: %+v", r)
	}
	return r
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return apperr.As(err).Code
}

func TestFormatMinutes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   int64
		want string
	}{
		{0, "0 h"}, {60, "1 h"}, {-300, "-5 h"}, {-270, "-4 h 30"}, {45, "45 min"}, {-5, "-5 min"}, {65, "1 h 05"}, {6000, "100 h"},
	} {
		if got := FormatMinutes(tt.in); got != tt.want {
			t.Errorf("FormatMinutes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func ExampleFormatMinutes() {
	fmt.Println(FormatMinutes(-270), FormatMinutes(60), FormatMinutes(45))
	// Output: -4 h 30 1 h 45 min
}

// TestTransferInput: every malformed transfer is refused before anything
// is written, with its code.
func TestTransferInput(t *testing.T) {
	t.Parallel()
	svc, _ := fixture(t, storetest.New(t, "sqlite"), 3)
	ctx := context.Background()
	ok := TransferInput{TerritoryID: terr, Kind: KindExchange, From: jeanne, To: paul, Minutes: 30, Actor: jeanne}
	tests := []struct {
		name string
		edit func(*TransferInput)
		lim  Limits
		code string
	}{
		{"valid", func(*TransferInput) {}, wide, ""},
		{"upper-case UUID is the same member", func(in *TransferInput) { in.To = strings.ToUpper(paul) }, wide, ""},
		{"no territory", func(in *TransferInput) { in.TerritoryID = " " }, wide, "ledger_territory"},
		{"payer not a UUID", func(in *TransferInput) { in.From = "jeanne" }, wide, "ledger_party"},
		{"same party", func(in *TransferInput) { in.To = jeanne }, wide, "ledger_same_party"},
		{"zero", func(in *TransferInput) { in.Minutes = 0 }, wide, "ledger_amount"},
		{"negative", func(in *TransferInput) { in.Minutes = -30 }, wide, "ledger_amount"},
		{"too much", func(in *TransferInput) { in.Minutes = MaxTransferMinutes + 1 }, wide, "ledger_amount"},
		{"no actor", func(in *TransferInput) { in.Actor = "" }, wide, "ledger_actor"},
		{"memo too long", func(in *TransferInput) { in.Memo = strings.Repeat("é", maxMemo+1) }, wide, "ledger_too_long"},
		{"exchange with the territory", func(in *TransferInput) { in.From = TerritoryAccount }, wide, "ledger_kind_parties"},
		{"welcome from a member", func(in *TransferInput) { in.Kind = KindWelcome }, wide, "ledger_kind_parties"},
		{"adjustment between members", func(in *TransferInput) { in.Kind = KindAdjustment }, wide, "ledger_kind_parties"},
		{"reversal entered", func(in *TransferInput) { in.Kind = KindReversal }, wide, "ledger_kind_reversal"},
		{"unknown kind", func(in *TransferInput) { in.Kind = "gift" }, wide, "ledger_kind"},
		{"positive floor", func(*TransferInput) {}, Limits{FloorMinutes: 60, CeilingMinutes: 600}, "ledger_limits"},
		{"negative ceiling", func(*TransferInput) {}, Limits{FloorMinutes: -60, CeilingMinutes: -1}, "ledger_limits"},
		{"unknown member", func(in *TransferInput) { in.To = member(50) }, wide, "ledger_member_not_found"},
		{"erased member", func(in *TransferInput) { in.To = erased }, wide, "ledger_member_not_found"},
		{"unknown territory", func(in *TransferInput) { in.TerritoryID = "t-9" }, wide, "ledger_territory_not_found"},
		{"unknown territory, welcome", func(in *TransferInput) {
			in.TerritoryID, in.Kind, in.From = "t-9", KindWelcome, TerritoryAccount
		}, wide, "ledger_territory_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			tr, err := svc.Transfer(ctx, in, tt.lim)
			if got := code(err); got != tt.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.code)
			}
			if tt.code == "" && (tr.ID == "" || len(tr.Postings) != 2 || tr.Postings[0].Minutes != -30 || tr.Postings[1].Minutes != 30) {
				t.Errorf("transfer = %+v", tr)
			}
			if tt.code != "" && apperr.As(err).Message == "" {
				t.Errorf("no French message: %v", err)
			}
		})
	}
	mustCheck(t, svc)
}

// TestTransfersAndLimits walks a territory's ledger through welcome
// credits, exchanges and adjustments, with limits refused in French with
// the balance and the limit, on both engines.
func TestTransfersAndLimits(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := fixture(t, tg, 3)
		ctx := context.Background()
		tight := Limits{FloorMinutes: -300, CeilingMinutes: 600}
		steps := []struct {
			name     string
			in       TransferInput
			code     string
			message  string
			balances map[string]int64 // holder → balance after the step
		}{
			{"welcome credits", TransferInput{Kind: KindWelcome, From: TerritoryAccount, To: jeanne, Minutes: 120},
				"", "", map[string]int64{TerritoryAccount: -120, jeanne: 120}},
			{"exchange", TransferInput{Kind: KindExchange, From: jeanne, To: paul, Minutes: 90},
				"", "", map[string]int64{jeanne: 30, paul: 90}},
			{"down to -4 h 30", TransferInput{Kind: KindExchange, From: jeanne, To: marie, Minutes: 300},
				"", "", map[string]int64{jeanne: -270, marie: 300}},
			{"past the floor", TransferInput{Kind: KindExchange, From: jeanne, To: paul, Minutes: 60},
				"ledger_below_floor",
				"Solde insuffisant : votre solde est de -4 h 30, le plancher du territoire est de -5 h ; ce transfert de 1 h le dépasserait.",
				map[string]int64{jeanne: -270, paul: 90}},
			{"exactly to the floor", TransferInput{Kind: KindExchange, From: jeanne, To: paul, Minutes: 30},
				"", "", map[string]int64{jeanne: -300, paul: 120}},
			{"past the ceiling", TransferInput{Kind: KindAdjustment, From: TerritoryAccount, To: marie, Minutes: 301},
				"ledger_above_ceiling",
				"Plafond dépassé : le solde du bénéficiaire est de 5 h, le plafond du territoire est de 10 h ; ce transfert de 5 h 01 le dépasserait.",
				map[string]int64{marie: 300, TerritoryAccount: -120}},
			{"exactly to the ceiling", TransferInput{Kind: KindAdjustment, From: TerritoryAccount, To: marie, Minutes: 300},
				"", "", map[string]int64{marie: 600, TerritoryAccount: -420}},
			{"the territory account has no floor", TransferInput{Kind: KindWelcome, From: TerritoryAccount, To: paul, Minutes: 480},
				"", "", map[string]int64{TerritoryAccount: -900, paul: 600}},
			{"adjustment back to the territory", TransferInput{Kind: KindAdjustment, From: marie, To: TerritoryAccount, Minutes: 600},
				"", "", map[string]int64{TerritoryAccount: -300, marie: 0}},
			{"a member at the floor may receive", TransferInput{Kind: KindExchange, From: paul, To: jeanne, Minutes: 60},
				"", "", map[string]int64{jeanne: -240, paul: 540}},
		}
		for _, st := range steps {
			in := st.in
			in.TerritoryID, in.Actor = terr, jeanne
			_, err := svc.Transfer(ctx, in, tight)
			if got := code(err); got != st.code {
				t.Fatalf("%s: code = %q (%v), want %q", st.name, got, err, st.code)
			}
			if st.message != "" {
				if got := apperr.As(err).Message; got != st.message {
					t.Errorf("%s: message\n got %q\nwant %q", st.name, got, st.message)
				}
				var le *LimitError
				if !errors.As(err, &le) || le.TransferMinutes != in.Minutes || apperr.As(err).MessageEN == "" {
					t.Errorf("%s: no LimitError cause or English message: %v", st.name, err)
				}
			}
			for h, want := range st.balances {
				if got := balance(t, svc, terr, h); got != want {
					t.Errorf("%s: balance of %s = %d, want %d", st.name, h, got, want)
				}
			}
		}
		// The other territory's ledger is apart: same members, zero balances.
		if b := balance(t, svc, other, jeanne); b != 0 {
			t.Errorf("balance in the other territory = %d", b)
		}
		accts, err := svc.Accounts(ctx, terr)
		if err != nil {
			t.Fatal(err)
		}
		if len(accts) != 4 || accts[0].Holder() != TerritoryAccount {
			t.Fatalf("Accounts = %+v", accts)
		}
		var sum int64
		for _, a := range accts {
			sum += a.BalanceMinutes
		}
		if sum != 0 {
			t.Errorf("balances sum to %d", sum)
		}
		r := mustCheck(t, svc)
		if r.Accounts != 4 || r.Transfers != 8 || r.Postings != 16 {
			t.Errorf("report = %+v, want 4 accounts, 8 transfers, 16 postings", r)
		}
	})
}

// TestIdempotency: a retry with the same key records nothing more; the
// same key with another content is refused; concurrent requests with one
// key record one transfer.
func TestIdempotency(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := fixture(t, tg, 3)
		ctx := context.Background()
		in := TransferInput{TerritoryID: terr, Kind: KindExchange, From: jeanne, To: paul, Minutes: 45,
			Reference: "ex-1", Memo: "Tonte", Actor: jeanne, Idempotency: "key-1"}
		first, err := svc.Transfer(ctx, in, wide)
		if err != nil || first.Replayed {
			t.Fatalf("first = %+v, %v", first, err)
		}
		again, err := svc.Transfer(ctx, in, wide)
		if err != nil || !again.Replayed || again.ID != first.ID || again.From != jeanne || again.To != paul || len(again.Postings) != 2 {
			t.Fatalf("retry = %+v, %v", again, err)
		}
		if b := balance(t, svc, terr, paul); b != 45 {
			t.Errorf("balance after the retry = %d, want 45", b)
		}
		for name, edit := range map[string]func(*TransferInput){
			"amount": func(in *TransferInput) { in.Minutes = 60 },
			"payee":  func(in *TransferInput) { in.To = marie },
			"memo":   func(in *TransferInput) { in.Memo = "Taille" },
			"actor":  func(in *TransferInput) { in.Actor = paul },
		} {
			other := in
			edit(&other)
			_, err := svc.Transfer(ctx, other, wide)
			if code(err) != "ledger_idempotency_mismatch" || apperr.KindOf(err) != apperr.KindConflict ||
				!strings.Contains(apperr.As(err).Message, first.ID) {
				t.Errorf("same key, other %s: %v", name, err)
			}
		}
		// The key is per territory.
		elsewhere := in
		elsewhere.TerritoryID = other
		if tr, err := svc.Transfer(ctx, elsewhere, wide); err != nil || tr.Replayed || tr.ID == first.ID {
			t.Errorf("same key in another territory = %+v, %v", tr, err)
		}

		// Rounds of eight concurrent requests with one key, released
		// together: one transfer each.
		const rounds = 5
		in.Minutes = 15
		for round := range rounds {
			in.Idempotency = fmt.Sprintf("key-2-%d", round)
			ids := make([]string, 8)
			errs := make(chan error, len(ids))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range ids {
				wg.Go(func() {
					<-start
					tr, err := svc.Transfer(ctx, in, wide)
					if err != nil {
						errs <- err
						return
					}
					ids[i] = tr.ID
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("concurrent retry: %v", err)
			}
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("concurrent retries recorded several transfers: %v", ids)
				}
			}
		}
		if b := balance(t, svc, terr, paul); b != 45+rounds*15 {
			t.Errorf("balance after concurrent retries = %d, want %d", b, 45+rounds*15)
		}
		mustCheck(t, svc)
	})
}

// TestReverse: a reversal posts the opposite transfer, once, without
// checking limits; a reversal is not reversed.
func TestReverse(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := fixture(t, tg, 3)
		ctx := context.Background()
		tight := Limits{FloorMinutes: -60, CeilingMinutes: 600}
		tr, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindExchange, From: jeanne, To: paul,
			Minutes: 60, Reference: "ex-7", Actor: jeanne}, tight)
		if err != nil {
			t.Fatal(err)
		}
		// Paul spends the credits down to the floor: the reversal takes him
		// past it, deliberately.
		if _, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindExchange, From: paul, To: marie,
			Minutes: 120, Actor: paul}, tight); err != nil {
			t.Fatal(err)
		}
		rev, err := svc.Reverse(ctx, tr.ID, "staff", "Échange saisi par erreur")
		if err != nil {
			t.Fatal(err)
		}
		if rev.Kind != KindReversal || rev.From != paul || rev.To != jeanne || rev.Minutes != 60 ||
			rev.ReversesID == nil || *rev.ReversesID != tr.ID || rev.Reference != "ex-7" {
			t.Errorf("reversal = %+v", rev)
		}
		for h, want := range map[string]int64{jeanne: 0, paul: -120, marie: 120} {
			if got := balance(t, svc, terr, h); got != want {
				t.Errorf("balance of %s = %d, want %d", h, got, want)
			}
		}
		// Past the floor, Paul can only receive.
		_, err = svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindExchange, From: paul, To: marie, Minutes: 1, Actor: paul}, tight)
		if code(err) != "ledger_below_floor" {
			t.Errorf("paying past the floor: %v", err)
		}
		if _, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindExchange, From: marie, To: paul, Minutes: 30, Actor: marie}, tight); err != nil {
			t.Errorf("receiving past the floor: %v", err)
		}

		for _, tt := range []struct {
			name, id, actor, code string
		}{
			{"twice", tr.ID, "staff", "ledger_already_reversed"},
			{"a reversal", rev.ID, "staff", "ledger_reverse_reversal"},
			{"unknown", "0190a000-0000-7000-8000-00000000dead", "staff", "ledger_transfer_not_found"},
			{"no actor", tr.ID, "", "ledger_actor"},
		} {
			if _, err := svc.Reverse(ctx, tt.id, tt.actor, ""); code(err) != tt.code {
				t.Errorf("reverse %s: %v, want %s", tt.name, err, tt.code)
			}
		}
		got, err := svc.Get(ctx, tr.ID)
		if err != nil || got.From != jeanne || got.To != paul || len(got.Postings) != 2 {
			t.Errorf("Get = %+v, %v", got, err)
		}

		// Eight concurrent reversals of one transfer: one is recorded.
		tr2, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindWelcome, From: TerritoryAccount, To: marie,
			Minutes: 30, Actor: "system:welcome"}, tight)
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for range 8 {
			wg.Go(func() {
				_, err := svc.Reverse(ctx, tr2.ID, "staff", "")
				mu.Lock()
				defer mu.Unlock()
				switch code(err) {
				case "":
					wins++
				case "ledger_already_reversed":
				default:
					t.Errorf("concurrent reversal: %v", err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d concurrent reversals recorded, want 1", wins)
		}
		if b := balance(t, svc, terr, marie); b != 90 {
			t.Errorf("balance of marie = %d, want 90", b)
		}
		mustCheck(t, svc)
	})
}

// TestStatement: newest first, pages keyed by Seq that neither skip nor
// repeat an entry, counterparty and reversal shown.
func TestStatement(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := fixture(t, tg, 3)
		ctx := context.Background()
		var ids []string
		for i := range 25 {
			from, to := jeanne, paul
			if i%3 == 0 {
				from, to = paul, jeanne
			}
			tr, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindExchange, From: from, To: to,
				Minutes: int64(i + 1), Reference: fmt.Sprintf("ex-%d", i), Actor: from}, wide)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tr.ID)
		}
		rev, err := svc.Reverse(ctx, ids[3], "staff", "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rev.ID)

		empty, err := svc.Statement(ctx, terr, marie, Page{})
		if err != nil || empty.Account.ID != "" || len(empty.Entries) != 0 || empty.NextBefore != 0 {
			t.Fatalf("statement of a member without an account = %+v, %v", empty, err)
		}

		var got []Entry
		p := Page{Limit: 10}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			st, err := svc.Statement(ctx, terr, jeanne, p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Account.LastSeq != 26 || st.Account.BalanceMinutes != balance(t, svc, terr, jeanne) {
				t.Errorf("account = %+v", st.Account)
			}
			got = append(got, st.Entries...)
			if st.NextBefore == 0 {
				break
			}
			p.Before = st.NextBefore
		}
		if len(got) != 26 {
			t.Fatalf("%d entries, want 26", len(got))
		}
		var sum int64
		for i, e := range got {
			if want := int64(26 - i); e.Seq != want {
				t.Errorf("entry %d: seq %d, want %d", i, e.Seq, want)
			}
			if want := ids[25-i]; e.TransferID != want {
				t.Errorf("entry %d: transfer %s, want %s", i, e.TransferID, want)
			}
			if e.Counterparty != paul {
				t.Errorf("entry %d: counterparty %q", i, e.Counterparty)
			}
			if i > 0 && got[i-1].BalanceAfter-got[i-1].Minutes != e.BalanceAfter {
				t.Errorf("entry %d: balance %d does not lead to the next one", i, e.BalanceAfter)
			}
			sum += e.Minutes
		}
		if sum != got[0].BalanceAfter {
			t.Errorf("entries sum to %d, balance is %d", sum, got[0].BalanceAfter)
		}
		if got[0].Kind != KindReversal || got[0].ReversesID == nil || *got[0].ReversesID != ids[3] {
			t.Errorf("newest entry = %+v, want the reversal", got[0])
		}
		if reversed := got[25-3]; reversed.ReversedBy == nil || *reversed.ReversedBy != rev.ID || reversed.Reference != "ex-3" {
			t.Errorf("reversed entry = %+v", reversed)
		}

		// The territory account's statement, and a page size above the maximum.
		if _, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindWelcome, From: TerritoryAccount, To: marie, Minutes: 60, Actor: "system"}, wide); err != nil {
			t.Fatal(err)
		}
		st, err := svc.Statement(ctx, terr, TerritoryAccount, Page{Limit: 10 * MaxPageSize})
		if err != nil || len(st.Entries) != 1 || st.Entries[0].Counterparty != marie || st.Entries[0].Minutes != -60 {
			t.Errorf("territory statement = %+v, %v", st, err)
		}
		if _, err := svc.Statement(ctx, terr, "nobody", Page{}); code(err) != "ledger_party" {
			t.Errorf("statement of a malformed holder: %v", err)
		}
	})
}

// TestCheck: Check reports a stored balance that differs from the
// postings, and a transfer whose postings do not sum to zero, per
// territory or for all.
func TestCheck(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s := fixture(t, tg, 3)
		ctx := context.Background()
		var last *Transfer
		for _, terrID := range []string{terr, other} {
			for _, in := range []TransferInput{
				{Kind: KindWelcome, From: TerritoryAccount, To: jeanne, Minutes: 60},
				{Kind: KindExchange, From: jeanne, To: paul, Minutes: 30},
			} {
				in.TerritoryID, in.Actor = terrID, "test"
				tr, err := svc.Transfer(ctx, in, wide)
				if err != nil {
					t.Fatal(err)
				}
				last = tr
			}
		}
		if r := mustCheck(t, svc); r.Accounts != 6 || r.Transfers != 4 || r.Postings != 8 {
			t.Errorf("report = %+v", r)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, q, args...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		// Someone edits a balance by hand in the first territory…
		exec("UPDATE ledger_accounts SET balance_minutes = balance_minutes + 7 WHERE territory_id = ? AND member_id = ?", terr, paul)
		// …and a posting of the second territory's last transfer.
		exec("UPDATE ledger_postings SET amount_minutes = amount_minutes + 5 WHERE transfer_id = ? AND amount_minutes > 0", last.ID)

		r, err := svc.Check(ctx, terr)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Differences) != 1 || len(r.Unbalanced) != 0 {
			t.Fatalf("check of %s = %+v", terr, r)
		}
		if d := r.Differences[0]; d.Holder != paul || d.StoredMinutes != 37 || d.ComputedMinutes != 30 || d.TerritoryID != terr {
			t.Errorf("difference = %+v", d)
		}
		r, err = svc.Check(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.OK() || len(r.Differences) != 2 || len(r.Unbalanced) != 1 {
			t.Fatalf("check of all = %+v", r)
		}
		if u := r.Unbalanced[0]; u.TransferID != last.ID || u.SumMinutes != 5 || u.Postings != 2 || u.TerritoryID != other {
			t.Errorf("unbalanced = %+v", u)
		}
		// A posting deleted: the transfer has one posting left.
		exec("DELETE FROM ledger_postings WHERE transfer_id = ? AND amount_minutes < 0", last.ID)
		r, err = svc.Check(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Unbalanced) != 1 || r.Unbalanced[0].Postings != 1 {
			t.Errorf("check after a deleted posting = %+v", r)
		}
	})
}

// TestPrivacy: the export holds the member's accounts, statements and the
// transfers they recorded; erasure changes nothing in the ledger.
func TestPrivacy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s := fixture(t, tg, 3)
		ctx := context.Background()
		for _, in := range []TransferInput{
			{TerritoryID: terr, Kind: KindWelcome, From: TerritoryAccount, To: jeanne, Minutes: 60, Actor: paul},
			{TerritoryID: other, Kind: KindExchange, From: paul, To: jeanne, Minutes: 30, Actor: jeanne},
		} {
			if _, err := svc.Transfer(ctx, in, wide); err != nil {
				t.Fatal(err)
			}
		}
		data, err := svc.Export(ctx, s.DB(), jeanne)
		if err != nil {
			t.Fatal(err)
		}
		d := data.(*Data)
		if len(d.Accounts) != 2 || d.Accounts[0].Account.TerritoryID != terr || len(d.Accounts[1].Entries) != 1 ||
			d.Accounts[1].Entries[0].Minutes != 30 || len(d.Recorded) != 1 || d.Recorded[0].From != paul || d.Recorded[0].To != jeanne {
			t.Errorf("export of jeanne = %+v", d)
		}
		data, err = svc.Export(ctx, s.DB(), paul)
		if err != nil {
			t.Fatal(err)
		}
		if d := data.(*Data); len(d.Accounts) != 1 || len(d.Recorded) != 1 || d.Recorded[0].From != TerritoryAccount {
			t.Errorf("export of paul = %+v", d)
		}
		before, _ := svc.Check(ctx, "")
		if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return svc.Erase(ctx, tx, jeanne, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		after := mustCheck(t, svc)
		if after.Postings != before.Postings || after.Transfers != before.Transfers || after.Accounts != before.Accounts {
			t.Errorf("erasure changed the ledger: %+v → %+v", before, after)
		}
		if b := balance(t, svc, terr, jeanne); b != 60 {
			t.Errorf("balance after erasure = %d", b)
		}
	})
}

// TestMigrationDown rolls the ledger migration back, with transfers
// recorded, and applies it again.
func TestMigrationDown(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s := fixture(t, tg, 3)
		ctx := context.Background()
		if _, err := svc.Transfer(ctx, TransferInput{TerritoryID: terr, Kind: KindWelcome, From: TerritoryAccount, To: jeanne,
			Minutes: 60, Actor: "test"}, wide); err != nil {
			t.Fatal(err)
		}
		ms, err := store.LoadMigrations(schema.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		m := store.NewMigrator(s, ms)
		for m.Latest() >= 8 { // later migrations of other packages first
			if _, err := m.Down(ctx); err != nil {
				t.Fatal(err)
			}
			ms = ms[:len(ms)-1]
			m = store.NewMigrator(s, ms)
		}
		if _, err := s.DB().ExecContext(ctx, "SELECT 1 FROM ledger_transfers"); err == nil {
			t.Fatal("ledger_transfers still exists after down")
		}
		ms, _ = store.LoadMigrations(schema.Migrations())
		if _, err := store.NewMigrator(s, ms).Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if r := mustCheck(t, svc); r.Transfers != 0 || r.Accounts != 0 {
			t.Errorf("after down and up: %+v", r)
		}
	})
}
