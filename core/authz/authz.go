// Package authz decides who may do what in which territory: Casbin RBAC with
// domains, where the domain is a territory slug and National ("*") stands
// for every territory. The model is embedded (a copy of
// configs/casbin/model.conf); the policies and role assignments live in the
// database (table authz_rules, read and written through a small Bun adapter
// of this package), and every change made through the package is recorded
// in the append-only table authz_audit in the same transaction.
//
// Casbin says whether a role may act; the store layer still says on which
// rows: every query is scoped to the territory.
package authz

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store"
)

// modelConf is the Casbin model, a copy of configs/casbin/model.conf.
//
//go:embed model.conf
var modelConf string

// ModelText returns the embedded Casbin model.
func ModelText() string { return modelConf }

// Errors wrapped by the package's errors, for callers to map to an answer.
var (
	// ErrInvalid is wrapped when an argument is empty, too long, or holds
	// characters the model would read as a pattern.
	ErrInvalid = errors.New("invalid authorization argument")
	// ErrDenied is wrapped when the actor of a change may not make it.
	ErrDenied = errors.New("authorization change denied")
)

// maxCacheEntries bounds the decisions cached over all territories; past
// it every cache starts over.
const maxCacheEntries = 1 << 18

// request is one decision's key in the cache.
type request struct{ sub, dom, obj, act string }

// decisionCache memoises what roles may do — (role, territory, object,
// action) → allowed — under one generation of a shard's policies.
type decisionCache struct {
	m sync.Map // request → bool
}

// shard decides for one territory: a Casbin enforcer holding the rules of
// that territory and the national rules, which are all the model's matcher
// can use for a request in that territory. Sharding keeps an uncached
// decision independent of the number of territories.
type shard struct {
	enf *casbin.Enforcer
	// cache holds what roles may do; a policy change empties it.
	cache atomic.Pointer[decisionCache]
	// users holds what users may do; any change empties it.
	users atomic.Pointer[decisionCache]
}

func newShard(enf *casbin.Enforcer) *shard {
	sh := &shard{enf: enf}
	sh.reset(true)
	return sh
}

// reset empties the users' decisions, and the roles' when policies changed.
func (sh *shard) reset(policies bool) {
	sh.users.Store(&decisionCache{})
	if policies {
		sh.cache.Store(&decisionCache{})
	}
}

// Enforcer answers authorization questions and changes the rules. It is safe
// for concurrent use: decisions share a read lock and two caches per
// territory — what users may do, emptied by any change of the territory's
// (or the national) rules, and what roles may do, emptied by policy changes
// only; changes are serialised and written to the database before memory.
//
// Each process holds the rules in memory: a change made by another replica
// is seen after Reload.
type Enforcer struct {
	s   *store.Store
	log *slog.Logger
	now func() time.Time

	// wmu serialises changes (database, then memory).
	wmu sync.Mutex
	// mu guards the fields below: decisions take it for reading, changes
	// for writing.
	mu sync.RWMutex
	// national holds the national rules only; it decides for National and
	// for territories without rules of their own.
	national *shard
	// shards holds one shard per territory that has rules of its own.
	shards map[string]*shard
	// mark is the audit log's summary at the last load (ReloadIfChanged).
	mark string
	// nationalRules are the national rules, to build a new shard from.
	nationalRules []change
	// cached counts the decisions cached since the caches last started over.
	cached atomic.Int64
	// noCache disables the decision cache (benchmarks of cold decisions).
	noCache bool
}

// New loads the rules from s (whose schema must include the 0004_authz
// migration) and returns an Enforcer. It first stores the DefaultPolicies
// the database lacks and no operator removed (seed), audited under the
// actor "system:seed". A nil log selects slog.Default().
func New(ctx context.Context, s *store.Store, log *slog.Logger) (*Enforcer, error) {
	if log == nil {
		log = slog.Default()
	}
	e := &Enforcer{s: s, log: log, now: func() time.Time { return time.Now().UTC() }}
	if err := e.seed(ctx); err != nil {
		return nil, err
	}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// seed stores the default policies that are missing: all of them in a new
// database, and, in an existing one, those added to DefaultPolicies since
// (a new right of a new feature) — except the ones an operator removed,
// which the audit log remembers: a removal is never undone by a restart.
func (e *Enforcer) seed(ctx context.Context) error {
	seeded := 0
	err := e.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var present, removed []ruleRow
		if err := tx.NewSelect().Model(&present).Where("ptype = 'p'").Where("v1 = ?", National).Scan(ctx); err != nil {
			return fmt.Errorf("authz: read the national policies: %w", err)
		}
		if err := tx.NewSelect().TableExpr("authz_audit").ColumnExpr("ptype, v0, v1, v2, v3, v4, v5").
			Where("ptype = 'p'").Where("action = ?", actionRemove).Where("domain = ?", National).Scan(ctx, &removed); err != nil {
			return fmt.Errorf("authz: read the audit of national policies: %w", err)
		}
		known := map[[4]string]bool{}
		for _, r := range append(present, removed...) {
			known[[4]string{r.V0, r.V1, r.V2, r.V3}] = true
		}
		var cs []change
		for _, p := range DefaultPolicies {
			if !known[[4]string{p.Role, p.Territory, p.Object, p.Action}] {
				cs = append(cs, change{ptype: "p", rule: []string{p.Role, p.Territory, p.Object, p.Action}})
			}
		}
		var err error
		seeded, err = writeChanges(ctx, tx, actorSeed, actionAdd, cs, e.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("authz: store the default policies: %w", err)
	}
	if seeded > 0 {
		e.log.InfoContext(ctx, "authz: default policies stored", "policies", seeded)
	}
	return nil
}

// baseModel is the parsed embedded model, copied for each enforcer.
var baseModel = sync.OnceValues(func() (model.Model, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("authz: parse the embedded model: %w", err)
	}
	return m, nil
})

// newCasbin builds a Casbin enforcer over the embedded model holding the
// given rules.
func newCasbin(sets ...[]change) (*casbin.Enforcer, error) {
	m, err := baseModel()
	if err != nil {
		return nil, err
	}
	enf, err := casbin.NewEnforcer(m.Copy())
	if err != nil {
		return nil, fmt.Errorf("authz: create the enforcer: %w", err)
	}
	enf.EnableAutoSave(false)
	for _, cs := range sets {
		for _, c := range cs {
			line := append([]string{c.ptype}, c.rule...)
			if err := persist.LoadPolicyArray(line, enf.GetModel()); err != nil {
				return nil, fmt.Errorf("authz: load rule %v: %w", line, err)
			}
		}
	}
	if err := enf.BuildRoleLinks(); err != nil {
		return nil, fmt.Errorf("authz: build role links: %w", err)
	}
	return enf, nil
}

// Reload reads every rule from the database again and replaces the rules in
// memory at once; decisions in flight finish on the old rules. Call it to
// see changes made by other replicas.
func (e *Enforcer) Reload(ctx context.Context) error {
	// No change may land between reading the rules and putting them in
	// force: it would be applied to the old rules, then lost.
	e.wmu.Lock()
	defer e.wmu.Unlock()
	mark, err := e.changeMark(ctx)
	if err != nil {
		return err
	}
	rows, err := loadRules(ctx, e.s.DB())
	if err != nil {
		return err
	}
	var national []change
	byDomain := map[string][]change{}
	for i := range rows {
		c := change{ptype: rows[i].PType, rule: rows[i].values()}
		if d := domainOf(c.ptype, c.rule); d == National {
			national = append(national, c)
		} else {
			byDomain[d] = append(byDomain[d], c)
		}
	}
	nat, err := newCasbin(national)
	if err != nil {
		return err
	}
	shards := make(map[string]*shard, len(byDomain))
	for d, cs := range byDomain {
		enf, err := newCasbin(national, cs)
		if err != nil {
			return fmt.Errorf("authz: rules of %s: %w", d, err)
		}
		shards[d] = newShard(enf)
	}
	e.mu.Lock()
	e.national, e.shards, e.nationalRules = newShard(nat), shards, national
	e.cached.Store(0)
	e.mark = mark
	e.mu.Unlock()
	e.log.DebugContext(ctx, "authz: rules loaded", "rules", len(rows), "territories", len(shards))
	return nil
}

// ReloadIfChanged reloads the rules when the audit log shows a change since
// the last load (every change is audited), and reports whether it did: a
// replica calls it on a timer without throwing away its cached decisions
// when nothing changed.
func (e *Enforcer) ReloadIfChanged(ctx context.Context) (bool, error) {
	mark, err := e.changeMark(ctx)
	if err != nil {
		return false, err
	}
	e.mu.RLock()
	same := mark == e.mark
	e.mu.RUnlock()
	if same {
		return false, nil
	}
	return true, e.Reload(ctx)
}

// changeMark summarises the audit log: its size and newest (time-ordered) ID.
func (e *Enforcer) changeMark(ctx context.Context) (string, error) {
	var mark struct {
		N    int    `bun:"n"`
		Last string `bun:"last"`
	}
	err := e.s.DB().NewSelect().TableExpr("authz_audit").
		ColumnExpr("COUNT(*) AS n").ColumnExpr("COALESCE(MAX(id), '') AS last").Scan(ctx, &mark)
	if err != nil {
		return "", fmt.Errorf("authz: read the audit log: %w", err)
	}
	return fmt.Sprintf("%d/%s", mark.N, mark.Last), nil
}

// Allowed reports whether user sub may do act on obj in territory (a slug,
// or National for a national action). It reads memory only and is safe for
// concurrent use. Arguments are checked: a role name, an empty or overlong
// value or a pattern character is refused with an error wrapping ErrInvalid.
func (e *Enforcer) Allowed(sub, territory, obj, act string) (bool, error) {
	if err := checkSubject("subject", sub); err != nil {
		return false, err
	}
	if err := checkDomain(territory); err != nil {
		return false, err
	}
	if err := checkName("object", obj); err != nil {
		return false, err
	}
	if err := checkName("action", act); err != nil {
		return false, err
	}
	return e.decide(request{sub, territory, obj, act})
}

// shardFor returns the shard deciding in territory; e.mu must be held.
func (e *Enforcer) shardFor(territory string) *shard {
	if sh, ok := e.shards[territory]; ok {
		return sh
	}
	return e.national
}

// decide answers a checked request: from the cache of users' decisions
// when it can, else in two steps — the user's roles in the territory and
// nationally (Casbin's role manager), then whether one of those roles may
// act (Casbin's matcher over the policies), cached per (role, territory,
// object, action). Role assignments change all the time (every verified
// account is a new member): they empty the users' decisions of their
// territory but not the roles', so a decision right after a sign-up costs a
// role lookup, not a pass over the policies.
func (e *Enforcer) decide(r request) (bool, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	sh := e.shardFor(r.dom)
	users := sh.users.Load()
	if !e.noCache {
		if v, ok := users.m.Load(r); ok {
			return v.(bool), nil
		}
	}
	roles := sh.enf.GetRolesForUserInDomain(r.sub, r.dom)
	if r.dom != National {
		roles = append(roles, sh.enf.GetRolesForUserInDomain(r.sub, National)...)
	}
	allowed := false
	c := sh.cache.Load()
	for _, role := range roles {
		rr := request{role, r.dom, r.obj, r.act}
		ok, hit := false, false
		if !e.noCache {
			var v any
			if v, hit = c.m.Load(rr); hit {
				ok = v.(bool)
			}
		}
		if !hit {
			// The role itself as the subject: Casbin links a name to
			// itself, and to the roles it inherits.
			var err error
			if ok, err = sh.enf.Enforce(rr.sub, rr.dom, rr.obj, rr.act); err != nil {
				return false, fmt.Errorf("authz: decide (%s as %s, %s, %s, %s): %w", r.sub, role, r.dom, r.obj, r.act, err)
			}
			e.remember(c, rr, ok)
		}
		if ok {
			allowed = true
			break
		}
	}
	e.remember(users, r, allowed)
	return allowed, nil
}

// remember caches a decision; e.mu must be held for reading, so that a
// change, which empties caches under the write lock, cannot interleave.
// Past maxCacheEntries every cache starts over.
func (e *Enforcer) remember(c *decisionCache, r request, ok bool) {
	if e.noCache {
		return
	}
	c.m.Store(r, ok)
	if e.cached.Add(1) > maxCacheEntries {
		e.cached.Store(0)
		e.national.reset(true)
		for _, s := range e.shards {
			s.reset(true)
		}
	}
}

// RolesFor returns the roles user holds in territory, national roles
// included, sorted.
func (e *Enforcer) RolesFor(user, territory string) ([]string, error) {
	if err := checkSubject("user", user); err != nil {
		return nil, err
	}
	if err := checkDomain(territory); err != nil {
		return nil, err
	}
	e.mu.RLock()
	enf := e.shardFor(territory).enf
	roles := enf.GetRolesForUserInDomain(user, territory)
	if territory != National {
		roles = append(roles, enf.GetRolesForUserInDomain(user, National)...)
	}
	e.mu.RUnlock()
	slices.Sort(roles)
	return slices.Compact(roles), nil
}
