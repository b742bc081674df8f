package demo

import (
	"context"
	"fmt"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
)

// The PIPL requests (个人信息权利) of the demo, handled through the privacy
// service wired as the server wires it (privacy.Wire): the portal's member
// got her data copy, ready to download in the portal; another member's copy
// is being prepared; one account deletion waits for a supervisor's
// approval; and one was approved by 陈伟 (sh.supervisor), that member
// anonymised. Their members file nothing else in the demo year: a deleted
// member files no later request.

// piplMembers are the members of the PIPL requests besides the portal's.
type piplMembers struct {
	copyOpen, deletionWaiting, deleted int64
}

// Texts of the PIPL requests, as members write them.
const (
	piplCopyText     = "根据《个人信息保护法》，请提供贵会保存的我的全部个人信息副本。"
	piplDeletionText = "我已不再需要会员服务，请注销我的会员账户并删除我的个人信息。"
)

// reservePIPL takes the PIPL requests' members out of the pools the year's
// requests pick from: Shanghai members who joined over a month before now.
func (w *reqWorld) reservePIPL(now time.Time) (piplMembers, error) {
	take := func(code string) (int64, error) {
		ms := w.members[code]
		for i := len(ms) - 1; i >= 0 && len(ms) > 10; i-- {
			if ms[i].joined.Before(now.AddDate(0, -1, 0)) {
				w.members[code] = append(ms[:i:i], ms[i+1:]...)
				return ms[i].id, nil
			}
		}
		return 0, fmt.Errorf("demo PIPL requests: no member of %s to spare", code)
	}
	var p piplMembers
	var err error
	if p.copyOpen, err = take("SH-PD"); err != nil {
		return p, err
	}
	if p.deletionWaiting, err = take("SH-PD"); err != nil {
		return p, err
	}
	p.deleted, err = take("SH-MH")
	return p, err
}

// piplSteps are the PIPL requests' moments, before now.
func (w *reqWorld) piplSteps(ctx context.Context, now time.Time, portal int64, p piplMembers) ([]reqStep, error) {
	rel := w.staff["sh.relations"]
	approver, err := auth.NewService(w.d).StaffByLogin(ctx, "sh.supervisor")
	if err != nil {
		return nil, fmt.Errorf("demo PIPL approver: %w", err)
	}
	var steps []reqStep
	as := func(st *auth.Staff) context.Context {
		return db.WithActor(ctx, db.Actor{Kind: "staff", ID: st.ID, Login: st.Login})
	}
	member := func(id int64) context.Context {
		return db.WithActor(ctx, db.Actor{Kind: "member", ID: id, Login: fmt.Sprint("member#", id)})
	}
	// play plays one PIPL request submitted at t0 and taken an hour
	// later; then adds its further steps (hours after t0).
	play := func(t0 time.Time, memberID int64, sub request.Subkind, ch request.Channel, text string, then map[float64]func(r *request.Request) error) {
		var r *request.Request
		steps = append(steps, reqStep{t0, func() (err error) {
			r, err = w.svc.Submit(member(memberID), request.NewRequest{MemberID: memberID, Kind: request.Privacy, Subkind: sub, Channel: ch, Text: text})
			return err
		}}, reqStep{t0.Add(time.Hour), func() error {
			_, err := w.svc.Take(as(rel), r.ID, rel.ID, nil)
			return err
		}})
		for h, fn := range then {
			steps = append(steps, reqStep{t0.Add(hours(h)), func() error { return fn(r) }})
		}
	}
	reply := func(body string, internal bool) func(r *request.Request) error {
		return func(r *request.Request) error {
			_, err := w.svc.Reply(as(rel), r.ID, rel.ID, request.Reply{Body: body, Internal: internal}, nil)
			return err
		}
	}
	// The portal's member: her copy was made three days ago.
	play(now.Add(-98*time.Hour), portal, request.SubDataCopy, request.Portal, piplCopyText, map[float64]func(*request.Request) error{
		3: func(r *request.Request) error { _, err := w.svc.MakeCopy(as(rel), r.ID, rel.ID, nil); return err },
	})
	// Another member's copy, asked for this morning, is being prepared.
	play(now.Add(-5*time.Hour), p.copyOpen, request.SubDataCopy, request.Portal, piplCopyText, map[float64]func(*request.Request) error{
		1.5: reply("您好，我们已收到您的个人信息副本申请，将在 15 个工作日内为您生成，届时请在会员中心下载。", false),
	})
	// A deletion asked for by phone yesterday waits for a supervisor.
	play(now.Add(-28*time.Hour), p.deletionWaiting, request.SubAccountDeletion, request.Phone, piplDeletionText, map[float64]func(*request.Request) error{
		1.5: reply("您好，已收到您的注销申请。注销后积分、会员卡和权益将一并失效，主管审批后我们会删除您的个人信息。", false),
		2:   reply("已电话回访核实为会员本人，提交主管审批。", true),
	})
	// A deletion approved last week: that member is anonymised.
	play(now.Add(-9*24*time.Hour), p.deleted, request.SubAccountDeletion, request.Portal, piplDeletionText, map[float64]func(*request.Request) error{
		2: reply("您好，已核实您的身份，注销申请已提交主管审批。", false),
		26: func(r *request.Request) error {
			_, err := w.svc.ApproveDeletion(as(approver), r.ID, approver.ID, request.ScopeOf(auth.RequestApprove, approver.Grants))
			return err
		},
	})
	return steps, nil
}
