package auth

import (
	"slices"
	"strings"
)

// Grant is one role held at one org node.
type Grant struct {
	ID       int64  `json:"id"`
	Role     Role   `json:"role"`
	NodeID   int64  `json:"node_id"`
	NodeCode string `json:"node_code"`
	NodeName string `json:"node_name"`
	NodePath string `json:"-"`
}

// Principal is a signed-in staff member with their grants: the subject of
// every permission check.
type Principal struct {
	Staff  Staff
	Grants []Grant
}

// Can reports whether any grant gives p somewhere.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return perm == Public
	}
	if perm == Public || perm == Authenticated {
		return true // a signed-in account needs no grant for these
	}
	for _, g := range p.Grants {
		if g.Role.Has(perm) {
			return true
		}
	}
	return false
}

// CanAt reports whether a grant gives perm at the node with org path path
// (the grant's node is path or above it).
func (p *Principal) CanAt(perm Permission, path string) bool {
	if p == nil {
		return perm == Public
	}
	if perm == Public || perm == Authenticated {
		return true
	}
	for _, g := range p.Grants {
		if g.Role.Has(perm) && strings.HasPrefix(path, g.NodePath) {
			return true
		}
	}
	return false
}

// Paths returns the org paths below which perm holds, without paths that
// lie inside another one. An empty result means nowhere.
func (p *Principal) Paths(perm Permission) []string {
	if p == nil {
		return []string{}
	}
	var paths []string
	for _, g := range p.Grants {
		if g.Role.Has(perm) {
			paths = append(paths, g.NodePath)
		}
	}
	out := []string{}
	for _, a := range paths {
		covered := false
		for _, b := range paths {
			if a != b && strings.HasPrefix(a, b) {
				covered = true
				break
			}
		}
		if !covered && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Sees reports whether some permission of p reaches path, i.e. whether the
// object there exists for p at all; out of scope objects answer 404.
func (p *Principal) Sees(path string) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if strings.HasPrefix(path, g.NodePath) {
			return true
		}
	}
	return false
}
