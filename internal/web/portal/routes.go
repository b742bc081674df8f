// Package portal is the member portal (会员之家) under /m/: mobile-first
// HTML pages for members, signed in by a code sent to their mobile, never a
// staff session. Its route table is routes.go.
package portal

import (
	"net/http"

	"estateclub/internal/web"
)

// Routes is the portal's route table: every URL with the permission that guards it.
func Routes(s *web.Server) []web.Route {
	h := &handler{s}
	t := web.NewTable(web.Portal)
	t.Add("GET /m", web.PortalPublic, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/m/", http.StatusMovedPermanently) })
	t.Add("GET /m/{$}", web.PortalMember, h.mHome)
	t.Add("GET /m/login", web.PortalPublic, h.mLogin)
	t.Add("POST /m/login/code", web.PortalPublic, h.mLoginCode)
	t.Add("POST /m/login", web.PortalPublic, h.mLoginSubmit)
	t.Add("POST /m/logout", web.PortalSignedIn, h.mLogout)
	t.Add("GET /m/join", web.PortalSignedIn, h.mJoin)
	t.Add("POST /m/join", web.PortalSignedIn, h.mJoinSubmit)
	t.Add("GET /m/card", web.PortalMember, h.mCard)
	t.Add("GET /m/card/qr.svg", web.PortalMember, h.mCardQR)
	t.Add("GET /m/points", web.PortalMember, h.mPoints)
	t.Add("GET /m/rewards", web.PortalMember, h.mRewards)
	t.Add("POST /m/rewards/{item}", web.PortalMember, h.mRedeem)
	t.Add("GET /m/orders/{order}", web.PortalMember, h.mOrderShow)
	t.Add("POST /m/orders/{order}/cancel", web.PortalMember, h.mOrderCancel)
	t.Add("GET /m/profile", web.PortalMember, h.mProfile)
	t.Add("POST /m/profile", web.PortalMember, h.mProfileUpdate)
	t.Add("POST /m/profile/privacy", web.PortalMember, h.mPrivacyRequest)
	t.Add("GET /m/requests", web.PortalMember, h.mRequests)
	t.AddUpload("POST /m/requests", web.PortalMember, web.UploadLimit, h.mRequestSubmit)
	t.Add("GET /m/requests/{request}", web.PortalMember, h.mRequestShow)
	t.Add("GET /m/requests/{request}/files/{file}", web.PortalMember, h.mRequestFile)
	// Requests (诉求): the member's steps on their own request.
	t.AddUpload("POST /m/requests/{request}/replies", web.PortalMember, web.UploadLimit, h.mRequestReply)
	t.Add("POST /m/requests/{request}/confirm", web.PortalMember, h.mRequestConfirm)
	t.Add("POST /m/requests/{request}/reopen", web.PortalMember, h.mRequestReopen)
	t.Add("GET /m/requests/{request}/copy", web.PortalMember, h.mRequestCopy)
	// Events (活动): the events published to the member, their own, one
	// event with registration and cancellation.
	t.Add("GET /m/events", web.PortalMember, h.mEvents)
	t.Add("GET /m/events/mine", web.PortalMember, h.mMyEvents)
	t.Add("GET /m/events/{event}", web.PortalMember, h.mEventShow)
	t.Add("POST /m/events/{event}/register", web.PortalMember, h.mEventRegister)
	t.Add("POST /m/events/{event}/cancel", web.PortalMember, h.mEventCancel)
	// surveys (问卷)
	t.Add("GET /m/surveys", web.PortalMember, h.mSurveys)
	t.Add("GET /m/surveys/{invite}", web.PortalMember, h.mSurveyShow)
	t.Add("POST /m/surveys/{invite}", web.PortalMember, h.mSurveyAnswer)
	t.Add("GET /m/s/{token}", web.PortalPublic, h.mLink)
	t.Add("POST /m/s/{token}", web.PortalPublic, h.mLinkAnswer)
	return t.Routes()
}

// handler serves the portal's routes with the server's services.
type handler struct{ *web.Server }
