package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/demo"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/sdk/abi"
)

// moduleDir holds the real plugins, built once for the package.
var moduleDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "campagnon-demo-plugins")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err = pluginbuild.Install(ctx, "../../plugins", pluginbuild.TestCacheDir(), dir, "standard", "picardie-verte", "portes-de-sologne")
	cancel()
	if err != nil {
		_ = os.RemoveAll(dir)
		panic(err)
	}
	moduleDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// openApp returns a bootstrapped App on the target (both pilots with their
// plugins), closed when the test ends.
func openApp(t testing.TB, tg storetest.Target) *app.App {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := config.Load(config.Options{Sets: []string{"plugins.call_timeout=1s", "log.level=warn",
		"database.driver=" + tg.Driver, "database.sqlite_path=" + tg.SQLitePath, "database.postgres_dsn=" + tg.PostgresDSN,
		"data_dir=" + t.TempDir(), "plugins.dir=" + moduleDir, "plugins.cache_dir=" + filepath.Join(moduleDir, "compiled")}})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := app.Open(ctx, cfg, storetest.Logger(t))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return a
}

// now is the end of the tests' history: a fixed instant, so that two runs
// give the same data.
var now = time.Date(2026, 10, 15, 16, 30, 0, 0, time.UTC)

func seed(t testing.TB, a *app.App, members int, s uint64) *demo.Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sum, err := demo.Seed(ctx, a, demo.Options{Seed: s, Members: members, Now: now})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return sum
}

// TestSeed: a small demo on each engine has listings in every category,
// kind and modality of each territory's plugin, exchanges in every state
// and every payment mode the plugin allows, balanced ledgers, messages,
// reviews, payments, recurring months and mediation; its logins open.
func TestSeed(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		ctx := context.Background()
		sum := seed(t, a, 90, 7)
		t.Logf("seeded in %s, %d actions", sum.Elapsed, sum.Actions)
		if len(sum.Territories) != 2 {
			t.Fatalf("territories = %d", len(sum.Territories))
		}
		for _, ts := range sum.Territories {
			t.Logf("%s: %+v", ts.Slug, ts)
			cats, err := a.Rules.Categories(ctx, ts.Slug)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cats.Categories {
				if ts.Categories[c.ID] == 0 {
					t.Errorf("%s: no listing in category %s", ts.Slug, c.ID)
				}
			}
			for _, k := range []string{"offer/resident", "need/resident", "offer/professional", "need/professional"} {
				if ts.Kinds[k] == 0 {
					t.Errorf("%s: no listing %s", ts.Slug, k)
				}
			}
			for _, st := range exchange.States {
				if ts.Exchanges[string(st)] == 0 {
					t.Errorf("%s: no exchange in state %s", ts.Slug, st)
				}
			}
			for _, m := range abi.Modes {
				if ts.Modes[m] == 0 {
					t.Errorf("%s: no exchange in mode %s", ts.Slug, m)
				}
			}
			for _, st := range []string{listing.StatusPublished, listing.StatusPaused, listing.StatusClosed, listing.StatusExpired, "hidden"} {
				if ts.Listings[st] == 0 {
					t.Errorf("%s: no listing %s", ts.Slug, st)
				}
			}
			if !ts.LedgerOK || ts.Transfers < int64(ts.Members) {
				t.Errorf("%s: ledger ok %v with %d transfers for %d members", ts.Slug, ts.LedgerOK, ts.Transfers, ts.Members)
			}
			if ts.Admins != 1 || ts.Mediators < 1 || ts.Professionals < len(cats.Categories) || ts.SAP < 1 {
				t.Errorf("%s: %d admins, %d mediators, %d professionals (%d SAP)", ts.Slug, ts.Admins, ts.Mediators, ts.Professionals, ts.SAP)
			}
			if ts.Messages < len(exchange.States) || ts.Reviews == 0 || ts.Payments == 0 || ts.Recurring == 0 || ts.Months == 0 ||
				ts.Consents == 0 || ts.MediatedActions == 0 {
				t.Errorf("%s: messages %d, reviews %d, payments %d, recurring %d (%d months), consents %d (%d actions)", ts.Slug,
					ts.Messages, ts.Reviews, ts.Payments, ts.Recurring, ts.Months, ts.Consents, ts.MediatedActions)
			}
		}
		r, err := a.Ledger.Check(ctx, "")
		if err != nil || !r.OK() {
			t.Fatalf("ledger check: %+v, %v", r, err)
		}
		d, pending, err := a.Indexer.Check(ctx)
		if err != nil || !d.OK() || pending != 0 || d.Visible == 0 {
			t.Errorf("search check: %+v, %d pending, %v", d, pending, err)
		}
		// The logins open, at the platform's cost, and nothing waits to be sent.
		for _, l := range sum.Logins[:3] {
			if _, err := a.Accounts.Login(ctx, l.Email, sum.Password, "192.0.2.1"); err != nil {
				t.Errorf("login %s: %v", l.Email, err)
			}
		}
		if p, err := a.Accounts.Pending(ctx, 10); err != nil || len(p) != 0 {
			t.Errorf("outbox pending = %d, %v", len(p), err)
		}
		// Professionals carry valid numbers.
		for _, ts := range sum.Territories {
			tt, _ := a.Territories.Lookup(ctx, ts.Slug, false)
			ms, err := a.Accounts.Members(ctx, tt.ID, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.SIRET != nil && !credential.ValidSIRET(*m.SIRET) || m.SAPNumber != nil && !credential.ValidSAPNumber(*m.SAPNumber) {
					t.Errorf("%s: SIRET %v, SAP %v", m.Email, m.SIRET, m.SAPNumber)
				}
				if !strings.HasSuffix(m.Email, "@"+demo.Domain) || !m.Verified() {
					t.Errorf("member %s verified %v", m.Email, m.Verified())
				}
			}
		}
		// The showcase residents' own exchanges go through every state.
		for _, ts := range sum.Territories {
			tt, _ := a.Territories.Lookup(ctx, ts.Slug, false)
			acc, err := a.Accounts.ByEmail(ctx, "habitant."+ts.Slug+"@"+demo.Domain)
			if err != nil {
				t.Fatal(err)
			}
			xs, err := a.Exchanges.Mine(ctx, tt, acc.ID, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			states := map[exchange.State]bool{}
			for _, x := range xs {
				states[x.State] = true
			}
			for _, st := range exchange.States {
				if !states[st] {
					t.Errorf("%s: the showcase resident has no exchange %s", ts.Slug, st)
				}
			}
		}
		// A second run is refused, and changes nothing.
		_, err = demo.Seed(ctx, a, demo.Options{Seed: 7, Members: 90, Now: now})
		if e := apperr.As(err); e.Code != "demo_not_empty" || e.Kind != apperr.KindConflict || !strings.Contains(e.Message, "base neuve") {
			t.Errorf("second seed: %v", err)
		}
	})
}

// TestSpreadByPopulation: every commune has its share of members, within
// one of the exact quota, and a commune with more inhabitants never has
// fewer members than one with fewer.
func TestSpreadByPopulation(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	sum := seed(t, a, 120, 3)
	for _, ts := range sum.Territories {
		d, err := a.Territories.Get(ctx, ts.Slug, false)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := a.Accounts.Members(ctx, d.ID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range ms {
			count[m.Commune]++
		}
		total := 0
		for _, c := range d.Communes {
			total += c.Population
		}
		for _, c := range d.Communes {
			quota := float64(len(ms)) * float64(c.Population) / float64(total)
			if diff := float64(count[c.INSEE]) - quota; diff <= -1 || diff >= 1 {
				t.Errorf("%s: %s (%d inhabitants) has %d members, quota %.2f", ts.Slug, c.Name, c.Population, count[c.INSEE], quota)
			}
			for _, o := range d.Communes {
				if c.Population > o.Population && count[c.INSEE] < count[o.INSEE] {
					t.Errorf("%s: %s (%d) has %d members, fewer than %s (%d) with %d", ts.Slug, c.Name, c.Population, count[c.INSEE],
						o.Name, o.Population, count[o.INSEE])
				}
			}
		}
	}
	if got := sum.Territories[0].Members + sum.Territories[1].Members; got != 120 {
		t.Errorf("members = %d, want 120", got)
	}
}

// TestSameSeedSameData: two databases seeded with the same seed hold the
// same accounts, listings, exchanges, messages and balances; another seed
// gives others.
func TestSameSeedSameData(t *testing.T) {
	fingerprint := func(s uint64) string {
		a := openApp(t, storetest.New(t, "sqlite"))
		seed(t, a, 40, s)
		return dump(t, a)
	}
	one, two, other := fingerprint(11), fingerprint(11), fingerprint(12)
	if one != two {
		t.Errorf("the same seed gave different data:\n%s", firstDiff(one, two))
	}
	if one == other {
		t.Error("another seed gave the same data")
	}
}

// dump writes the demo's content without its random identifiers: people by
// email, listings, exchanges with their parties, states and amounts,
// messages, and balances.
func dump(t *testing.T, a *app.App) string {
	t.Helper()
	ctx := context.Background()
	db := a.Store.DB()
	var lines []string
	var accounts []account.Account
	if err := db.NewSelect().Model(&accounts).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	email := map[string]string{}
	for _, acc := range accounts {
		email[acc.ID] = acc.Email
		lines = append(lines, fmt.Sprintf("account %s %q %s pro=%v %v %v %s", acc.Email, acc.DisplayName, acc.Commune, acc.Professional,
			deref(acc.SIRET), deref(acc.SAPNumber), acc.CreatedAt.Format(time.RFC3339)))
	}
	var ls []listing.Listing
	if err := db.NewSelect().Model(&ls).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	title := map[string]string{}
	for _, l := range ls {
		title[l.ID] = l.Title
		lines = append(lines, fmt.Sprintf("listing %s %q %s %s %s %s %d %s %s", email[l.OwnerID], l.Title, l.Category, l.Kind, l.Modes,
			l.Status, l.PriceCents, l.Commune, l.CreatedAt.Format(time.RFC3339)))
	}
	var xs []exchange.Exchange
	if err := db.NewSelect().Model(&xs).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		lines = append(lines, fmt.Sprintf("exchange %q %s→%s %s %s %d×%d %d %d %s", title[x.ListingID], email[x.SeekerID], email[x.ProviderID],
			x.State, x.Mode, x.Minutes, x.Occurrences, x.TotalCents, x.TimeCreditMinutes, x.CreatedAt.Format(time.RFC3339)))
	}
	var bodies []string
	if err := db.NewSelect().TableExpr("messages").Column("body").Scan(ctx, &bodies); err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		lines = append(lines, "message "+b)
	}
	for _, tr := range []string{"picardie-verte", "portes-de-sologne"} {
		tt, _ := a.Territories.Lookup(ctx, tr, false)
		accs, err := a.Ledger.Accounts(ctx, tt.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, acc := range accs {
			h := acc.Holder()
			if e, ok := email[h]; ok {
				h = e
			}
			lines = append(lines, fmt.Sprintf("balance %s %s %d", tr, h, acc.BalanceMinutes))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return la[i] + "\n" + lb[i]
		}
	}
	return fmt.Sprintf("%d lines against %d", len(la), len(lb))
}

// TestDefaultSize seeds the default demo (DefaultMembers) on each engine
// and reports its time; it runs when CAMPAGNON_DEMO_DEFAULT is set, as it
// takes a while.
func TestDefaultSize(t *testing.T) {
	if os.Getenv("CAMPAGNON_DEMO_DEFAULT") == "" {
		t.Skip("set CAMPAGNON_DEMO_DEFAULT=1 to seed the default demo and time it")
	}
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		sum := seed(t, a, 0, 1)
		t.Logf("%s: %d actions in %s", tg.Driver, sum.Actions, sum.Elapsed.Round(time.Millisecond))
		for _, ts := range sum.Territories {
			t.Logf("%+v", ts)
			if !ts.LedgerOK {
				t.Errorf("%s: ledger differs", ts.Slug)
			}
		}
		if sum.Elapsed > time.Minute {
			t.Errorf("the default demo took %s, more than a minute", sum.Elapsed)
		}
	})
}
