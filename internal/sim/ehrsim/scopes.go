package ehrsim

import (
	"errors"
	"fmt"
	"strings"
)

// Interactions a scope can permit, as SMART v2 letters: create, read,
// update, delete, search.
const (
	permCreate = 'c'
	permRead   = 'r'
	permUpdate = 'u'
	permSearch = 's'
)

// scope is one granted system scope: a resource type (or "*") and the
// interactions it permits.
type scope struct {
	raw      string
	resource string
	perms    string // subset of "cruds"
}

// parseScopes reads a space-separated scope list. Backend services may only
// hold system/ scopes; both SMART v1 (system/Patient.read, .write, .*) and
// v2 (system/Patient.rs, .cruds) syntaxes are accepted, and a v2
// granular query ("?category=...") is accepted but not enforced.
func parseScopes(raw string) ([]scope, error) {
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return nil, errors.New("scope is required (for example system/*.read)")
	}
	out := make([]scope, 0, len(fields))
	for _, f := range fields {
		rest, ok := strings.CutPrefix(f, "system/")
		if !ok {
			return nil, fmt.Errorf("scope %q is not a system/ scope", f)
		}
		res, perm, ok := strings.Cut(rest, ".")
		if !ok || !validScopeResource(res) {
			return nil, fmt.Errorf("scope %q is malformed", f)
		}
		perm, _, _ = strings.Cut(perm, "?")
		perms, ok := scopePerms(perm)
		if !ok {
			return nil, fmt.Errorf("scope %q has unknown permissions", f)
		}
		out = append(out, scope{raw: f, resource: res, perms: perms})
	}
	return out, nil
}

// validScopeResource accepts "*" or a resource-type-shaped name.
func validScopeResource(res string) bool {
	return res == "*" || validType(res)
}

// scopePerms maps v1 and v2 permission suffixes to v2 letters.
func scopePerms(p string) (string, bool) {
	switch p {
	case "read":
		return "rs", true
	case "write":
		return "cud", true
	case "*":
		return "cruds", true
	case "":
		return "", false
	}
	// v2 letters must appear in the order c, r, u, d, s, each at most once.
	order := "cruds"
	i := 0
	for _, c := range p {
		j := strings.IndexRune(order[i:], c)
		if j < 0 {
			return "", false
		}
		i += j + 1
	}
	return p, true
}

// formatScopes is the granted scope string of a token answer.
func formatScopes(sc []scope) string {
	raw := make([]string, len(sc))
	for i, s := range sc {
		raw[i] = s.raw
	}
	return strings.Join(raw, " ")
}

// permits reports whether the token may perform interaction perm on typ.
func (t *accessToken) permits(typ string, perm rune) bool {
	for _, s := range t.scopes {
		if (s.resource == "*" || s.resource == typ) && strings.ContainsRune(s.perms, perm) {
			return true
		}
	}
	return false
}
