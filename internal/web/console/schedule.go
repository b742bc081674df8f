package console

import (
	"net/http"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/web"
)

// scheduleRow is one periodic job as the admin page shows it.
type scheduleRow struct {
	jobs.PeriodicStatus
	Label, When string
}

// schedule lists the periodic jobs (定时任务): what each does, when it
// runs, its last run and outcome, when it runs next, its failures of the
// last week with the latest error, and a button to run it now.
func (s *handler) schedule(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	list, err := s.Schedule.Status(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	rows := make([]scheduleRow, len(list))
	for i, st := range list {
		zh, en := st.When.Describe()
		rows[i] = scheduleRow{PeriodicStatus: st, Label: st.ZH, When: zh}
		if lang != "zh-CN" {
			rows[i].Label, rows[i].When = st.EN, en
		}
	}
	s.Render(w, r, http.StatusOK, "schedule", web.Page{Title: s.Cat.T(lang, "schedule.title"), Nav: "schedule",
		Data: map[string]any{"Rows": rows, "FailureDays": int(jobs.FailureWindow / (24 * time.Hour))}})
}

// scheduleRunNow queues a run of a periodic job at once; a second click
// before it ends queues nothing.
func (s *handler) scheduleRunNow(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	queued, err := s.Schedule.RunNow(r.Context(), r.PathValue("task"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	flash := "schedule.queued"
	if !queued {
		flash = "schedule.already_queued"
	}
	web.Redirect(w, r, "/schedule", flash)
}

// periodicLabel is a periodic job's words in the language (the audit log
// names a run asked for by hand by them).
func (s *handler) periodicLabel(lang, name string) (string, bool) {
	for _, p := range s.Schedule.Jobs {
		if p.Name == name {
			if lang == "zh-CN" {
				return p.ZH, true
			}
			return p.EN, true
		}
	}
	return "", false
}
