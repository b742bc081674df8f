package request

import (
	"testing"

	"estateclub/internal/auth"
)

func TestScopeOf(t *testing.T) {
	const city, project, other = "/1/2/3/", "/1/2/3/4/", "/1/2/9/"
	property := &Request{Kind: Complaint, Subkind: SubProperty, NodePath: city, ProjectPath: project}
	service := &Request{Kind: Complaint, Subkind: SubService, NodePath: city, ProjectPath: project}
	suggestion := &Request{Kind: Suggestion, Subkind: SubProperty, NodePath: city, ProjectPath: project}
	noProject := &Request{Kind: Complaint, Subkind: SubProperty, NodePath: project}
	tests := []struct {
		name   string
		perm   auth.Permission
		grants []auth.Grant
		sees   map[*Request]bool
	}{
		{"none", auth.RequestRead, nil, map[*Request]bool{property: false, service: false}},
		{"city relations", auth.RequestRead, []auth.Grant{{Role: auth.CustomerRelations, NodePath: city}},
			map[*Request]bool{property: true, service: true, suggestion: true, noProject: true}},
		{"other city", auth.RequestRead, []auth.Grant{{Role: auth.CustomerRelations, NodePath: other}},
			map[*Request]bool{property: false, service: false}},
		{"property staff", auth.RequestRead, []auth.Grant{{Role: auth.PropertyStaff, NodePath: project}},
			map[*Request]bool{property: true, service: false, suggestion: false, noProject: true}},
		{"property staff and relations elsewhere", auth.RequestRead,
			[]auth.Grant{{Role: auth.PropertyStaff, NodePath: project}, {Role: auth.CustomerRelations, NodePath: other}},
			map[*Request]bool{property: true, service: false}},
		{"a role without the permission", auth.RequestRead, []auth.Grant{{Role: auth.SalesConsultant, NodePath: city}},
			map[*Request]bool{property: false, service: false}},
		{"auditor reads, does not handle", auth.RequestHandle, []auth.Grant{{Role: auth.Auditor, NodePath: city}},
			map[*Request]bool{property: false, service: false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := ScopeOf(tc.perm, tc.grants)
			for r, want := range tc.sees {
				if got := sc.Allows(r); got != want {
					t.Errorf("%s/%s at %s%s: sees %v, want %v", r.Kind, r.Subkind, r.NodePath, r.ProjectPath, got, want)
				}
			}
		})
	}
}
