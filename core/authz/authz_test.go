package authz

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

const (
	pv = "picardie-verte"
	ps = "portes-de-sologne"
)

// Users of the fixture, by the role they hold.
const (
	alice  = "u-alice"  // resident of pv
	bob    = "u-bob"    // professional of pv
	medi   = "u-medi"   // mediator of ps
	adminP = "u-adminp" // territory_admin of pv
	adminS = "u-admins" // territory_admin of ps
	op     = "u-op"     // national_operator (*)
	integ  = "u-integ"  // integrator (*)
	nobody = "u-nobody" // no role
)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openStore opens a migrated, empty database on tg.
func openStore(t testing.TB, tg storetest.Target) *store.Store {
	t.Helper()
	return schematest.Open(t, tg)
}

// fixture returns an Enforcer over a fresh database holding the defaults and
// the fixture's role assignments, granted by the seeded national operator.
func fixture(t *testing.T, tg storetest.Target) (*Enforcer, *store.Store) {
	t.Helper()
	ctx := testCtx(t)
	s := openStore(t, tg)
	e, err := New(ctx, s, storetest.Logger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := e.Bootstrap(ctx, op); err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	for _, g := range []struct{ user, role, dom string }{
		{alice, RoleResident, pv}, {bob, RoleProfessional, pv}, {medi, RoleMediator, ps},
		{adminP, RoleTerritoryAdmin, pv}, {adminS, RoleTerritoryAdmin, ps}, {integ, RoleIntegrator, National},
	} {
		if err := e.AddRole(ctx, op, g.user, g.role, g.dom); err != nil {
			t.Fatalf("AddRole(%s, %s, %s): %v", g.user, g.role, g.dom, err)
		}
	}
	return e, s
}

func TestEmbeddedModelIsTheConfigsFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../configs/casbin/model.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != modelConf {
		t.Fatal("core/authz/model.conf differs from configs/casbin/model.conf: copy the configs file over the embedded one")
	}
}

type decision struct {
	sub, dom, obj, act string
	want               bool
}

// decisions is the role × territory matrix: own territory, other territory,
// national scope.
var decisions = []decision{
	// resident of pv
	{alice, pv, "listing", "create", true},
	{alice, ps, "listing", "create", false},
	{alice, National, "listing", "create", false},
	{alice, pv, "listing", "moderate", false},
	{alice, pv, "policy", "edit", false},
	// professional of pv
	{bob, pv, "exchange", "confirm", true},
	{bob, ps, "exchange", "confirm", false},
	{bob, pv, "member", "grant", false},
	// mediator of ps
	{medi, ps, "member", "act_for", true},
	{medi, pv, "member", "act_for", false},
	{medi, ps, "listing", "create", false},
	// territory admin of pv
	{adminP, pv, "policy", "edit", true},
	{adminP, pv, "listing", "moderate", true},
	{adminP, pv, "audit", "read", true},
	{adminP, ps, "policy", "edit", false},
	{adminP, ps, "listing", "moderate", false},
	{adminP, National, "policy", "edit", false},
	{adminP, pv, "territory", "create", false},
	// national operator: everything, everywhere
	{op, pv, "policy", "edit", true},
	{op, ps, "listing", "moderate", true},
	{op, National, "territory", "create", true},
	// national integrator
	{integ, pv, "plugin", "publish", true},
	{integ, ps, "plugin", "publish", true},
	{integ, National, "plugin", "publish", true},
	{integ, pv, "listing", "create", false},
	// no role, unknown territory
	{nobody, pv, "territory", "read", false},
	{alice, "nowhere", "territory", "read", false},
	{op, "nowhere", "territory", "read", true},
}

func TestDecisions(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e, _ := fixture(t, tg)
		for _, d := range decisions {
			got, err := e.Allowed(d.sub, d.dom, d.obj, d.act)
			if err != nil {
				t.Errorf("Allowed(%s, %s, %s, %s): %v", d.sub, d.dom, d.obj, d.act, err)
				continue
			}
			if got != d.want {
				t.Errorf("Allowed(%s, %s, %s, %s) = %v, want %v", d.sub, d.dom, d.obj, d.act, got, d.want)
			}
			// Twice: the second answer comes from the cache.
			if again, _ := e.Allowed(d.sub, d.dom, d.obj, d.act); again != got {
				t.Errorf("Allowed(%s, %s, %s, %s) changed from %v to %v", d.sub, d.dom, d.obj, d.act, got, again)
			}
		}
		roles, err := e.RolesFor(integ, pv)
		if err != nil || len(roles) != 1 || roles[0] != RoleIntegrator {
			t.Errorf("RolesFor(integ, pv) = %v, %v; want [integrator]", roles, err)
		}
		roles, err = e.RolesFor(adminP, ps)
		if err != nil || len(roles) != 0 {
			t.Errorf("RolesFor(adminP, ps) = %v, %v; want none", roles, err)
		}
	})
}

func TestChangesAreRestricted(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e, _ := fixture(t, tg)
		ctx := testCtx(t)
		type op_ func() error
		tests := []struct {
			name    string
			do      op_
			wantErr error
		}{
			{"admin adds a policy in its territory", func() error { return e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "feature") }, nil},
			{"admin adds a policy in another territory", func() error { return e.AddPolicy(ctx, adminP, RoleResident, ps, "listing", "feature") }, ErrDenied},
			{"admin adds a national policy", func() error { return e.AddPolicy(ctx, adminP, RoleResident, National, "listing", "feature") }, ErrDenied},
			{"admin widens its own powers", func() error { return e.AddPolicy(ctx, adminP, RoleTerritoryAdmin, pv, "policy", "grant") }, ErrDenied},
			{"admin edits operator policies", func() error { return e.AddPolicy(ctx, adminP, RoleNationalOperator, pv, "listing", "feature") }, ErrDenied},
			{"admin removes a policy in another territory", func() error { return e.RemovePolicy(ctx, adminS, RoleResident, pv, "listing", "feature") }, ErrDenied},
			{"resident edits policies", func() error { return e.AddPolicy(ctx, alice, RoleResident, pv, "listing", "feature") }, ErrDenied},
			{"operator adds a policy anywhere", func() error { return e.AddPolicy(ctx, op, RoleMediator, ps, "listing", "create") }, nil},
			{"operator adds a national policy", func() error { return e.AddPolicy(ctx, op, RoleProfessional, National, "review", "reply") }, nil},
			{"admin grants a role in its territory", func() error { return e.AddRole(ctx, adminP, "u-carol", RoleMediator, pv) }, nil},
			{"admin grants a role in another territory", func() error { return e.AddRole(ctx, adminP, "u-carol", RoleMediator, ps) }, ErrDenied},
			{"admin grants a national role", func() error { return e.AddRole(ctx, adminP, "u-carol", RoleIntegrator, National) }, ErrDenied},
			{"admin makes a national operator", func() error { return e.AddRole(ctx, adminP, "u-carol", RoleNationalOperator, pv) }, ErrDenied},
			{"admin revokes a role in another territory", func() error { return e.RemoveRole(ctx, adminP, medi, RoleMediator, ps) }, ErrDenied},
			{"wildcard object", func() error { return e.AddPolicy(ctx, adminP, RoleResident, pv, "*", "read") }, ErrInvalid},
			{"pattern object", func() error { return e.AddPolicy(ctx, adminP, RoleResident, pv, "listing/*", "read") }, ErrInvalid},
			{"wildcard action", func() error { return e.AddPolicy(ctx, op, RoleResident, pv, "listing", "*") }, ErrInvalid},
			{"unknown role", func() error { return e.AddPolicy(ctx, op, "admin", pv, "listing", "read") }, ErrInvalid},
			{"role as user", func() error { return e.AddRole(ctx, op, RoleTerritoryAdmin, RoleResident, pv) }, ErrInvalid},
			{"bad territory", func() error { return e.AddRole(ctx, op, "u-carol", RoleResident, "Picardie Verte") }, ErrInvalid},
		}
		for _, tt := range tests {
			err := tt.do()
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: error %v, want %v", tt.name, err, tt.wantErr)
			}
		}
		for _, d := range []decision{
			{alice, pv, "listing", "feature", true},    // added by adminP
			{medi, ps, "listing", "create", true},      // added by op
			{"u-carol", pv, "member", "act_for", true}, // granted by adminP
			{"u-carol", ps, "member", "act_for", false},
			{adminP, pv, "policy", "grant", false},
			{bob, pv, "review", "reply", true}, // national: in every territory
			{bob, "elsewhere", "review", "reply", false},
		} {
			if got, err := e.Allowed(d.sub, d.dom, d.obj, d.act); err != nil || got != d.want {
				t.Errorf("after changes, Allowed(%s, %s, %s, %s) = %v, %v; want %v", d.sub, d.dom, d.obj, d.act, got, err, d.want)
			}
		}
		if err := e.RemovePolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil {
			t.Fatalf("RemovePolicy: %v", err)
		}
		if got, _ := e.Allowed(alice, pv, "listing", "feature"); got {
			t.Error("a removed policy still allows")
		}
	})
}

func TestValidation(t *testing.T) {
	t.Parallel()
	e, _ := fixture(t, storetest.New(t, "sqlite"))
	long := string(make([]byte, 200))
	for _, r := range []request{
		{"", pv, "listing", "read"},
		{RoleNationalOperator, pv, "listing", "read"}, // a role holds itself in Casbin
		{"*", pv, "listing", "read"},
		{"u x", pv, "listing", "read"},
		{long, pv, "listing", "read"},
		{alice, "", "listing", "read"},
		{alice, "pv*", "listing", "read"},
		{alice, "-pv", "listing", "read"},
		{alice, pv, "*", "read"},
		{alice, pv, "listing/1", "read"},
		{alice, pv, "listing", "*"},
		{alice, pv, "Listing", "read"},
		{alice, pv, "listing", ""},
	} {
		if _, err := e.Allowed(r.sub, r.dom, r.obj, r.act); !errors.Is(err, ErrInvalid) {
			t.Errorf("Allowed(%q, %q, %q, %q): error %v, want ErrInvalid", r.sub, r.dom, r.obj, r.act, err)
		}
	}
	if _, err := e.Audit(testCtx(t), pv, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Audit limit 0: %v", err)
	}
}

func TestEveryChangeIsAudited(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e, s := fixture(t, tg)
		ctx := testCtx(t)
		national, err := e.Audit(ctx, National, 1000)
		if err != nil {
			t.Fatal(err)
		}
		// Seeded defaults, the bootstrapped operator and the integrator.
		if want := len(DefaultPolicies) + 2; len(national) != want {
			t.Errorf("national audit has %d entries, want %d", len(national), want)
		}
		if err := e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil {
			t.Fatal(err)
		}
		if err := e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil { // no-op
			t.Fatal(err)
		}
		if err := e.RemovePolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil {
			t.Fatal(err)
		}
		if err := e.RemoveRole(ctx, adminP, bob, RoleProfessional, pv); err != nil {
			t.Fatal(err)
		}
		got, err := e.Audit(ctx, pv, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ actor, action, ptype, v0, v1 string }{
			{adminP, "remove", "g", bob, RoleProfessional},
			{adminP, "remove", "p", RoleResident, pv},
			{adminP, "add", "p", RoleResident, pv},
			{op, "add", "g", adminP, RoleTerritoryAdmin},
			{op, "add", "g", bob, RoleProfessional},
			{op, "add", "g", alice, RoleResident},
		}
		if len(got) != len(want) {
			t.Fatalf("pv audit has %d entries, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if g.Actor != w.actor || g.Action != w.action || g.PType != w.ptype || g.V0 != w.v0 || g.V1 != w.v1 || g.Domain != pv || g.At.IsZero() {
				t.Errorf("audit[%d] = %+v, want %+v", i, g, w)
			}
		}

		// (audit so far: national, pv 6, ps 2.) A write that fails leaves neither the rule nor its audit row, and
		// memory unchanged: make the audit insert fail.
		if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "ALTER TABLE authz_audit RENAME TO authz_audit_gone")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "pin"); err == nil {
			t.Fatal("AddPolicy succeeded without its audit table")
		}
		n, err := s.DB().NewSelect().Model((*ruleRow)(nil)).Where("ptype = 'p' AND v2 = 'listing' AND v3 = 'pin'").Count(ctx)
		if err != nil || n != 0 {
			t.Errorf("failed AddPolicy left %d rules (%v)", n, err)
		}
		if ok, _ := e.Allowed(alice, pv, "listing", "pin"); ok {
			t.Error("failed AddPolicy changed the decisions")
		}
		n, err = s.DB().NewSelect().Table("authz_audit_gone").Count(ctx)
		if err != nil || int(n) != len(national)+6+2 {
			t.Errorf("audit has %d rows after the failed write, want %d (%v)", n, len(national)+6+2, err)
		}
	})
}

func TestReloadGivesTheSameDecisions(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e, s := fixture(t, tg)
		ctx := testCtx(t)
		if err := e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil {
			t.Fatal(err)
		}
		if err := e.AddRole(ctx, adminS, "u-dan", RoleProfessional, ps); err != nil {
			t.Fatal(err)
		}
		if err := e.AddPolicy(ctx, op, RoleMediator, National, "review", "reply"); err != nil {
			t.Fatal(err)
		}
		if err := e.RemovePolicy(ctx, op, RoleResident, National, "review", "create"); err != nil {
			t.Fatal(err)
		}
		if err := e.AddRole(ctx, op, "u-eve", RoleResident, "new-territory"); err != nil {
			t.Fatal(err)
		}
		fresh, err := New(ctx, s, storetest.Logger(t)) // does not seed again
		if err != nil {
			t.Fatal(err)
		}
		users := []string{alice, bob, medi, adminP, adminS, op, integ, nobody, "u-dan", "u-eve"}
		doms := []string{pv, ps, National, "other", "new-territory"}
		acts := []string{"read", "create", "edit", "moderate", "feature", "grant", "act_for", "publish", "confirm", "reply"}
		checked := 0
		for _, u := range users {
			for _, d := range doms {
				for _, o := range Objects {
					for _, a := range acts {
						want, err1 := e.Allowed(u, d, o, a)
						got, err2 := fresh.Allowed(u, d, o, a)
						if err1 != nil || err2 != nil || got != want {
							t.Fatalf("(%s, %s, %s, %s): reloaded %v (%v), live %v (%v)", u, d, o, a, got, err2, want, err1)
						}
						checked++
					}
				}
			}
		}
		t.Logf("%d decisions agree", checked)
	})
}

func TestConcurrentDecisionsAndChanges(t *testing.T) {
	t.Parallel()
	e, _ := fixture(t, storetest.New(t, "sqlite"))
	ctx := testCtx(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				d := decisions[(i+w)%len(decisions)]
				if d.sub == alice && d.dom == pv && d.obj == "listing" {
					continue // changed below
				}
				if got, err := e.Allowed(d.sub, d.dom, d.obj, d.act); err != nil || got != d.want {
					t.Errorf("Allowed(%s, %s, %s, %s) = %v, %v; want %v", d.sub, d.dom, d.obj, d.act, got, err, d.want)
					return
				}
			}
		}()
	}
	for range 20 {
		if err := e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil {
			t.Error(err)
		}
		if ok, _ := e.Allowed(alice, pv, "listing", "feature"); !ok {
			t.Error("added policy not in force")
		}
		if err := e.RemovePolicy(ctx, adminP, RoleResident, pv, "listing", "feature"); err != nil {
			t.Error(err)
		}
		if ok, _ := e.Allowed(alice, pv, "listing", "feature"); ok {
			t.Error("removed policy still in force")
		}
	}
	close(stop)
	wg.Wait()
}

// TestAdapter drives the Bun adapter through Casbin itself, with auto-save.
func TestAdapter(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		s := openStore(t, tg)
		a := NewAdapter(s)
		m, err := model.NewModelFromString(modelConf)
		if err != nil {
			t.Fatal(err)
		}
		enf, err := casbin.NewEnforcer(m, a)
		if err != nil {
			t.Fatal(err)
		}
		mustDo := func(_ bool, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		mustDo(enf.AddPolicy(RoleResident, pv, "listing", "read"))
		mustDo(enf.AddPolicies([][]string{{RoleResident, ps, "listing", "read"}, {RoleMediator, ps, "member", "act_for"}}))
		mustDo(enf.AddGroupingPolicy(alice, RoleResident, pv))
		mustDo(enf.RemoveFilteredPolicy(1, ps))
		mustDo(enf.AddPolicy(RoleMediator, pv, "member", "act_for"))
		mustDo(enf.RemovePolicy(RoleMediator, pv, "member", "act_for"))

		enf2, err := casbin.NewEnforcer(m.Copy(), a)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := enf2.GetPolicy()
		if len(got) != 1 || got[0][1] != pv {
			t.Errorf("reloaded policies %v, want the pv one only", got)
		}
		if ok, _ := enf2.Enforce(alice, pv, "listing", "read"); !ok {
			t.Error("reloaded enforcer denies alice")
		}
		if err := enf2.SavePolicy(); err != nil {
			t.Fatal(err)
		}
		var audit []AuditEntry
		if err := s.DB().NewSelect().Model(&audit).Scan(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		// 5 adds, 3 removes, then SavePolicy: 2 removes, 2 adds.
		if len(audit) != 12 {
			t.Errorf("adapter wrote %d audit rows, want 12", len(audit))
		}
		for _, r := range audit {
			if r.Actor != actorAdapter {
				t.Errorf("audit actor %q, want %q", r.Actor, actorAdapter)
			}
		}
	})
}

// TestMigrationRevertsAndReapplies checks 0004_authz down (after the
// migrations that follow it) and up again on each engine, with rules stored.
func TestMigrationRevertsAndReapplies(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		_, s := fixture(t, tg)
		ctx := testCtx(t)
		ms, err := store.LoadMigrations(schema.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		m := store.NewMigrator(s, ms)
		for {
			down, err := m.Down(ctx)
			if err != nil {
				if down != nil && down.Version > 4 {
					t.Skipf("cannot revert later migration %s first: %v", down.ID(), err)
				}
				t.Fatalf("down: %v", err)
			}
			if down == nil || down.Version < 4 {
				t.Fatalf("reverted %v, never 0004_authz", down)
			}
			if down.Version == 4 {
				break
			}
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if _, err := New(ctx, s, storetest.Logger(t)); err != nil {
			t.Fatalf("New after down and up: %v", err)
		}
	})
}

func TestGrantMembership(t *testing.T) {
	e, _ := fixture(t, storetest.New(t, "sqlite"))
	ctx := testCtx(t)
	if err := e.GrantMembership(ctx, "acct-1", RoleResident, "picardie-verte", "signup"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.Allowed("acct-1", "picardie-verte", "rules", "quote"); !ok {
		t.Error("a new resident may not quote in their territory")
	}
	if ok, _ := e.Allowed("acct-1", "portes-de-sologne", "rules", "quote"); ok {
		t.Error("a new resident may quote in another territory")
	}
	for _, bad := range []struct{ role, territory string }{
		{RoleTerritoryAdmin, "picardie-verte"}, {RoleNationalOperator, National}, {RoleResident, National},
	} {
		if err := e.GrantMembership(ctx, "acct-2", bad.role, bad.territory, "signup"); err == nil {
			t.Errorf("GrantMembership(%s, %s) accepted", bad.role, bad.territory)
		}
	}
	entries, err := e.Audit(ctx, "picardie-verte", 10)
	if err != nil || len(entries) == 0 || entries[0].Actor != "system:signup" {
		t.Errorf("audit = %+v, %v", entries, err)
	}
}

// TestReloadIfChanged: a replica sees another's change on its next check,
// and does not reload when nothing changed.
func TestReloadIfChanged(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		s := openStore(t, tg)
		ctx := testCtx(t)
		first, err := New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		replica, err := New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if changed, err := replica.ReloadIfChanged(ctx); err != nil || changed {
			t.Fatalf("ReloadIfChanged with no change = %v, %v", changed, err)
		}
		if err := first.GrantMembership(ctx, "acct-9", RoleResident, "picardie-verte", "signup"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := replica.Allowed("acct-9", "picardie-verte", "rules", "quote"); ok {
			t.Fatal("the replica knew before checking")
		}
		if changed, err := replica.ReloadIfChanged(ctx); err != nil || !changed {
			t.Fatalf("ReloadIfChanged after a change = %v, %v", changed, err)
		}
		if ok, _ := replica.Allowed("acct-9", "picardie-verte", "rules", "quote"); !ok {
			t.Error("the replica did not pick the change up")
		}
	})
}

// TestCachedDecisionsFollowChanges: a decision cached for a user, or for a
// role, is forgotten when a role assignment or a policy changes it —
// national changes included.
func TestCachedDecisionsFollowChanges(t *testing.T) {
	e, _ := fixture(t, storetest.New(t, "sqlite"))
	ctx := testCtx(t)
	steps := []struct {
		name   string
		change func() error
		user   string
		dom    string
		obj    string
		act    string
		want   bool
	}{
		{"no role yet", nil, "acct-c", pv, "listing", "create", false},
		{"granted resident", func() error { return e.GrantMembership(ctx, "acct-c", RoleResident, pv, "verify") }, "acct-c", pv, "listing", "create", true},
		{"resident may not feature", nil, "acct-c", pv, "listing", "feature", false},
		{"territory policy added", func() error { return e.AddPolicy(ctx, adminP, RoleResident, pv, "listing", "feature") }, "acct-c", pv, "listing", "feature", true},
		{"other territory unchanged", nil, alice, ps, "listing", "feature", false},
		{"territory policy removed", func() error { return e.RemovePolicy(ctx, adminP, RoleResident, pv, "listing", "feature") }, "acct-c", pv, "listing", "feature", false},
		{"national policy added", func() error { return e.AddPolicy(ctx, op, RoleResident, National, "listing", "feature") }, "acct-c", pv, "listing", "feature", true},
		{"national policy reaches every resident", nil, alice, pv, "listing", "feature", true},
		{"role removed", func() error { return e.RemoveRole(ctx, adminP, "acct-c", RoleResident, pv) }, "acct-c", pv, "listing", "create", false},
		{"national role added", func() error { return e.AddRole(ctx, op, "acct-c", RoleIntegrator, National) }, "acct-c", ps, "plugin", "publish", true},
	}
	for _, st := range steps {
		if st.change != nil {
			if err := st.change(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		// Twice: the second answer comes from the caches.
		for range 2 {
			got, err := e.Allowed(st.user, st.dom, st.obj, st.act)
			if err != nil || got != st.want {
				t.Fatalf("%s: Allowed(%s, %s, %s, %s) = %v, %v; want %v", st.name, st.user, st.dom, st.obj, st.act, got, err, st.want)
			}
		}
	}
}

// TestSeedAddsNewDefaultsButNotRemovedOnes: a default policy missing from
// an existing database is added at the next start, unless an operator
// removed it (the audit log remembers).
func TestSeedAddsNewDefaultsButNotRemovedOnes(t *testing.T) {
	e, s := fixture(t, storetest.New(t, "sqlite"))
	ctx := testCtx(t)
	// An operator removes one default; another disappears without an audit
	// row, the way a right added to the code after the first start is missing.
	if err := e.RemovePolicy(ctx, op, RoleResident, National, "review", "create"); err != nil {
		t.Fatal(err)
	}
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*ruleRow)(nil)).Where("ptype = 'p' AND v0 = ? AND v2 = 'message' AND v3 = 'send'", RoleResident).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	again, err := New(ctx, s, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := again.Allowed(alice, pv, "message", "send"); !ok {
		t.Error("a missing default right was not added back")
	}
	if ok, _ := again.Allowed(alice, pv, "review", "create"); ok {
		t.Error("a default right the operator removed came back")
	}
}

// TestReloadLosesNoConcurrentChange: a reload (every replica runs one on a
// timer) that read the rules just before a change must not put back, in
// memory, the rules without it: the change stays in force.
func TestReloadLosesNoConcurrentChange(t *testing.T) {
	t.Parallel()
	e, _ := fixture(t, storetest.New(t, "sqlite"))
	ctx := testCtx(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := e.Reload(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	users := make([]string, 40)
	for i := range users {
		users[i] = fmt.Sprintf("01a21c00-0000-7000-8000-%012d", i)
		if err := e.AddRole(ctx, op, users[i], RoleResident, ps); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-done
	for _, u := range users {
		if ok, err := e.Allowed(u, ps, "listing", "create"); err != nil || !ok {
			t.Errorf("the role given to %s was lost by a concurrent reload (allowed %v, %v)", u, ok, err)
		}
	}
}

// TestRoleGivenAfterAReloadIsInForce: the operator named by another
// process (`campagnon operator add`) is seen after ReloadIfChanged, and a
// role they give afterwards is in force at once, even for a person whose
// earlier decision was cached.
func TestRoleGivenAfterAReloadIsInForce(t *testing.T) {
	t.Parallel()
	tg := storetest.New(t, "sqlite")
	ctx := testCtx(t)
	s := openStore(t, tg)
	e, err := New(ctx, s, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	const mireille, newOp = "01a21c00-0000-7000-8000-0000000000aa", "01a21c00-0000-7000-8000-0000000000bb"
	if err := e.GrantMembership(ctx, mireille, RoleResident, ps, "verify"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.Allowed(mireille, ps, "member", "act_for"); ok {
		t.Fatal("a resident may act for others")
	}
	other, err := New(ctx, s, storetest.Logger(t)) // the command's process
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Bootstrap(ctx, newOp); err != nil {
		t.Fatal(err)
	}
	if changed, err := e.ReloadIfChanged(ctx); err != nil || !changed {
		t.Fatalf("reload: %v, %v", changed, err)
	}
	const agnes = "01a21c00-0000-7000-8000-0000000000cc"
	if err := e.GrantMembership(ctx, agnes, RoleResident, ps, "verify"); err != nil {
		t.Fatal(err)
	}
	if err := e.AddRole(ctx, newOp, mireille, RoleMediator, ps); err != nil {
		t.Fatal(err)
	}
	if err := e.AddRole(ctx, newOp, agnes, RoleTerritoryAdmin, ps); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Allowed(mireille, ps, "member", "act_for"); err != nil || !ok {
		t.Errorf("the mediator named after a reload may not act for others: %v, %v", ok, err)
	}
}
