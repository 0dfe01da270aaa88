package authz

import (
	"fmt"
	"slices"
)

// Bounds of the values the package accepts, in bytes.
const (
	maxSubjectLen = 128
	maxNameLen    = 64
	maxDomainLen  = 63
)

// checkName checks an object or action: 1 to 64 lowercase ASCII letters,
// digits and underscores. Anything else (in particular "*", "/", ":" and
// parentheses, which Casbin's keyMatch reads as patterns) is refused.
func checkName(what, v string) error {
	if v == "" || len(v) > maxNameLen {
		return fmt.Errorf("authz: %s %q must be 1 to %d characters long: %w", what, v, maxNameLen, ErrInvalid)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("authz: %s %q: only lowercase letters, digits and _ are allowed: %w", what, v, ErrInvalid)
		}
	}
	return nil
}

// checkSubject checks a user ID: 1 to 128 ASCII letters, digits and
// "-_.@:", and not a role name (Casbin would read a role as holding itself).
func checkSubject(what, v string) error {
	if v == "" || len(v) > maxSubjectLen {
		return fmt.Errorf("authz: %s %q must be 1 to %d characters long: %w", what, v, maxSubjectLen, ErrInvalid)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '@' || c == ':') {
			return fmt.Errorf("authz: %s %q: only letters, digits and -_.@: are allowed: %w", what, v, ErrInvalid)
		}
	}
	if isRole(v) {
		return fmt.Errorf("authz: %s %q is a role name, not a user: %w", what, v, ErrInvalid)
	}
	return nil
}

// checkDomain checks a territory: National, or a slug of 1 to 63
// lowercase letters, digits and single inner hyphens.
func checkDomain(v string) error {
	if v == National {
		return nil
	}
	if v == "" || len(v) > maxDomainLen {
		return fmt.Errorf("authz: territory %q must be %q or a slug of 1 to %d characters: %w", v, National, maxDomainLen, ErrInvalid)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(v)-1 && v[i-1] != '-':
		default:
			return fmt.Errorf("authz: territory %q must be %q or a slug (lowercase letters, digits, single hyphens): %w", v, National, ErrInvalid)
		}
	}
	return nil
}

// checkRole checks that v is one of Roles.
func checkRole(v string) error {
	if !isRole(v) {
		return fmt.Errorf("authz: unknown role %q: use one of %v: %w", v, Roles, ErrInvalid)
	}
	return nil
}

func isRole(v string) bool { return slices.Contains(Roles, v) }
