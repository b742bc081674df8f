package web

import (
	"net/http"
	"strings"

	"estateclub/internal/auth"
)

// Surface tells how a route authenticates and answers errors.
type Surface string

// The surfaces of the server.
const (
	Console Surface = "console" // HTML, cookie session, CSRF token in forms
	API     Surface = "api"     // JSON, bearer token (or session cookie + X-CSRF-Token)
	System  Surface = "system"  // health, metrics, static files, OpenAPI document
	Portal  Surface = "portal"  // the member portal: HTML, member session cookie
)

// Route is one registered URL: the permission that guards it is declared here.
type Route struct {
	Method  string
	Path    string
	Perm    auth.Permission
	Surface Surface
}

// Pattern is the ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// handle registers h under pattern ("GET /path") behind authentication and
// the permission check of its surface.
func (s *Server) handle(surface Surface, pattern string, perm auth.Permission, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, Route{Method: method, Path: path, Perm: perm, Surface: surface})
	if surface == Portal {
		s.mux.Handle(pattern, s.portalGuard(perm, h))
		return
	}
	s.mux.Handle(pattern, s.guard(surface, perm, h))
}

// registerRoutes is the route table of the whole server.
func (s *Server) registerRoutes() {
	sys := func(p string, h http.HandlerFunc) { s.handle(System, p, auth.Public, h) }
	sys("GET /healthz", s.healthz)
	sys("GET /readyz", s.readyz)
	sys("GET /metrics", s.metricsHandler)
	sys("GET /static/{file...}", s.static)
	sys("GET /api/openapi.json", s.openapi)

	c := func(p string, perm auth.Permission, h http.HandlerFunc) { s.handle(Console, p, perm, h) }
	c("GET /login", auth.Public, s.loginPage)
	c("POST /login", auth.Public, s.loginSubmit)
	c("POST /lang", auth.Public, s.setLanguage)
	c("POST /logout", auth.Authenticated, s.logout)
	c("GET /{$}", auth.Authenticated, s.dashboard)
	c("GET /org", auth.OrgRead, s.orgTree)
	c("POST /org", auth.OrgWrite, s.orgCreate)
	c("GET /org/{node}", auth.OrgRead, s.orgNode)
	c("POST /org/{node}", auth.OrgWrite, s.orgUpdate)
	c("GET /staff", auth.StaffRead, s.staffList)
	c("GET /staff/new", auth.StaffWrite, s.staffNew)
	c("POST /staff", auth.StaffWrite, s.staffCreate)
	c("GET /staff/{staff}", auth.StaffRead, s.staffShow)
	c("POST /staff/{staff}", auth.StaffWrite, s.staffUpdate)
	c("POST /staff/{staff}/roles", auth.StaffWrite, s.staffGrant)
	c("POST /staff/{staff}/roles/{grant}/revoke", auth.StaffWrite, s.staffRevoke)
	c("POST /staff/{staff}/password", auth.StaffWrite, s.staffResetPassword)
	c("GET /audit", auth.AuditRead, s.auditList)
	c("GET /members", auth.MemberRead, s.memberList)
	c("GET /members/new", auth.MemberWrite, s.memberNew)
	c("POST /members", auth.MemberWrite, s.memberCreate)
	c("GET /members/import", auth.MemberWrite, s.memberImport)
	c("POST /members/import", auth.MemberWrite, s.memberImportUpload)
	c("GET /members/import/template", auth.MemberWrite, s.memberImportTemplate)
	c("GET /members/export", auth.MemberExport, s.memberExport)
	c("GET /jobs/{job}", auth.MemberWrite, s.jobPage)
	c("GET /jobs/{job}/output", auth.MemberWrite, s.jobOutput)
	c("GET /members/review", auth.MemberReview, s.memberReviewQueue)
	c("POST /members/review", auth.MemberReview, s.memberReviewMany)
	c("GET /members/{member}", auth.MemberRead, s.memberShow)
	c("POST /members/{member}", auth.MemberWrite, s.memberUpdate)
	c("POST /members/{member}/reveal", auth.MemberReveal, s.memberReveal)
	c("POST /members/{member}/review", auth.MemberReview, s.memberReviewOne)
	c("GET /members/{member}/points", auth.PointsRead, s.memberPoints)
	c("POST /members/{member}/adjustments", auth.AdjustPropose, s.memberAdjust)
	c("POST /members/{member}/tier", auth.MemberWrite, s.memberTierRequest)
	c("POST /members/{member}/properties", auth.MemberWrite, s.memberPropertyAdd)
	c("POST /members/{member}/cards", auth.CardManage, s.memberCardIssue)
	c("POST /members/{member}/cards/{card}/delivery", auth.CardManage, s.memberCardDelivery)
	c("POST /members/{member}/cards/{card}/lost", auth.CardManage, s.memberCardLost)
	c("POST /members/{member}/cards/{card}/reissue", auth.CardManage, s.memberCardReissue)
	c("GET /members/{member}/cards/{card}/qr.svg", auth.MemberRead, s.memberCardQR)
	c("POST /members/{member}/events", auth.PointsAward, s.memberEvent)
	c("GET /points/plans", auth.PointsRead, s.pointPlans)
	c("GET /points/plans/new", auth.PlanEdit, s.planNew)
	c("POST /points/plans", auth.PlanEdit, s.planCreate)
	c("GET /points/plans/{plan}", auth.PointsRead, s.planShow)
	c("POST /points/plans/{plan}", auth.PlanEdit, s.planUpdate)
	c("POST /points/plans/{plan}/rules", auth.PlanEdit, s.planRuleAdd)
	c("POST /points/plans/{plan}/rules/{rule}", auth.PlanEdit, s.planRuleUpdate)
	c("POST /points/plans/{plan}/submit", auth.PlanEdit, s.planSubmit)
	c("POST /points/plans/{plan}/decision", auth.PlanApprove, s.planDecide)
	c("POST /points/plans/{plan}/cancel", auth.PlanApprove, s.planCancel)
	c("POST /points/plans/{plan}/changes", auth.PlanEdit, s.planChangePropose)
	c("POST /points/plan-changes/{revision}", auth.PlanApprove, s.planChangeDecide)
	c("GET /points/events", auth.PointsRead, s.pointEvents)
	c("GET /points/awards", auth.PointsAward, s.pointAwards)
	c("POST /points/awards", auth.PointsAward, s.pointAwardBatch)
	c("GET /points/awards/template", auth.PointsAward, s.pointAwardTemplate)
	c("GET /points/expiry", auth.PointsRead, s.pointExpiry)
	c("POST /points/expiry/settings", auth.PlanApprove, s.expirySettings)
	c("POST /points/expiry/runs", auth.PlanApprove, s.expiryRunStart)
	c("GET /points/adjustments", auth.AdjustApprove, s.adjustments)
	c("POST /points/adjustments/{adjustment}", auth.AdjustApprove, s.adjustmentDecide)
	// Redemption (奖励兑换): the catalogue, the queue, ordering for a member.
	c("GET /redeem/items", auth.RedeemManage, s.redeemItems)
	c("POST /redeem/items", auth.RedeemManage, s.redeemItemCreate)
	c("GET /redeem/items/{item}", auth.RedeemManage, s.redeemItem)
	c("POST /redeem/items/{item}", auth.RedeemManage, s.redeemItemUpdate)
	c("POST /redeem/settings", auth.RedeemApprove, s.redeemSettingsSave)
	c("GET /redeem/orders", auth.RedeemManage, s.redemptions)
	c("POST /redeem/orders/approve", auth.RedeemApprove, s.redemptionsApprove)
	c("POST /redeem/orders/{order}/decision", auth.RedeemApprove, s.redemptionDecide)
	c("POST /redeem/orders/{order}/fulfil", auth.RedeemManage, s.redemptionFulfil)
	c("POST /redeem/orders/{order}/cancel", auth.RedeemManage, s.redemptionCancel)
	c("POST /members/{member}/redemptions", auth.RedeemManage, s.memberRedeem)
	c("GET /cards", auth.CardManage, s.cardList)
	c("POST /cards/designs", auth.CardManage, s.cardDesignCreate)
	c("POST /cards/batches", auth.CardManage, s.cardBatchCreate)
	c("GET /tiers", auth.MemberRead, s.tiers)
	c("POST /tiers/period", auth.TierApprove, s.tierPeriod)
	c("POST /tiers/{tier}", auth.TierApprove, s.tierUpdate)
	c("POST /tier-changes/{change}", auth.TierApprove, s.tierDecide)
	c("GET /account", auth.Authenticated, s.account)
	c("POST /account/password", auth.Authenticated, s.accountPassword)
	c("POST /account/locale", auth.Authenticated, s.accountLocale)
	c("POST /account/tokens", auth.Authenticated, s.accountTokenCreate)
	c("POST /account/tokens/{token}/revoke", auth.Authenticated, s.accountTokenRevoke)

	a := func(p string, perm auth.Permission, h http.HandlerFunc) { s.handle(API, p, perm, h) }
	a("GET /api/v1/me", auth.Authenticated, s.apiMe)
	a("POST /api/v1/me/password", auth.Authenticated, s.apiMePassword)
	a("GET /api/v1/me/tokens", auth.Authenticated, s.apiTokenList)
	a("POST /api/v1/me/tokens", auth.Authenticated, s.apiTokenCreate)
	a("DELETE /api/v1/me/tokens/{token}", auth.Authenticated, s.apiTokenRevoke)
	a("GET /api/v1/dashboard", auth.Authenticated, s.apiDashboard)
	a("GET /api/v1/roles", auth.Authenticated, s.apiRoles)
	a("GET /api/v1/org/nodes", auth.OrgRead, s.apiOrgList)
	a("POST /api/v1/org/nodes", auth.OrgWrite, s.apiOrgCreate)
	a("GET /api/v1/org/nodes/{node}", auth.OrgRead, s.apiOrgGet)
	a("PATCH /api/v1/org/nodes/{node}", auth.OrgWrite, s.apiOrgUpdate)
	a("GET /api/v1/staff", auth.StaffRead, s.apiStaffList)
	a("POST /api/v1/staff", auth.StaffWrite, s.apiStaffCreate)
	a("GET /api/v1/staff/{staff}", auth.StaffRead, s.apiStaffGet)
	a("PATCH /api/v1/staff/{staff}", auth.StaffWrite, s.apiStaffUpdate)
	a("POST /api/v1/staff/{staff}/roles", auth.StaffWrite, s.apiStaffGrant)
	a("DELETE /api/v1/staff/{staff}/roles/{grant}", auth.StaffWrite, s.apiStaffRevoke)
	a("GET /api/v1/audit", auth.AuditRead, s.apiAuditList)
	a("GET /api/v1/members", auth.MemberRead, s.apiMemberList)
	a("POST /api/v1/members", auth.MemberWrite, s.apiMemberCreate(true))
	a("POST /api/v1/members/enrol", auth.MemberWrite, s.apiMemberCreate(false))
	a("POST /api/v1/members/import", auth.MemberWrite, s.apiMemberImport)
	a("GET /api/v1/members/export", auth.MemberExport, s.memberExport)
	a("GET /api/v1/jobs/{job}", auth.MemberWrite, s.apiJob)
	a("GET /api/v1/jobs/{job}/output", auth.MemberWrite, s.jobOutput)
	a("GET /api/v1/members/{member}", auth.MemberRead, s.apiMemberGet)
	a("PATCH /api/v1/members/{member}", auth.MemberWrite, s.apiMemberUpdate)
	a("POST /api/v1/members/{member}/reveal", auth.MemberReveal, s.apiMemberReveal)
	a("POST /api/v1/members/{member}/review", auth.MemberReview, s.apiMemberReview)
	a("GET /api/v1/members/{member}/history", auth.MemberRead, s.apiMemberHistory)
	a("GET /api/v1/members/{member}/points", auth.PointsRead, s.apiMemberPoints)
	a("GET /api/v1/members/{member}/points/statement", auth.PointsRead, s.apiMemberStatement)
	a("POST /api/v1/members/{member}/adjustments", auth.AdjustPropose, s.apiAdjustPropose)
	a("GET /api/v1/points/adjustments", auth.AdjustApprove, s.apiAdjustments)
	a("GET /api/v1/members/{member}/points/expiries", auth.PointsRead, s.apiMemberExpiries)
	a("POST /api/v1/members/{member}/events", auth.PointsAward, s.apiMemberEvent)
	a("GET /api/v1/points/events", auth.PointsRead, s.apiPointEvents)
	a("POST /api/v1/points/batches", auth.PointsAward, s.apiPointBatch)
	a("GET /api/v1/points/plans", auth.PointsRead, s.apiPlans)
	a("POST /api/v1/points/plans", auth.PlanEdit, s.apiPlanCreate)
	a("GET /api/v1/points/plans/{plan}", auth.PointsRead, s.apiPlanGet)
	a("PATCH /api/v1/points/plans/{plan}", auth.PlanEdit, s.apiPlanUpdate)
	a("GET /api/v1/points/plans/{plan}/usage", auth.PointsRead, s.apiPlanUsage)
	a("POST /api/v1/points/plans/{plan}/rules", auth.PlanEdit, s.apiPlanRuleAdd)
	a("PATCH /api/v1/points/plans/{plan}/rules/{rule}", auth.PlanEdit, s.apiPlanRuleUpdate)
	a("POST /api/v1/points/plans/{plan}/submit", auth.PlanEdit, s.apiPlanSubmit)
	a("POST /api/v1/points/plans/{plan}/decision", auth.PlanApprove, s.apiPlanDecide)
	a("POST /api/v1/points/plans/{plan}/cancel", auth.PlanApprove, s.apiPlanCancel)
	a("GET /api/v1/points/plans/{plan}/changes", auth.PointsRead, s.apiPlanChanges)
	a("POST /api/v1/points/plans/{plan}/changes", auth.PlanEdit, s.apiPlanChangePropose)
	a("POST /api/v1/points/plan-changes/{revision}/decision", auth.PlanApprove, s.apiPlanChangeDecide)
	a("GET /api/v1/points/expiry", auth.PointsRead, s.apiExpiry)
	a("PUT /api/v1/points/expiry", auth.PlanApprove, s.apiExpiryPut)
	a("POST /api/v1/points/expiry/runs", auth.PlanApprove, s.apiExpiryRun)
	a("GET /api/v1/points/expiry/runs/{run}", auth.PointsRead, s.apiExpiryRunGet)
	a("POST /api/v1/points/adjustments/{adjustment}/decision", auth.AdjustApprove, s.apiAdjustDecide)
	a("POST /api/v1/members/{member}/properties", auth.MemberWrite, s.apiMemberProperty)
	a("POST /api/v1/members/{member}/tier-changes", auth.MemberWrite, s.apiTierChangeRequest)
	a("GET /api/v1/members/{member}/cards", auth.MemberRead, s.apiMemberCards)
	a("POST /api/v1/members/{member}/cards", auth.CardManage, s.apiMemberCardIssue)
	a("GET /api/v1/cards/stock", auth.CardManage, s.apiCardStock)
	a("GET /api/v1/cards/{number}", auth.CardManage, s.apiCardGet)
	a("POST /api/v1/cards/{number}/delivery", auth.CardManage, s.apiCardDelivery)
	a("POST /api/v1/cards/{number}/lost", auth.CardManage, s.apiCardLost)
	a("POST /api/v1/cards/{number}/reissue", auth.CardManage, s.apiCardReissue)
	a("POST /api/v1/cards/verify-qr", auth.MerchantVerify, s.apiCardVerifyQR)
	a("GET /api/v1/card-designs", auth.CardManage, s.apiCardDesigns)
	a("POST /api/v1/card-designs", auth.CardManage, s.apiCardDesignCreate)
	a("GET /api/v1/card-batches", auth.CardManage, s.apiCardBatches)
	a("POST /api/v1/card-batches", auth.CardManage, s.apiCardBatchCreate)
	// Redemption (奖励兑换).
	a("GET /api/v1/redeem/items", auth.RedeemManage, s.apiRedeemItems)
	a("POST /api/v1/redeem/items", auth.RedeemManage, s.apiRedeemItemCreate)
	a("GET /api/v1/redeem/items/{item}", auth.RedeemManage, s.apiRedeemItemGet)
	a("PATCH /api/v1/redeem/items/{item}", auth.RedeemManage, s.apiRedeemItemUpdate)
	a("GET /api/v1/redeem/settings", auth.RedeemManage, s.apiRedeemSettings)
	a("PUT /api/v1/redeem/settings", auth.RedeemApprove, s.apiRedeemSettingsPut)
	a("GET /api/v1/redemptions", auth.RedeemManage, s.apiRedemptions)
	a("GET /api/v1/redemptions/{order}", auth.RedeemManage, s.apiRedemptionGet)
	a("POST /api/v1/redemptions/{order}/decision", auth.RedeemApprove, s.apiRedemptionDecide)
	a("POST /api/v1/redemptions/{order}/fulfilment", auth.RedeemManage, s.apiRedemptionFulfil)
	a("POST /api/v1/redemptions/{order}/cancel", auth.RedeemManage, s.apiRedemptionCancel)
	a("GET /api/v1/members/{member}/redemptions", auth.PointsRead, s.apiMemberRedemptions)
	a("POST /api/v1/members/{member}/redemptions", auth.RedeemManage, s.apiMemberRedeem)
	a("GET /api/v1/tiers", auth.MemberRead, s.apiTierList)
	a("PUT /api/v1/tiers/period", auth.TierApprove, s.apiTierPeriod)
	a("PATCH /api/v1/tiers/{tier}", auth.TierApprove, s.apiTierUpdate)
	a("GET /api/v1/tier-changes", auth.TierApprove, s.apiTierChanges)
	a("POST /api/v1/tier-changes/{change}/decision", auth.TierApprove, s.apiTierDecide)

	c("GET /sms/outbox", auth.AuditRead, s.smsOutbox)

	// The member portal: members' own sessions, never a staff one.
	p := func(pat string, perm auth.Permission, h http.HandlerFunc) { s.handle(Portal, pat, perm, h) }
	p("GET /m", portalPublic, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/m/", http.StatusMovedPermanently) })
	p("GET /m/{$}", portalMember, s.mHome)
	p("GET /m/login", portalPublic, s.mLogin)
	p("POST /m/login/code", portalPublic, s.mLoginCode)
	p("POST /m/login", portalPublic, s.mLoginSubmit)
	p("POST /m/logout", portalSignedIn, s.mLogout)
	p("GET /m/join", portalSignedIn, s.mJoin)
	p("POST /m/join", portalSignedIn, s.mJoinSubmit)
	p("GET /m/card", portalMember, s.mCard)
	p("GET /m/card/qr.svg", portalMember, s.mCardQR)
	p("GET /m/points", portalMember, s.mPoints)
	p("GET /m/rewards", portalMember, s.mRewards)
	p("POST /m/rewards/{item}", portalMember, s.mRedeem)
	p("GET /m/orders/{order}", portalMember, s.mOrderShow)
	p("POST /m/orders/{order}/cancel", portalMember, s.mOrderCancel)
	p("GET /m/profile", portalMember, s.mProfile)
	p("POST /m/profile", portalMember, s.mProfileUpdate)
	p("POST /m/profile/privacy", portalMember, s.mPrivacyRequest)
	p("GET /m/requests", portalMember, s.mRequests)
	p("POST /m/requests", portalMember, s.mRequestSubmit)
	p("GET /m/requests/{request}", portalMember, s.mRequestShow)
	p("GET /m/requests/{request}/photos/{photo}", portalMember, s.mRequestPhoto)

	// Unknown API paths answer JSON, not the console's HTML.
	s.mux.Handle("/api/", s.guard(API, auth.Public, func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, notFoundErr)
	}))
}
