package console

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/web"
)

func (s *handler) expiryPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	d, err := s.ExpiryData(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "expiry.title"), Nav: "plans", Data: d}
	for _, run := range d.Runs {
		if run.Running() {
			pg.Refresh = 2
		}
	}
	if ferr != nil {
		s.FormError(w, r, "expiry", pg, ferr)
		return
	}
	s.Render(w, r, status, "expiry", pg)
}

func (s *handler) pointExpiry(w http.ResponseWriter, r *http.Request) {
	s.expiryPage(w, r, http.StatusOK, nil)
}

func (s *handler) expirySettings(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.PlanApprove); err != nil {
		s.Fail(w, r, err)
		return
	}
	years, err := web.ParseYears("years", r.PostFormValue("years"))
	if err == nil {
		err = s.Points.SetExpiryYears(r.Context(), years)
	}
	if err != nil {
		s.expiryPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/points/expiry", "flash.saved")
}

func (s *handler) expiryRunStart(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.PlanApprove); err != nil {
		s.Fail(w, r, err)
		return
	}
	year, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	if err != nil {
		err = apperr.Field("year", "请填写年份", "enter the year")
	} else {
		_, err = s.EnqueueExpiry(r, year, r.PostFormValue("dry_run") != "")
	}
	if err != nil {
		if e := apperr.As(err); e.Code == apperr.Forbidden || e.Code == apperr.NotFound {
			s.Fail(w, r, err)
			return
		}
		s.expiryPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/points/expiry", "flash.expiry_queued")
}
