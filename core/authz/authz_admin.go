package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
)

// Rights an actor needs to change the rules, checked through the same
// enforcer in the territory concerned.
const (
	objPolicy = "policy"
	actEdit   = "edit"
	objMember = "member"
	actGrant  = "grant"
	objAudit  = "audit"
)

// maxAuditLimit bounds one page of Audit.
const maxAuditLimit = 1000

// AddRole gives user the role in territory (National: in every territory),
// on behalf of actor, who must be allowed (member, grant) in that territory:
// a territory admin grants roles in its own territory, a national operator
// anywhere. Only a national actor grants national_operator, or any role in
// National. The change and its audit row are one transaction; granting a
// role already held changes nothing and is no error.
func (e *Enforcer) AddRole(ctx context.Context, actor, user, role, territory string) error {
	if err := e.checkRoleChange(actor, user, role, territory); err != nil {
		return err
	}
	return e.apply(ctx, actor, actionAdd, change{ptype: "g", rule: []string{user, role, territory}})
}

// RemoveRole takes the role in territory away from user, under the same
// conditions as AddRole. Removing a role not held is no error.
func (e *Enforcer) RemoveRole(ctx context.Context, actor, user, role, territory string) error {
	if err := e.checkRoleChange(actor, user, role, territory); err != nil {
		return err
	}
	return e.apply(ctx, actor, actionRemove, change{ptype: "g", rule: []string{user, role, territory}})
}

// AddPolicy lets role do act on obj in territory (National: everywhere), on
// behalf of actor, who must be allowed (policy, edit) in that territory: a
// territory admin edits its own territory's policies, a national operator
// any. Only a national actor edits national policies, policies of the
// national_operator role, and policies on the objects policy, member and
// audit (so that no territory admin widens its own powers). The change and
// its audit row are one transaction; adding a policy already stored changes
// nothing and is no error.
func (e *Enforcer) AddPolicy(ctx context.Context, actor, role, territory, obj, act string) error {
	if err := e.checkPolicyChange(actor, role, territory, obj, act); err != nil {
		return err
	}
	return e.apply(ctx, actor, actionAdd, change{ptype: "p", rule: []string{role, territory, obj, act}})
}

// RemovePolicy removes a policy under the same conditions as AddPolicy.
// Removing a policy not stored is no error.
func (e *Enforcer) RemovePolicy(ctx context.Context, actor, role, territory, obj, act string) error {
	if err := e.checkPolicyChange(actor, role, territory, obj, act); err != nil {
		return err
	}
	return e.apply(ctx, actor, actionRemove, change{ptype: "p", rule: []string{role, territory, obj, act}})
}

// Bootstrap makes user a national operator without an actor: the way in for
// the first operator, from a command run on the server (no HTTP route may
// call it). The change is audited under the actor "system:bootstrap".
func (e *Enforcer) Bootstrap(ctx context.Context, user string) error {
	if err := checkSubject("user", user); err != nil {
		return err
	}
	return e.apply(ctx, actorBootstrap, actionAdd, change{ptype: "g", rule: []string{user, RoleNationalOperator, National}})
}

// GrantMembership gives a person a self-service role (resident or
// professional) in the territory of their verified account: the platform
// does it, not a person, so there is no actor's right to check. It is
// audited under "system:<reason>". Any other role needs AddRole.
func (e *Enforcer) GrantMembership(ctx context.Context, user, role, territory, reason string) error {
	if role != RoleResident && role != RoleProfessional {
		return fmt.Errorf("%w: %s is not a self-service role", ErrInvalid, role)
	}
	if err := checkSubject("user", user); err != nil {
		return err
	}
	if territory == National {
		return fmt.Errorf("%w: membership is in one territory", ErrInvalid)
	}
	if err := checkDomain(territory); err != nil {
		return err
	}
	if err := checkName("reason", reason); err != nil {
		return err
	}
	return e.apply(ctx, "system:"+reason, actionAdd, change{ptype: "g", rule: []string{user, role, territory}})
}

// checkRoleChange checks the arguments of AddRole and RemoveRole and the
// actor's right.
func (e *Enforcer) checkRoleChange(actor, user, role, territory string) error {
	if err := checkSubject("actor", actor); err != nil {
		return err
	}
	if err := checkSubject("user", user); err != nil {
		return err
	}
	if err := checkRole(role); err != nil {
		return err
	}
	if err := checkDomain(territory); err != nil {
		return err
	}
	scope := territory
	if role == RoleNationalOperator {
		scope = National
	}
	return e.require(actor, scope, objMember, actGrant)
}

// checkPolicyChange checks the arguments of AddPolicy and RemovePolicy and
// the actor's right.
func (e *Enforcer) checkPolicyChange(actor, role, territory, obj, act string) error {
	if err := checkSubject("actor", actor); err != nil {
		return err
	}
	if err := checkRole(role); err != nil {
		return err
	}
	if err := checkDomain(territory); err != nil {
		return err
	}
	if err := checkName("object", obj); err != nil {
		return err
	}
	if err := checkName("action", act); err != nil {
		return err
	}
	scope := territory
	if role == RoleNationalOperator || obj == objPolicy || obj == objMember || obj == objAudit {
		scope = National
	}
	return e.require(actor, scope, objPolicy, actEdit)
}

// require fails with ErrDenied unless actor may do act on obj in territory.
func (e *Enforcer) require(actor, territory, obj, act string) error {
	ok, err := e.decide(request{actor, territory, obj, act})
	if err != nil {
		return err
	}
	if !ok {
		if territory == National {
			return fmt.Errorf("authz: %s may not %s %s nationally: %w", actor, act, obj, ErrDenied)
		}
		return fmt.Errorf("authz: %s may not %s %s in territory %s: %w", actor, act, obj, territory, ErrDenied)
	}
	return nil
}

// apply writes c and its audit row in one transaction, then changes the
// rules in memory and empties the decision cache.
func (e *Enforcer) apply(ctx context.Context, actor, action string, c change) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	changed := 0
	err := e.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		changed, err = writeChanges(ctx, tx, actor, action, []change{c}, e.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("authz: %s %s rule %v: %w", action, c.ptype, c.rule, err)
	}
	if changed == 0 {
		return nil // memory already agrees with the database
	}
	e.mu.Lock()
	err = e.applyInMemory(action, c)
	e.mu.Unlock()
	if err != nil {
		// The database holds the change; memory will after Reload.
		return fmt.Errorf("authz: %s %s rule %v in memory (stored; reload to see it): %w", action, c.ptype, c.rule, err)
	}
	e.log.InfoContext(ctx, "authz: rule changed", "actor", actor, "action", action, "ptype", c.ptype, "rule", c.rule)
	return nil
}

// applyInMemory applies a stored change to the shards it concerns (every
// shard for a national rule) and, for a policy, empties their decision caches; e.mu must be
// held for writing.
func (e *Enforcer) applyInMemory(action string, c change) error {
	dom := domainOf(c.ptype, c.rule)
	targets := []*shard{}
	if dom == National {
		if action == actionAdd {
			e.nationalRules = append(e.nationalRules, c)
		} else {
			e.nationalRules = slices.DeleteFunc(e.nationalRules, func(n change) bool {
				return n.ptype == c.ptype && slices.Equal(n.rule, c.rule)
			})
		}
		targets = append(targets, e.national)
		for _, sh := range e.shards {
			targets = append(targets, sh)
		}
	} else if sh, ok := e.shards[dom]; ok {
		targets = append(targets, sh)
	} else if action == actionAdd {
		enf, err := newCasbin(e.nationalRules)
		if err != nil {
			return err
		}
		sh = newShard(enf)
		e.shards[dom] = sh
		targets = append(targets, sh)
	}
	params := make([]any, len(c.rule))
	for i, v := range c.rule {
		params[i] = v
	}
	var errs []error
	for _, sh := range targets {
		var err error
		switch {
		case c.ptype == "p" && action == actionAdd:
			_, err = sh.enf.AddNamedPolicy("p", params...)
		case c.ptype == "p":
			_, err = sh.enf.RemoveNamedPolicy("p", params...)
		case action == actionAdd:
			_, err = sh.enf.AddNamedGroupingPolicy("g", params...)
		default:
			_, err = sh.enf.RemoveNamedGroupingPolicy("g", params...)
		}

		if err != nil {
			errs = append(errs, err)
		}
		sh.reset(c.ptype == "p")
	}
	return errors.Join(errs...)
}

// Audit returns the latest changes of the rules concerning territory (a
// slug, or National for national rules), newest first, at most limit (1 to
// 1000). The caller checks that its user may read them: (audit, read).
func (e *Enforcer) Audit(ctx context.Context, territory string, limit int) ([]AuditEntry, error) {
	if err := checkDomain(territory); err != nil {
		return nil, err
	}
	if limit < 1 || limit > maxAuditLimit {
		return nil, fmt.Errorf("authz: audit limit %d must be 1 to %d: %w", limit, maxAuditLimit, ErrInvalid)
	}
	var out []AuditEntry
	err := e.s.DB().NewSelect().Model(&out).Where("domain = ?", territory).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("authz: read the audit of %s: %w", territory, err)
	}
	return out, nil
}
