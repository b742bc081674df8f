package demo

import (
	"context"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/request"
)

// The demo year: how many requests, when, and how each goes.
const (
	reqYear   = 270 // spread over the year
	reqRecent = 36  // in the last three weeks, for a lively queue
)

// plan lays out the year to now: the requests' steps, the escalation job
// twice a day and the closing job every night.
func (w *reqWorld) plan(ctx context.Context, now time.Time, portal int64) []reqStep {
	cst := china()
	start := now.AddDate(-1, 0, 0)
	var steps []reqStep
	add := func(t0 time.Time, code string, member int64, t reqTopic, p reqPlan) {
		city := code[:2]
		c := &reqCase{w: w, ctx: ctx, city: city, project: code, member: member, topic: t}
		steps = append(steps, c.steps(t0, p)...)
	}
	random := func(t0 time.Time) {
		code := w.place()
		add(t0, code, w.pick(code, t0), w.topicAt(t0), w.randomPlan())
	}
	for i := range reqYear {
		t0 := start.Add(time.Duration(i) * 365 * 24 * time.Hour / reqYear)
		random(w.daytime(t0, cst))
	}
	for i := range reqRecent {
		t0 := now.Add(-21 * 24 * time.Hour).Add(time.Duration(i) * 21 * 24 * time.Hour / reqRecent)
		random(w.daytime(t0, cst))
	}
	topic := func(sub request.Subkind, name string) reqTopic {
		for _, t := range reqTopics {
			if t.sub == sub && t.topic == name {
				return t
			}
		}
		return reqTopics[0]
	}
	// Left alone: a property complaint for three days (escalated twice), a
	// correction since yesterday (once), a suggestion nobody took yet.
	add(now.Add(-75*time.Hour), "SH-MH", w.pick("SH-MH", now.Add(-75*time.Hour)), topic(request.SubProperty, "电梯故障"), reqPlan{respond: 200, resolve: 10})
	add(now.Add(-20*time.Hour), "HZ-XH", w.pick("HZ-XH", now.Add(-20*time.Hour)), topic(request.SubPoints, "积分未到账"), reqPlan{respond: 200, resolve: 10})
	add(now.Add(-5*time.Hour), "GZ-TH", w.pick("GZ-TH", now.Add(-5*time.Hour)), topic(request.SubOther, ""), reqPlan{respond: 20, resolve: 30})
	// The portal's member: a leak fixed in the summer, a suggestion waiting
	// for her answer, a complaint resolved yesterday she may confirm or reopen.
	add(now.AddDate(0, 0, -60), "SH-PD", portal, topic(request.SubProperty, "漏水"), reqPlan{respond: 1, note: true, resolve: 20, confirm: 6, rate: 5})
	add(now.Add(-70*time.Hour), "SH-PD", portal, topic(request.SubEvents, "亲子活动"), reqPlan{respond: 3, wait: -1, resolve: 500})
	add(now.Add(-40*time.Hour), "SH-PD", portal, topic(request.SubService, "活动报名"), reqPlan{respond: 1, resolve: 16})

	sys := db.WithActor(ctx, db.Actor{Kind: "system", Login: "schedule"})
	day := time.Date(start.In(cst).Year(), start.In(cst).Month(), start.In(cst).Day(), 0, 0, 0, 0, cst)
	for ; day.Before(now); day = day.AddDate(0, 0, 1) {
		steps = append(steps, reqStep{day.Add(3 * time.Hour), func() error { _, err := w.svc.CloseResolved(sys); return err }})
		for _, h := range []time.Duration{9, 21} {
			steps = append(steps, reqStep{day.Add(h * time.Hour), func() error { _, err := w.svc.Escalate(sys); return err }})
		}
	}
	// The job runs every few minutes: whatever is late by now is escalated.
	steps = append(steps, reqStep{now.Add(-time.Minute), func() error { _, err := w.svc.Escalate(sys); return err }})
	return steps
}

// daytime moves t to between 08:00 and 22:00 China time, the same day.
func (w *reqWorld) daytime(t time.Time, cst *time.Location) time.Time {
	l := t.In(cst)
	return time.Date(l.Year(), l.Month(), l.Day(), 8+w.rng.IntN(14), w.rng.IntN(60), 0, 0, cst)
}

// place is where a request comes from: a project mostly, a city's own
// member now and then.
func (w *reqWorld) place() string {
	c := reqCities[w.rng.IntN(len(reqCities))]
	if w.rng.IntN(8) == 0 && len(w.members[c.code]) > 0 {
		return c.code
	}
	return c.projects[w.rng.IntN(len(c.projects))]
}

// topicAt draws what a member writes about, leaks and noise more in summer.
func (w *reqWorld) topicAt(t time.Time) reqTopic {
	summer := t.Month() >= time.June && t.Month() <= time.August
	total := 0
	weight := func(x reqTopic) int {
		if summer && x.summer {
			return x.weight * 3
		}
		return x.weight
	}
	for _, x := range reqTopics {
		total += weight(x)
	}
	n := w.rng.IntN(total)
	for _, x := range reqTopics {
		if n -= weight(x); n < 0 {
			return x
		}
	}
	return reqTopics[0]
}

// randomPlan draws how a request goes: mostly answered within hours and
// resolved within its due time; some neglected, late, transferred, waiting,
// reopened, duplicated, rated badly.
func (w *reqWorld) randomPlan() reqPlan {
	r := w.rng
	p := reqPlan{respond: 0.3 + r.Float64()*3.2, resolve: 3 + r.Float64()*27}
	switch n := r.IntN(100); {
	case n < 4:
		p.respond = 21 + r.Float64()*10 // escalated twice
	case n < 9:
		p.respond = 5 + r.Float64()*4 // escalated once, if the job ran meanwhile
	}
	if r.IntN(10) == 0 {
		p.resolve = 45 + r.Float64()*35 // late
	}
	p.assign = r.IntN(4) == 0
	p.transfer = r.IntN(14) == 0
	p.note = r.IntN(3) == 0
	if r.IntN(7) == 0 {
		p.wait = 4 + r.Float64()*36
		if r.IntN(10) == 0 {
			p.wait = -1
		}
	}
	p.reopen = r.IntN(16) == 0
	p.dup = r.IntN(25) == 0
	if r.IntN(5) < 2 {
		p.confirm = 3 + r.Float64()*45
	}
	if r.IntN(20) < 13 {
		p.rate = []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 3, 3, 2, 2, 1}[r.IntN(20)]
	}
	return p
}
