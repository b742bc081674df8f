// Package schedule declares the periodic jobs of the service (定时任务):
// the one list River runs them from and the admin page shows. To add one,
// append a jobs.Periodic to List: a stable name, what it does in Chinese
// and English, when it runs (jobs.Every or jobs.Daily in the club's zone)
// and a func that is safe to run twice and says how many things it
// handled.
package schedule

import (
	"context"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/memberauth"
	"estateclub/internal/points"
	"estateclub/internal/request"
)

// Deps are the services the periodic jobs call.
type Deps struct {
	Auth       *auth.Service
	MemberAuth *memberauth.Service
	Leads      *lead.Service
	Points     *points.Service
	Jobs       *jobs.Queue
	Requests   *request.Service
	Events     *event.Service
	Zone       *time.Location // the club's time zone, for daily jobs
}

// housekeeping is how often the small clean-ups run.
const housekeeping = 10 * time.Minute

// List is every periodic job, in the order the admin page shows them.
func List(d Deps) []jobs.Periodic {
	return []jobs.Periodic{
		{Name: "lead.pool_return", ZH: "将久未跟进的线索退回项目公共池", EN: "Return leads without follow-up to their project's pool",
			When: jobs.Daily(2, 0, d.Zone), Run: func(ctx context.Context) (int64, error) {
				rep, err := d.Leads.ReturnToPool(ctx)
				if rep == nil {
					return 0, err
				}
				return int64(rep.Returned), err
			}},
		{Name: "lead.post_waiting_points", ZH: "补发等待中的成交积分", EN: "Post the points of deals waiting for their buyer's approval",
			When: jobs.Every(housekeeping), Run: func(ctx context.Context) (int64, error) {
				n, err := d.Leads.PostWaitingPoints(ctx)
				return int64(n), err
			}},
		{Name: "points.report_rollup", ZH: "汇总积分计划效用报表的新记账", EN: "Fold new postings into the plan report's rollup",
			When: jobs.Every(housekeeping), Run: func(ctx context.Context) (int64, error) {
				r, err := d.Points.AdvanceReport(ctx)
				return int64(r.Postings), err
			}},
		{Name: "auth.purge_sessions", ZH: "清理已结束的员工登录会话", EN: "Delete ended staff sessions",
			When: jobs.Every(housekeeping), Run: d.Auth.PurgeSessions},
		{Name: "memberauth.purge", ZH: "清理已结束的会员会话和过期验证码", EN: "Delete ended member sessions and old login codes",
			When: jobs.Every(housekeeping), Run: func(ctx context.Context) (int64, error) {
				sessions, codes, err := d.MemberAuth.Purge(ctx)
				return sessions + codes, err
			}},
		{Name: "jobs.purge_files", ZH: "删除超过保留期限的任务文件", EN: "Delete job files past their retention period",
			When: jobs.Every(housekeeping), Run: func(ctx context.Context) (int64, error) {
				p, err := d.Jobs.Purge(ctx)
				return int64(p.Outputs + p.Inputs + p.Pending), err
			}},
		{Name: "event.advance", ZH: "截止过期活动的报名，标记已结束的活动为已举办", EN: "Close registration of events past their deadline and mark ended events held",
			When: jobs.Every(5 * time.Minute), Run: func(ctx context.Context) (int64, error) {
				n, err := d.Events.Advance(ctx)
				return int64(n), err
			}},
		{Name: "event.award_pending", ZH: "补发等待中的活动签到积分", EN: "Post attendance points still waiting (member approved since, budget raised)",
			When: jobs.Every(housekeeping), Run: func(ctx context.Context) (int64, error) {
				n, err := d.Events.AwardPending(ctx)
				return int64(n), err
			}},
		{Name: "request.escalate", ZH: "将超过响应或办结时限的诉求升级给主管", EN: "Escalate requests past their response or resolution due time to supervisors",
			When: jobs.Every(5 * time.Minute), Run: func(ctx context.Context) (int64, error) {
				n, err := d.Requests.Escalate(ctx)
				return int64(n), err
			}},
		{Name: "request.seal_legacy", ZH: "加密早期以明文保存的诉求内容、附件和附件名", EN: "Seal request texts, files and file names stored in clear before sealing",
			When: jobs.Every(housekeeping), Run: func(ctx context.Context) (int64, error) {
				n, err := d.Requests.SealLegacy(ctx)
				return int64(n), err
			}},
		{Name: "request.close_resolved", ZH: "自动关闭会员未确认的已办结诉求", EN: "Close resolved requests the member has not confirmed",
			When: jobs.Daily(3, 0, d.Zone), Run: func(ctx context.Context) (int64, error) {
				n, err := d.Requests.CloseResolved(ctx)
				return int64(n), err
			}},
	}
}
