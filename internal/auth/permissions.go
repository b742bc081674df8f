// Package auth holds staff accounts (员工账号), their roles at org nodes,
// the permission table, sessions, API tokens and login throttling.
package auth

import (
	"slices"
	"strings"
)

// Permission names one action a route or service may guard.
type Permission string

// Pseudo-permissions for routes that need no role.
const (
	Public        Permission = "public"        // anyone, signed in or not
	Authenticated Permission = "authenticated" // any signed-in staff member
)

// Permissions of the foundation and of the areas of DOMAIN.md.
const (
	OrgRead        Permission = "org.read"
	OrgWrite       Permission = "org.write"
	StaffRead      Permission = "staff.read"
	StaffWrite     Permission = "staff.write"
	AuditRead      Permission = "audit.read"
	SettingsWrite  Permission = "settings.write"
	MemberRead     Permission = "member.read"
	MemberWrite    Permission = "member.write"
	MemberReview   Permission = "member.review"
	MemberReveal   Permission = "member.reveal_pii"
	MemberExport   Permission = "member.export"
	TierApprove    Permission = "tier.approve"
	CardManage     Permission = "card.manage"
	PointsRead     Permission = "points.read"
	PointsAward    Permission = "points.award"
	AdjustPropose  Permission = "points.adjust.propose"
	AdjustApprove  Permission = "points.adjust.approve"
	PlanEdit       Permission = "points.plan.edit"
	PlanApprove    Permission = "points.plan.approve"
	RedeemManage   Permission = "redeem.manage"
	RedeemApprove  Permission = "redeem.approve"
	EventRead      Permission = "event.read"
	EventWrite     Permission = "event.write"
	EventApprove   Permission = "event.approve" // review proposals, approve unplanned events (计划外活动)
	EventCheckIn   Permission = "event.checkin" // check members in at an event (签到)
	MerchantRead   Permission = "merchant.read"
	MerchantWrite  Permission = "merchant.write"
	MerchantVerify Permission = "merchant.verify"
	OutreachWrite  Permission = "outreach.write"
	RequestRead    Permission = "request.read"
	RequestHandle  Permission = "request.handle"
	RequestApprove Permission = "request.approve" // account deletions (PIPL), request settings of the node
	LeadRead       Permission = "lead.read"
	LeadWrite      Permission = "lead.write"
	LeadAssign     Permission = "lead.assign"
	LeadReconcile  Permission = "lead.reconcile"
	BudgetRead     Permission = "budget.read"
	BudgetApprove  Permission = "budget.approve"
	ReportRead     Permission = "report.read"
	SurveyRead     Permission = "survey.read"
	SurveyWrite    Permission = "survey.write"
)

// Role is a staff role (DOMAIN.md, "Staff roles"), held at an org node.
type Role string

// The roles, by their configuration codes.
const (
	Admin             Role = "admin"
	GroupSupervisor   Role = "group_supervisor"
	GroupSpecialist   Role = "group_specialist"
	CitySupervisor    Role = "city_supervisor"
	CitySpecialist    Role = "city_specialist"
	SalesManager      Role = "sales_manager"
	SalesConsultant   Role = "sales_consultant"
	SalesAdmin        Role = "sales_admin"
	CustomerRelations Role = "customer_relations"
	PropertyStaff     Role = "property_staff"
	MerchantStaff     Role = "merchant_staff"
	Auditor           Role = "auditor"
)

// Roles lists every role in the order the console shows them.
var Roles = []Role{Admin, GroupSupervisor, GroupSpecialist, CitySupervisor, CitySpecialist,
	SalesManager, SalesConsultant, SalesAdmin, CustomerRelations, PropertyStaff, MerchantStaff, Auditor}

var roleLabels = map[Role][2]string{
	Admin:             {"系统管理员", "System administrator"},
	GroupSupervisor:   {"集团客户会主管", "Group club supervisor"},
	GroupSpecialist:   {"集团专员", "Group specialist"},
	CitySupervisor:    {"城市主管", "City supervisor"},
	CitySpecialist:    {"城市专员", "City specialist"},
	SalesManager:      {"销售经理", "Sales manager"},
	SalesConsultant:   {"置业顾问", "Sales consultant"},
	SalesAdmin:        {"销售行政", "Sales administrator"},
	CustomerRelations: {"客户关系专员", "Customer relations"},
	PropertyStaff:     {"物业", "Property staff"},
	MerchantStaff:     {"联盟商家", "Merchant staff"},
	Auditor:           {"审计", "Auditor"},
}

// Label is the role's name in lang.
func (r Role) Label(lang string) string {
	l, ok := roleLabels[r]
	if !ok {
		return string(r)
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleLabels[r]; return ok }

// rolePermissions is the one table from role to permissions: least
// privilege, following each role's duties in DOMAIN.md.
var rolePermissions = map[Role][]Permission{
	Admin: {OrgRead, OrgWrite, StaffRead, StaffWrite, SettingsWrite},
	GroupSupervisor: {OrgRead, StaffRead, AuditRead, MemberRead, MemberReview, MemberReveal, MemberExport,
		TierApprove, CardManage, PointsRead, AdjustApprove, PlanApprove, RedeemManage, RedeemApprove,
		EventRead, EventApprove, MerchantRead, MerchantWrite, RequestRead, RequestApprove, LeadRead, BudgetRead, BudgetApprove, ReportRead, SurveyRead, SurveyWrite},
	GroupSpecialist: {OrgRead, MemberRead, PointsRead, PlanEdit, EventRead, EventWrite, EventCheckIn, MerchantRead,
		MerchantWrite, OutreachWrite, ReportRead, SurveyRead, SurveyWrite},
	CitySupervisor: {OrgRead, StaffRead, AuditRead, MemberRead, MemberReview, MemberReveal, MemberExport,
		CardManage, PointsRead, RedeemManage, EventRead, EventWrite, EventApprove, EventCheckIn, RequestRead, RequestHandle, RequestApprove, LeadRead, BudgetRead, ReportRead, SurveyRead, SurveyWrite},
	CitySpecialist: {OrgRead, StaffRead, MemberRead, MemberWrite, CardManage, PointsRead, PointsAward,
		AdjustPropose, RedeemManage, EventRead, EventWrite, EventCheckIn, SurveyRead, SurveyWrite},
	SalesManager:      {OrgRead, StaffRead, MemberRead, LeadRead, LeadWrite, LeadAssign, ReportRead},
	SalesConsultant:   {OrgRead, LeadRead, LeadWrite},
	SalesAdmin:        {OrgRead, LeadRead, LeadReconcile},
	CustomerRelations: {OrgRead, MemberRead, RequestRead, RequestHandle, SurveyRead, SurveyWrite},
	PropertyStaff:     {OrgRead, MemberRead, RequestRead, RequestHandle},
	MerchantStaff:     {MerchantVerify},
	Auditor:           {OrgRead, StaffRead, AuditRead, MemberRead, PointsRead, EventRead, MerchantRead, RequestRead, LeadRead, BudgetRead, ReportRead, SurveyRead},
}

// Permissions returns the permissions a role grants.
func (r Role) Permissions() []Permission { return rolePermissions[r] }

// Has reports whether the role grants p.
func (r Role) Has(p Permission) bool {
	switch p {
	case Public, Authenticated:
		return true
	}
	return slices.Contains(rolePermissions[r], p)
}

// ReadOnly reports whether p only reads.
func (p Permission) ReadOnly() bool {
	return strings.HasSuffix(string(p), ".read") || p == Public || p == Authenticated
}
