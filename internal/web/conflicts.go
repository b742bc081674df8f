package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// ConflictFilter reads the filters shared by the page and the API: job,
// status, page and per_page; the scope is where the caller may review.
func ConflictFilter(r *http.Request, job string) (member.ConflictFilter, Paging, error) {
	f := member.ConflictFilter{Within: Principal(r).Paths(auth.MemberReview)}
	pg, err := ReadPaging(r)
	if err != nil {
		return f, pg, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	if job != "" {
		if f.JobID, err = strconv.ParseInt(job, 10, 64); err != nil || f.JobID < 1 {
			return f, pg, apperr.Field("job", "导入任务编号不正确", "job must be a job id")
		}
	}
	switch st := member.ConflictStatus(r.URL.Query().Get("status")); st {
	case "", member.ConflictPending, member.ConflictApplied, member.ConflictDismissed:
		f.Status = st
	default:
		return f, pg, apperr.Field("status", "状态须为 pending、applied 或 dismissed", "status must be pending, applied or dismissed")
	}
	return f, pg, nil
}
