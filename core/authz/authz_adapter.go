package authz

import (
	"context"
	"fmt"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store"
)

// adapterTimeout bounds each database call of the Adapter, whose methods
// (fixed by Casbin) take no context.
const adapterTimeout = 10 * time.Second

// maxFields is the number of value columns of authz_rules (v0..v5).
const maxFields = 6

// ruleRow is one row of authz_rules: a policy (ptype "p": role, territory,
// object, action) or a role assignment (ptype "g": user, role, territory).
type ruleRow struct {
	bun.BaseModel `bun:"table:authz_rules"`

	ID    string `bun:"id,pk"`
	PType string `bun:"ptype,notnull"`
	V0    string `bun:"v0,notnull"`
	V1    string `bun:"v1,notnull"`
	V2    string `bun:"v2,notnull"`
	V3    string `bun:"v3,notnull"`
	V4    string `bun:"v4,notnull"`
	V5    string `bun:"v5,notnull"`
}

// values returns the rule's non-empty values, as Casbin holds them.
func (r *ruleRow) values() []string {
	vs := []string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	n := len(vs)
	for n > 0 && vs[n-1] == "" {
		n--
	}
	return vs[:n]
}

// AuditEntry is one change of the authorization rules, as stored in the
// append-only table authz_audit.
type AuditEntry struct {
	bun.BaseModel `bun:"table:authz_audit"`

	// ID is a time-ordered identifier (UUIDv7).
	ID string `bun:"id,pk" json:"id"`
	// At is when the change was committed, in UTC.
	At time.Time `bun:"at,notnull" json:"at"`
	// Actor is who made the change: a user ID, or "system:…" for the
	// platform itself (seeding the defaults, the Casbin adapter).
	Actor string `bun:"actor,notnull" json:"actor"`
	// Action is "add" or "remove".
	Action string `bun:"action,notnull" json:"action"`
	// Domain is the territory the rule concerns, or National.
	Domain string `bun:"domain,notnull" json:"territory"`
	// PType is "p" for a policy (V0 role, V1 territory, V2 object, V3
	// action) or "g" for a role assignment (V0 user, V1 role, V2 territory).
	PType string `bun:"ptype,notnull" json:"ptype"`
	// V0 to V5 are the rule's values; unused ones are empty.
	V0 string `bun:"v0,notnull" json:"v0"`
	V1 string `bun:"v1,notnull" json:"v1"`
	V2 string `bun:"v2,notnull" json:"v2,omitempty"`
	V3 string `bun:"v3,notnull" json:"v3,omitempty"`
	V4 string `bun:"v4,notnull" json:"-"`
	V5 string `bun:"v5,notnull" json:"-"`
}

// Audit actions.
const (
	actionAdd    = "add"
	actionRemove = "remove"
)

// Actors used by the platform itself.
const (
	actorSeed      = "system:seed"
	actorAdapter   = "system:casbin-adapter"
	actorBootstrap = "system:bootstrap"
)

// change is one rule to add or remove.
type change struct {
	ptype string
	rule  []string
}

// domainOf returns the territory a rule concerns: v1 of a policy, v2 of a
// role assignment.
func domainOf(ptype string, rule []string) string {
	i := 1
	if ptype == "g" {
		i = 2
	}
	if i < len(rule) {
		return rule[i]
	}
	return ""
}

func newRuleRow(ptype string, rule []string) (*ruleRow, error) {
	if len(rule) == 0 || len(rule) > maxFields {
		return nil, fmt.Errorf("authz: rule %v has %d values, want 1 to %d: %w", rule, len(rule), maxFields, ErrInvalid)
	}
	var v [maxFields]string
	copy(v[:], rule)
	return &ruleRow{ID: uuid.Must(uuid.NewV7()).String(), PType: ptype,
		V0: v[0], V1: v[1], V2: v[2], V3: v[3], V4: v[4], V5: v[5]}, nil
}

// writeChanges applies adds (ignoring rules already stored) and removes
// (ignoring rules absent) in tx, with one audit row per rule actually
// changed. It returns how many rules changed.
func writeChanges(ctx context.Context, tx bun.Tx, actor, action string, cs []change, now time.Time) (int, error) {
	changed := 0
	for _, c := range cs {
		row, err := newRuleRow(c.ptype, c.rule)
		if err != nil {
			return changed, err
		}
		var res interface{ RowsAffected() (int64, error) }
		switch action {
		case actionAdd:
			res, err = tx.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
		case actionRemove:
			res, err = tx.NewDelete().Model((*ruleRow)(nil)).
				Where("ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
					row.PType, row.V0, row.V1, row.V2, row.V3, row.V4, row.V5).Exec(ctx)
		default:
			return changed, fmt.Errorf("authz: unknown change %q", action)
		}
		if err != nil {
			return changed, fmt.Errorf("authz: %s rule %s %v: %w", action, c.ptype, c.rule, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return changed, fmt.Errorf("authz: %s rule %s %v: %w", action, c.ptype, c.rule, err)
		}
		if n == 0 {
			continue
		}
		changed++
		a := &AuditEntry{ID: uuid.Must(uuid.NewV7()).String(), At: now, Actor: actor, Action: action,
			Domain: domainOf(c.ptype, c.rule), PType: row.PType,
			V0: row.V0, V1: row.V1, V2: row.V2, V3: row.V3, V4: row.V4, V5: row.V5}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return changed, fmt.Errorf("authz: audit %s of rule %s %v: %w", action, c.ptype, c.rule, err)
		}
	}
	return changed, nil
}

// loadRules reads every rule of authz_rules.
func loadRules(ctx context.Context, db bun.IDB) ([]ruleRow, error) {
	var rows []ruleRow
	if err := db.NewSelect().Model(&rows).OrderExpr("ptype, v0, v1, v2, v3").Scan(ctx); err != nil {
		return nil, fmt.Errorf("authz: load rules: %w", err)
	}
	return rows, nil
}

// Adapter stores Casbin policies in the authz_rules table through Bun. It
// implements persist.Adapter and persist.BatchAdapter; every change it makes
// is written in one store.WriteTx together with its authz_audit rows, under
// the actor "system:casbin-adapter". The Enforcer of this package writes
// through its own methods, which name the actor, and uses the Adapter to
// load.
type Adapter struct {
	s   *store.Store
	now func() time.Time
}

var (
	_ persist.Adapter      = (*Adapter)(nil)
	_ persist.BatchAdapter = (*Adapter)(nil)
)

// NewAdapter returns an Adapter over s, whose schema must include the
// 0004_authz migration.
func NewAdapter(s *store.Store) *Adapter {
	return &Adapter{s: s, now: func() time.Time { return time.Now().UTC() }}
}

// LoadPolicy loads every stored rule into m.
func (a *Adapter) LoadPolicy(m model.Model) error {
	ctx, cancel := context.WithTimeout(context.Background(), adapterTimeout)
	defer cancel()
	rows, err := loadRules(ctx, a.s.DB())
	if err != nil {
		return err
	}
	return loadInto(rows, m)
}

// loadInto adds rows to m.
func loadInto(rows []ruleRow, m model.Model) error {
	for i := range rows {
		line := append([]string{rows[i].PType}, rows[i].values()...)
		if err := persist.LoadPolicyArray(line, m); err != nil {
			return fmt.Errorf("authz: load rule %v: %w", line, err)
		}
	}
	return nil
}

// SavePolicy replaces every stored rule by the rules of m, in one
// transaction, auditing each removal and addition.
func (a *Adapter) SavePolicy(m model.Model) error {
	var adds []change
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				adds = append(adds, change{ptype: ptype, rule: rule})
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), adapterTimeout)
	defer cancel()
	return a.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		old, err := loadRules(ctx, tx)
		if err != nil {
			return err
		}
		removes := make([]change, len(old))
		for i := range old {
			removes[i] = change{ptype: old[i].PType, rule: old[i].values()}
		}
		now := a.now()
		if _, err := writeChanges(ctx, tx, actorAdapter, actionRemove, removes, now); err != nil {
			return err
		}
		_, err = writeChanges(ctx, tx, actorAdapter, actionAdd, adds, now)
		return err
	})
}

// write applies one batch of changes in one audited transaction.
func (a *Adapter) write(action, ptype string, rules [][]string) error {
	cs := make([]change, len(rules))
	for i, r := range rules {
		cs[i] = change{ptype: ptype, rule: r}
	}
	ctx, cancel := context.WithTimeout(context.Background(), adapterTimeout)
	defer cancel()
	return a.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := writeChanges(ctx, tx, actorAdapter, action, cs, a.now())
		return err
	})
}

// AddPolicy stores one rule; a rule already stored is left as it is.
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.write(actionAdd, ptype, [][]string{rule})
}

// AddPolicies stores rules in one transaction.
func (a *Adapter) AddPolicies(sec, ptype string, rules [][]string) error {
	return a.write(actionAdd, ptype, rules)
}

// RemovePolicy deletes one stored rule; an absent rule is no error.
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.write(actionRemove, ptype, [][]string{rule})
}

// RemovePolicies deletes rules in one transaction.
func (a *Adapter) RemovePolicies(sec, ptype string, rules [][]string) error {
	return a.write(actionRemove, ptype, rules)
}

// RemoveFilteredPolicy deletes the rules of ptype whose values from
// fieldIndex on equal fieldValues (an empty value matches anything), in one
// transaction.
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > maxFields {
		return fmt.Errorf("authz: filter from field %d with %d values is out of range: %w", fieldIndex, len(fieldValues), ErrInvalid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), adapterTimeout)
	defer cancel()
	return a.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []ruleRow
		q := tx.NewSelect().Model(&rows).Where("ptype = ?", ptype)
		for i, v := range fieldValues {
			if v != "" {
				q = q.Where("? = ?", bun.Ident(fmt.Sprintf("v%d", fieldIndex+i)), v)
			}
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("authz: find rules to remove: %w", err)
		}
		cs := make([]change, len(rows))
		for i := range rows {
			cs[i] = change{ptype: ptype, rule: rows[i].values()}
		}
		_, err := writeChanges(ctx, tx, actorAdapter, actionRemove, cs, a.now())
		return err
	})
}
