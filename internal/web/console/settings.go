package console

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/web"
)

// settingsPageData is the system settings (系统设置) an admin changes.
type settingsPageData struct {
	RetentionDays int
	MaxDays       int
}

func (s *handler) settingsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	days, err := s.Jobs.RetentionDays(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if v := r.PostFormValue("retention_days"); ferr != nil && v != "" {
		days, _ = strconv.Atoi(v) // show what was typed
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "settings.title"), Nav: "settings",
		Data: settingsPageData{RetentionDays: days, MaxDays: jobs.MaxRetentionDays}}
	if ferr != nil {
		s.FormError(w, r, "settings", pg, ferr)
		return
	}
	s.Render(w, r, status, "settings", pg)
}

func (s *handler) settings(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.settingsPage(w, r, http.StatusOK, nil)
}

// settingsSave changes how long job output files (error reports) are kept.
func (s *handler) settingsSave(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("retention_days")))
	if err != nil {
		err = apperr.Field("retention_days", "请填写天数", "enter a number of days")
	} else {
		err = s.Jobs.SetRetentionDays(r.Context(), days)
	}
	if err != nil {
		s.settingsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/settings", "flash.saved")
}
