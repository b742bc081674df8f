package main

import (
	"context"
	"log/slog"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/web"
)

// runJobs runs the periodic housekeeping. Each job is idempotent, so two
// servers running it at once do no harm.
func runJobs(ctx context.Context, srv *web.Server, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := srv.Auth.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("job purge_sessions failed", "err", err)
		} else if n > 0 {
			log.Info("job purge_sessions", "deleted", n)
		}
		if sessions, codes, err := srv.MemberAuth.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Warn("job purge_member_sessions failed", "err", err)
		} else if sessions+codes > 0 {
			log.Info("job purge_member_sessions", "sessions", sessions, "codes", codes)
		}
		runLeadJobs(ctx, srv, log)
		if r, err := srv.Points.AdvanceReport(ctx); err != nil && ctx.Err() == nil {
			log.Warn("job points.report_rollup failed", "err", err)
		} else if r.Postings > 0 {
			log.Info("job points.report_rollup", "postings", r.Postings, "mark", r.Mark)
		}
		if p, err := srv.Jobs.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Warn("job purge_job_files failed", "err", err)
		} else if p.Outputs+p.Inputs+p.Pending > 0 {
			log.Info("job purge_job_files", "outputs", p.Outputs, "inputs", p.Inputs, "pending", p.Pending)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runLeadJobs returns neglected leads to their projects' pools and posts
// the points of deals whose buyer has been approved since. Both are safe
// to run again and at once.
func runLeadJobs(ctx context.Context, srv *web.Server, log *slog.Logger) {
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "system"})
	if rep, err := srv.Leads.ReturnToPool(ctx); err != nil && ctx.Err() == nil {
		log.Warn("job lead.pool_return failed", "err", err)
	} else if rep != nil && rep.Returned > 0 {
		log.Info("job lead.pool_return", "returned", rep.Returned)
	}
	if n, err := srv.Leads.PostWaitingPoints(ctx); err != nil && ctx.Err() == nil {
		log.Warn("job lead.post_waiting_points failed", "err", err)
	} else if n > 0 {
		log.Info("job lead.post_waiting_points", "posted", n)
	}
}
