package authz

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// Size of the benchmark: every territory of France, each with a policy of
// its own for each role, and a few users.
const (
	benchTerritories = 1255
	benchUsersPerDom = 4 // resident, professional, mediator, territory_admin
)

var benchActions = []struct{ obj, act string }{
	{"listing", "read"}, {"listing", "create"}, {"listing", "moderate"}, {"listing", "feature"},
	{"exchange", "confirm"}, {"message", "send"}, {"member", "act_for"}, {"policy", "edit"},
	{"review", "create"}, {"plugin", "publish"}, {"observatory", "read"}, {"territory", "create"},
}

type benchFixture struct {
	e    *Enforcer
	reqs []request
	// baseline: the same decisions from plain maps.
	roles  map[[2]string][]string // (user, domain) → roles
	rights map[request]bool       // (role, domain, obj, act) → allowed
	rules  int
	heapMB float64 // heap held by the loaded Enforcer
}

var (
	benchOnce sync.Once
	bench     benchFixture
	benchErr  error
)

func benchDom(i int) string { return fmt.Sprintf("territoire-%04d", i) }

// loadBench stores the benchmark's rules in a fresh SQLite database through
// the same rows as the API, and loads them with New.
func loadBench(b *testing.B) *benchFixture {
	benchOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s := openStore(b, storetest.New(b, "sqlite"))
		if _, benchErr = New(ctx, s, storetest.Logger(b)); benchErr != nil {
			return
		}
		f := benchFixture{roles: map[[2]string][]string{}, rights: map[request]bool{}}
		for _, p := range DefaultPolicies {
			f.rights[request{p.Role, p.Territory, p.Object, p.Action}] = true
		}
		var rows []ruleRow
		add := func(ptype string, rule ...string) {
			r, err := newRuleRow(ptype, rule)
			if err != nil {
				panic(err)
			}
			rows = append(rows, *r)
		}
		userRoles := []string{RoleResident, RoleProfessional, RoleMediator, RoleTerritoryAdmin}
		for t := range benchTerritories {
			dom := benchDom(t)
			for _, role := range Roles {
				add("p", role, dom, "listing", "feature")
				f.rights[request{role, dom, "listing", "feature"}] = true
			}
			for u := range benchUsersPerDom {
				user := fmt.Sprintf("u-%04d-%d", t, u)
				add("g", user, userRoles[u], dom)
				f.roles[[2]string{user, dom}] = []string{userRoles[u]}
			}
		}
		add("g", "u-op", RoleNationalOperator, National)
		f.roles[[2]string{"u-op", National}] = []string{RoleNationalOperator}
		add("g", "u-integ", RoleIntegrator, National)
		f.roles[[2]string{"u-integ", National}] = []string{RoleIntegrator}
		benchErr = s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			for chunk := range slices.Chunk(rows, 1000) {
				if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if benchErr != nil {
			return
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if f.e, benchErr = New(ctx, s, storetest.Logger(b)); benchErr != nil {
			return
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		f.heapMB = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		f.rules = len(rows) + len(DefaultPolicies)
		rng := rand.New(rand.NewPCG(1, 2))
		for range 4096 {
			t := rng.IntN(benchTerritories)
			user := fmt.Sprintf("u-%04d-%d", t, rng.IntN(benchUsersPerDom))
			switch rng.IntN(20) {
			case 0:
				user = "u-op"
			case 1:
				user = "u-integ"
			}
			dom := benchDom(t)
			if rng.IntN(10) < 3 {
				dom = benchDom(rng.IntN(benchTerritories)) // mostly another territory
			}
			a := benchActions[rng.IntN(len(benchActions))]
			f.reqs = append(f.reqs, request{user, dom, a.obj, a.act})
		}
		bench = f
	})
	if benchErr != nil {
		b.Fatalf("benchmark fixture: %v", benchErr)
	}
	return &bench
}

// baseline answers r from plain maps: the user's roles in the domain and
// nationally, then (role, domain or *, obj, act) with the operator's *.
func (f *benchFixture) baseline(r request) bool {
	for _, d := range [2]string{r.dom, National} {
		for _, role := range f.roles[[2]string{r.sub, d}] {
			for _, pd := range [2]string{r.dom, National} {
				if f.rights[request{role, pd, r.obj, r.act}] || f.rights[request{role, pd, "*", "*"}] {
					return true
				}
			}
		}
	}
	return false
}

// BenchmarkAllowed measures Enforcer.Allowed with policies for 1,255
// territories × 6 roles (plus the national defaults) and 4 users per
// territory: warm (role decisions cached, the steady state of a server),
// warm with a new member every 64 decisions,
// cold (every decision evaluated by Casbin) and, in the same run, a baseline
// answering the same requests from plain maps. Each reports its p50 and p99
// per decision; warm and cold also their ratio to the baseline's p50.
func BenchmarkAllowed(b *testing.B) {
	f := loadBench(b)
	for _, r := range f.reqs {
		got, err := f.e.Allowed(r.sub, r.dom, r.obj, r.act)
		if err != nil {
			b.Fatal(err)
		}
		if want := f.baseline(r); got != want {
			b.Fatalf("%v: casbin %v, baseline %v", r, got, want)
		}
	}
	var baseP50 float64
	measure := func(b *testing.B, decide func(request) bool, vsBaseline bool) float64 {
		lat := make([]time.Duration, b.N)
		sink := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := f.reqs[i%len(f.reqs)]
			t0 := time.Now()
			if decide(r) {
				sink++
			}
			lat[i] = time.Since(t0)
		}
		b.StopTimer()
		slices.Sort(lat)
		p50 := float64(lat[len(lat)/2].Nanoseconds())
		b.ReportMetric(p50, "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		if vsBaseline && baseP50 > 0 {
			b.ReportMetric(p50/baseP50, "p50-x-baseline")
		}
		b.ReportMetric(float64(f.rules), "rules")
		b.ReportMetric(f.heapMB, "enforcer-heap-MB")
		_ = sink
		return p50
	}
	allowed := func(r request) bool {
		ok, err := f.e.Allowed(r.sub, r.dom, r.obj, r.act)
		if err != nil {
			panic(err)
		}
		return ok
	}
	b.Run("baseline-map", func(b *testing.B) { baseP50 = measure(b, f.baseline, false) })
	b.Run("warm", func(b *testing.B) { measure(b, allowed, true) })
	// Membership churn: a new member every 64 decisions, the way sign-ups
	// arrive on a live platform (the change itself, applied in memory, is
	// outside the timed region).
	b.Run("warm-with-new-members", func(b *testing.B) {
		n := 0
		measure(b, func(r request) bool {
			if n++; n%64 == 0 {
				f.e.mu.Lock()
				err := f.e.applyInMemory(actionAdd, change{ptype: "g", rule: []string{fmt.Sprintf("new-%d", n), RoleResident, r.dom}})
				f.e.mu.Unlock()
				if err != nil {
					panic(err)
				}
			}
			return allowed(r)
		}, true)
	})
	b.Run("cold", func(b *testing.B) {
		f.e.noCache = true
		defer func() { f.e.noCache = false }()
		measure(b, allowed, true)
	})
}

// BenchmarkAllowedParallel measures warm decisions from every core at once.
func BenchmarkAllowedParallel(b *testing.B) {
	f := loadBench(b)
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(f.reqs))
		for pb.Next() {
			r := f.reqs[i%len(f.reqs)]
			if _, err := f.e.Allowed(r.sub, r.dom, r.obj, r.act); err != nil {
				panic(err)
			}
			i++
		}
	})
}
