package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
	"estateclub/internal/survey"
)

// reqPlan is how one request goes, in hours.
type reqPlan struct {
	respond  float64 // submission to the first answer
	assign   bool    // the department's head assigns it instead of its staff taking it
	transfer bool    // sent on to another department after the first answer
	note     bool    // an internal note
	wait     float64 // asks the member, who answers this much later (-1: never; 0: no question)
	resolve  float64 // the first answer (or the member's) to resolution
	reopen   bool    // the member reopens it the next day; it is resolved again
	confirm  float64 // resolution to the member's confirmation (0: the daily job closes it)
	rate     int     // the member's rating (0: none)
	dup      bool    // a neighbour files the same; merged into this one
}

// reqCase is one request being played.
type reqCase struct {
	w       *reqWorld
	ctx     context.Context
	city    string
	project string // or the city, for a member of the city
	member  int64
	topic   reqTopic
	r       *request.Request
	handler *auth.Staff
}

func (c *reqCase) staffCtx(st *auth.Staff) context.Context {
	return db.WithActor(c.ctx, db.Actor{Kind: "staff", ID: st.ID, Login: st.Login})
}

func (c *reqCase) memberCtx(id int64) context.Context {
	return db.WithActor(c.ctx, db.Actor{Kind: "member", ID: id, Login: fmt.Sprint("member#", id)})
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// steps are the case's moments from its submission at t0.
func (c *reqCase) steps(t0 time.Time, p reqPlan) []reqStep {
	svc := c.w.svc
	var out []reqStep
	at := func(h float64, fn func() error) { out = append(out, reqStep{t0.Add(hours(h)), fn}) }
	at(0, func() (err error) {
		ch := c.topic.channel
		if ch == "" {
			ch = []request.Channel{request.Portal, request.Portal, request.Phone, request.Site, request.Email}[c.w.rng.IntN(5)]
		}
		c.r, err = svc.Submit(c.memberCtx(c.member), request.NewRequest{MemberID: c.member, Kind: c.topic.kind, Subkind: c.topic.sub,
			Channel: ch, Text: c.topic.text})
		c.handler = c.w.handlerOf(c.r, c.city)
		return err
	})
	if p.dup {
		var dup *request.Request
		other := c.w.pick(c.project, t0)
		at(0.5, func() (err error) {
			dup, err = svc.Submit(c.memberCtx(other), request.NewRequest{MemberID: other, Kind: c.topic.kind, Subkind: c.topic.sub,
				Channel: request.Phone, Text: c.topic.text})
			return err
		})
		at(1, func() error {
			_, err := svc.Merge(c.staffCtx(c.handler), dup.ID, c.r.ID, c.handler.ID, nil)
			return err
		})
	}
	h := p.respond
	at(h-0.2, func() (err error) {
		if p.assign && c.r.DepartmentID != nil && slices.Contains(c.w.depts[*c.r.DepartmentID].staff, c.handler) {
			head := c.w.depts[*c.r.DepartmentID].staff[0]
			_, err = svc.Assign(c.staffCtx(head), c.r.ID, c.handler.ID, nil)
			return err
		}
		_, err = svc.Take(c.staffCtx(c.handler), c.r.ID, c.handler.ID, nil)
		return err
	})
	at(h, func() error {
		return c.reply("您好，您反映的问题已收到，我们正在安排处理，请留意后续回复。", false, false)
	})
	if p.note {
		at(h+0.5, func() error { return c.reply("已联系现场负责人，约定明天上门查看。", true, false) })
	}
	if p.transfer {
		h++
		at(h, func() error {
			to := c.w.byCity[c.city]["engineering"]
			if c.r.DepartmentID != nil && *c.r.DepartmentID == to {
				to = c.w.byCity[c.city]["customer_relations"]
			}
			r, err := svc.Transfer(c.staffCtx(c.handler), c.r.ID, to, "需要专业部门跟进处理", nil, nil)
			if err == nil {
				c.r, c.handler = r, c.w.handlerOf(r, c.city)
				_, err = svc.Take(c.staffCtx(c.handler), r.ID, c.handler.ID, nil)
			}
			return err
		})
	}
	if p.wait != 0 {
		h += 0.8
		at(h, func() error {
			return c.reply("为便于处理，请补充具体楼栋、房号以及方便上门的时间。", false, true)
		})
		if p.wait > 0 {
			h += p.wait
			at(h, func() error {
				_, err := svc.MemberReply(c.memberCtx(c.member), c.r.ID, c.member, "3 栋 2 单元，工作日晚上七点以后家里有人。")
				return err
			})
		}
	}
	h += p.resolve
	at(h, func() error { return c.resolve() })
	if p.reopen {
		h += 18
		at(h, func() error {
			_, err := svc.Reopen(c.memberCtx(c.member), c.r.ID, c.member, "问题又出现了，麻烦再安排人看一下。", nil)
			return err
		})
		at(h+2, func() error { return c.reply("非常抱歉，已重新安排师傅上门复查。", false, false) })
		h += 26
		at(h, func() error { return c.resolve() })
	}
	if p.rate > 0 {
		at(h+2+c.w.rng.Float64()*28, func() error {
			return c.w.rate(c.memberCtx(c.member), c.member, c.r.ID, p.rate)
		})
	}
	if p.confirm > 0 {
		at(h+p.confirm, func() error { _, err := svc.Confirm(c.memberCtx(c.member), c.r.ID, c.member); return err })
	}
	return out
}

func (c *reqCase) reply(body string, internal, wait bool) error {
	_, err := c.w.svc.Reply(c.staffCtx(c.handler), c.r.ID, c.handler.ID, request.Reply{Body: body, Internal: internal, Wait: wait}, nil)
	return err
}

func (c *reqCase) resolve() error {
	topic := c.topic.topic
	if c.w.rng.IntN(5) == 0 {
		topic = "" // not every handler sets one: the report counts these by subkind
	}
	_, err := c.w.svc.Resolve(c.staffCtx(c.handler), c.r.ID, c.handler.ID, "已安排处理完毕，感谢您的反馈。如仍有问题，欢迎随时联系我们。", topic, nil)
	return err
}

// handlerOf is who handles a request: the first staff member of its
// department, else the city's customer relations.
func (w *reqWorld) handlerOf(r *request.Request, city string) *auth.Staff {
	if r.DepartmentID != nil {
		if d := w.depts[*r.DepartmentID]; d != nil {
			// The last of the department's staff who may see the request:
			// property staff see only their projects' property complaints.
			for i := len(d.staff) - 1; i >= 0; i-- {
				if seesRequest(d.staff[i], r) {
					return d.staff[i]
				}
			}
		}
	}
	for _, c := range reqCities {
		if c.code == city {
			return w.staff[c.relations]
		}
	}
	return w.staff["brand"]
}

// pick is a member of a project or city who had joined by t (any member
// of it when none had).
func (w *reqWorld) pick(code string, t time.Time) int64 {
	ms := w.members[code]
	var by []int64
	for _, m := range ms {
		if m.joined.Before(t) {
			by = append(by, m.id)
		}
	}
	if len(by) == 0 {
		return ms[w.rng.IntN(len(ms))].id
	}
	return by[w.rng.IntN(len(by))]
}

// rate answers the request's satisfaction survey as its member: the rating,
// and for a low one a comment.
func (w *reqWorld) rate(ctx context.Context, memberID, requestID int64, rating int) error {
	inv, err := w.surveys.InviteFor(ctx, memberID, "request", requestID)
	if err != nil || inv == nil {
		return err
	}
	sv, err := w.surveys.Get(ctx, inv.SurveyID)
	if err != nil {
		return err
	}
	answers := []survey.Answer{{QuestionID: sv.Questions[0].ID, Value: &rating}}
	if rating <= 2 && len(sv.Questions) > 1 {
		answers = append(answers, survey.Answer{QuestionID: sv.Questions[1].ID, Text: "处理太慢，希望下次能更快一些。"})
	}
	return w.surveys.Answer(ctx, inv.ID, memberID, answers)
}

// seesRequest reports whether st's grants reach r, as the console's request
// scope does.
func seesRequest(st *auth.Staff, r *request.Request) bool {
	return request.ScopeOf(auth.RequestRead, st.Grants).Allows(r)
}
