package authz

import (
	"slices"
	"strings"
)

// Roles, as policies and role assignments name them.
const (
	RoleResident         = "resident"
	RoleProfessional     = "professional"
	RoleMediator         = "mediator"
	RoleTerritoryAdmin   = "territory_admin"
	RoleNationalOperator = "national_operator"
	RoleIntegrator       = "integrator"
)

// National is the domain of national rules: a role held in National is held
// in every territory, and a policy in National applies in every territory.
const National = "*"

// Roles lists every role, in a stable order.
var Roles = []string{RoleResident, RoleProfessional, RoleMediator, RoleTerritoryAdmin, RoleNationalOperator, RoleIntegrator}

// Objects lists the objects the default policies speak of, for the issues
// that use them: territories (1), their rules and plugins (2), listings,
// exchanges, messages and reviews (3, 5), members, policies and the audit
// log (4), and the observatory (5).
var Objects = []string{
	"territory", "rules", "plugin", "listing", "exchange", "message", "review",
	"member", "policy", "audit", "observatory",
}

// Policy is one right: Role may do Action on Object in Territory (National
// for every territory).
type Policy struct {
	// Role is one of Roles.
	Role string `json:"role"`
	// Territory is a territory slug, or National.
	Territory string `json:"territory"`
	// Object is a machine name such as "listing".
	Object string `json:"object"`
	// Action is a machine name such as "create".
	Action string `json:"action"`
}

// DefaultPolicies are the rights every territory starts with, stored as
// national policies when missing (a right added here reaches existing
// databases at the next start, unless an operator removed it). Territory
// admins add rights for their own territory on top of them; national
// operators change them. The store layer still decides which rows a right
// reaches: "edit_own" means the row's owner, scoped to the territory.
var DefaultPolicies = buildDefaults()

func buildDefaults() []Policy {
	// Residents and professionals trade alike; residents also record the
	// consent a mediator acts under.
	member := []string{
		"territory:read", "rules:read", "rules:quote",
		"listing:read", "listing:create", "listing:edit_own", "listing:delete_own",
		"exchange:create", "exchange:read_own", "exchange:act", "exchange:confirm", "exchange:cancel",
		"message:send", "message:read_own",
		"review:read", "review:create",
		"member:read_self", "member:edit_self",
	}
	rights := map[string][]string{
		RoleResident:     append(slices.Clone(member), "member:consent"),
		RoleProfessional: member,
		RoleMediator: {
			"territory:read", "rules:read", "rules:quote",
			"listing:read", "review:read",
			"member:read", "member:act_for", "message:read_own", "message:send",
		},
		RoleTerritoryAdmin: {
			"territory:read", "territory:edit", "rules:read", "rules:edit", "rules:quote",
			"listing:read", "listing:moderate", "exchange:read", "exchange:resolve", "message:moderate",
			"review:read", "review:moderate",
			"member:read", "member:grant", "member:suspend",
			"policy:read", "policy:edit", "audit:read", "observatory:read",
		},
		RoleNationalOperator: {
			"*:*",
		},
		RoleIntegrator: {
			"territory:read", "rules:read", "rules:quote",
			"plugin:read", "plugin:publish", "plugin:test", "observatory:read",
		},
	}
	var out []Policy
	for _, role := range Roles {
		for _, r := range rights[role] {
			obj, act, _ := strings.Cut(r, ":")
			out = append(out, Policy{Role: role, Territory: National, Object: obj, Action: act})
		}
	}
	return out
}
