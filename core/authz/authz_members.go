package authz

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Assignment is one role held by a user in a territory (National: everywhere).
type Assignment struct {
	// User is the account ID.
	User string `json:"user"`
	// Role is one of Roles.
	Role string `json:"role"`
	// Territory is a territory slug or National.
	Territory string `json:"territory"`
}

// Assignments returns the role assignments made in territory (not the
// national ones), sorted by user then role.
func (e *Enforcer) Assignments(territory string) ([]Assignment, error) {
	if err := checkDomain(territory); err != nil {
		return nil, err
	}
	e.mu.RLock()
	rules, err := e.shardFor(territory).enf.GetFilteredNamedGroupingPolicy("g", 2, territory)
	e.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("authz: list the roles of %s: %w", territory, err)
	}
	out := make([]Assignment, 0, len(rules))
	for _, r := range rules {
		out = append(out, Assignment{User: r[0], Role: r[1], Territory: r[2]})
	}
	slices.SortFunc(out, func(a, b Assignment) int {
		if a.User != b.User {
			return cmp.Compare(a.User, b.User)
		}
		return cmp.Compare(a.Role, b.Role)
	})
	return out, nil
}

// Policies returns the policies in force in territory: the national ones
// and the territory's own, sorted by role, object, action.
func (e *Enforcer) Policies(territory string) ([]Policy, error) {
	if err := checkDomain(territory); err != nil {
		return nil, err
	}
	e.mu.RLock()
	rules, err := e.shardFor(territory).enf.GetNamedPolicy("p")
	e.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("authz: list the policies of %s: %w", territory, err)
	}
	out := make([]Policy, 0, len(rules))
	for _, r := range rules {
		if r[1] == National || r[1] == territory {
			out = append(out, Policy{Role: r[0], Territory: r[1], Object: r[2], Action: r[3]})
		}
	}
	slices.SortFunc(out, func(a, b Policy) int {
		for _, c := range [][2]string{{a.Role, b.Role}, {a.Object, b.Object}, {a.Action, b.Action}, {a.Territory, b.Territory}} {
			if n := cmp.Compare(c[0], c[1]); n != 0 {
				return n
			}
		}
		return 0
	})
	return out, nil
}

// ExportUser returns the roles user holds, read from db: the privacy
// export's section.
func (e *Enforcer) ExportUser(ctx context.Context, db bun.IDB, user string) (any, error) {
	var rows []ruleRow
	if err := db.NewSelect().Model(&rows).Where("ptype = 'g'").Where("v0 = ?", user).OrderExpr("v2, v1").Scan(ctx); err != nil {
		return nil, fmt.Errorf("authz: export the roles of %s: %w", user, err)
	}
	out := make([]Assignment, 0, len(rows))
	for _, r := range rows {
		out = append(out, Assignment{User: r.V0, Role: r.V1, Territory: r.V2})
	}
	return out, nil
}

// actorErasure audits the removal of an erased person's roles.
const actorErasure = "system:erasure"

// EraseUser removes every role of user in tx, audited under
// "system:erasure"; call Reload once tx has committed (AfterErase).
func (e *Enforcer) EraseUser(ctx context.Context, tx bun.Tx, user string, now time.Time) error {
	var rows []ruleRow
	if err := tx.NewSelect().Model(&rows).Where("ptype = 'g'").Where("v0 = ?", user).Scan(ctx); err != nil {
		return fmt.Errorf("authz: read the roles of %s: %w", user, err)
	}
	cs := make([]change, len(rows))
	for i := range rows {
		cs[i] = change{ptype: "g", rule: rows[i].values()}
	}
	if _, err := writeChanges(ctx, tx, actorErasure, actionRemove, cs, now); err != nil {
		return err
	}
	return nil
}
