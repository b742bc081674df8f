package schedule_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/event"
	"estateclub/internal/filestore"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/request"
	"estateclub/internal/schedule"
	"estateclub/internal/sms"
)

// Every declared periodic job is well formed and its func, wired to real
// services, runs without error on a fresh database of each engine, twice
// in a row (the second finds nothing to do).
func TestEveryPeriodicJobRuns(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		keys, err := pii.NewKeys(bytes.Repeat([]byte{7}, pii.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		members := &member.Service{DB: d, Keys: keys}
		pts := &points.Service{DB: d, Members: members}
		q := &jobs.Queue{DB: d, Files: &filestore.Store{DB: d, Keys: keys}}
		s := &jobs.Scheduler{Queue: q, Jobs: schedule.List(schedule.Deps{Auth: auth.NewService(d),
			MemberAuth: &memberauth.Service{DB: d, Keys: keys, SMS: &sms.Service{DB: d, Keys: keys, Provider: sms.Outbox{}}, Members: members},
			Leads:      &lead.Service{DB: d, Keys: keys, Members: members, Points: pts}, Points: pts, Jobs: q,
			Requests: &request.Service{DB: d, Keys: keys}, Events: &event.Service{DB: d, Keys: keys, Members: members, Points: pts},
			Zone: time.UTC})}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "system"})
		for _, p := range s.Jobs {
			for run := 1; run <= 2; run++ {
				if n, err := p.Run(ctx); err != nil || run == 2 && n != 0 {
					t.Errorf("%s, run %d: handled %d, %v", p.Name, run, n, err)
				}
			}
		}
	})
}
