package main

import (
	"context"
	"log/slog"
	"time"

	"estateclub/internal/web"
)

// runJobs runs the periodic housekeeping. Each job is idempotent, so two
// servers running it at once do no harm.
func runJobs(ctx context.Context, srv *web.Server, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := srv.Auth().PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("job purge_sessions failed", "err", err)
		} else if n > 0 {
			log.Info("job purge_sessions", "deleted", n)
		}
		if sessions, codes, err := srv.MemberAuth().Purge(ctx); err != nil && ctx.Err() == nil {
			log.Warn("job purge_member_sessions failed", "err", err)
		} else if sessions+codes > 0 {
			log.Info("job purge_member_sessions", "sessions", sessions, "codes", codes)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
