package request

import "estateclub/internal/auth"

// ScopeOf is where grants reach requests with perm (auth.RequestRead to
// see them, auth.RequestHandle to handle them …): every kind below the
// nodes of roles other than property staff, only property complaints
// below the nodes where they are property staff (物业: their projects'
// property complaints). The console, the API, notices and assignment and
// the demo all decide who reaches a request with it.
func ScopeOf(perm auth.Permission, grants []auth.Grant) *Scope {
	sc := &Scope{All: []string{}, Property: []string{}}
	for _, g := range grants {
		switch {
		case !g.Role.Has(perm):
		case g.Role == auth.PropertyStaff:
			sc.Property = append(sc.Property, g.NodePath)
		default:
			sc.All = append(sc.All, g.NodePath)
		}
	}
	return sc
}
