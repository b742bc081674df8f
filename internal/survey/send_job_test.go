package survey_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/filestore"
	"estateclub/internal/jobs"
	"estateclub/internal/survey"
	"estateclub/internal/testfix"
)

// progressLog records a job's progress reports.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (l *progressLog) wrap(h jobs.Handler) jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, input []byte, progress func(done, total int64)) (*jobs.Result, error) {
		return h(ctx, j, input, func(done, total int64) {
			l.mu.Lock()
			l.calls = append(l.calls, [2]int64{done, total})
			l.mu.Unlock()
			progress(done, total)
		})
	}
}

func TestSendJob(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s, p := newService(e)
		q := &jobs.Queue{DB: e.DB, Files: &filestore.Store{DB: e.DB, Keys: e.Keys}}
		log := &progressLog{}
		r := &jobs.Runner{Queue: q, Worker: "test", Handlers: map[string]jobs.Handler{survey.SendJobKind: log.wrap(s.SendJob())},
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		v := mustOpenSurvey(t, s, sample(e, "SH"))

		// More members than one batch invites; three consented to SMS.
		const n = 205
		var ids []int64
		var mobiles []string
		for i := range n {
			a := e.Application("SH-PD")
			a.Consent.SMS = i < 3
			ids = append(ids, e.Approve(t, a))
			mobiles = append(mobiles, a.Mobile)
		}
		draft, err := s.Create(ctx, sample(e, "SH"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = survey.NewSendJob(draft, ids, true, 0, "tester")
		testfix.WantCode(t, err, apperr.Conflict)
		_, err = survey.NewSendJob(v, nil, true, 0, "tester")
		testfix.WantCode(t, err, apperr.Invalid)

		send := func() (*jobs.Job, survey.SendResult) {
			t.Helper()
			nj, err := survey.NewSendJob(v, ids, true, 0, "tester")
			if err != nil {
				t.Fatal(err)
			}
			id, err := q.Enqueue(ctx, nj)
			if err != nil {
				t.Fatal(err)
			}
			// The job keeps ids only: nothing personal in its row.
			j, err := q.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mobiles[:3] {
				if strings.Contains(j.Params, m) || strings.Contains(j.FileName, m) {
					t.Fatalf("the job holds a mobile: %+v", j)
				}
			}
			log.calls = nil
			if ran, err := r.RunOne(ctx, []string{survey.SendJobKind}); err != nil || !ran {
				t.Fatalf("run: %v %v", ran, err)
			}
			if j, err = q.Get(ctx, id); err != nil || j.Status != jobs.Done {
				t.Fatalf("job %+v %v", j, err)
			}
			if j.Done != n || j.Total != n || j.Percent() != 100 {
				t.Fatalf("progress %d of %d", j.Done, j.Total)
			}
			want := [][2]int64{{0, n}, {200, n}, {n, n}}
			if len(log.calls) != len(want) {
				t.Fatalf("progress reports %v, want %v", log.calls, want)
			}
			for i := range want {
				if log.calls[i] != want[i] {
					t.Fatalf("progress reports %v, want %v", log.calls, want)
				}
			}
			var res survey.SendResult
			if err := json.Unmarshal([]byte(j.Result), &res); err != nil {
				t.Fatal(err)
			}
			if res != survey.SendResultOf(j) {
				t.Fatalf("SendResultOf %+v, result %+v", survey.SendResultOf(j), res)
			}
			return j, res
		}
		j, res := send()
		if res != (survey.SendResult{Invited: n, Texted: 3}) {
			t.Fatalf("first send %+v", res)
		}
		if p.all() != 3 {
			t.Fatalf("%d texts, want 3 (the consenting members only)", p.all())
		}
		for _, m := range mobiles[3:] {
			if len(p.texts(m)) != 0 {
				t.Fatalf("%s did not consent and got a text", m)
			}
		}
		sp, err := survey.SendParamsOf(j)
		if err != nil || sp != (survey.SendParams{SurveyID: v.ID, Text: true, Count: n, Login: "tester"}) {
			t.Fatalf("params %+v %v", sp, err)
		}
		// The input (the member ids) is deleted once the job ended.
		if c := e.Count(t, "SELECT count(*) FROM jobs WHERE id = ? AND input_file IS NULL", j.ID); c != 1 {
			t.Fatal("the job kept its input")
		}

		// A second run invites and texts nobody twice.
		_, res = send()
		if res != (survey.SendResult{Already: n}) {
			t.Fatalf("second send %+v", res)
		}
		if p.all() != 3 {
			t.Fatalf("%d texts after a second send, want 3", p.all())
		}
		if c := e.Count(t, "SELECT count(*) FROM survey_invites WHERE survey_id = ?", v.ID); c != n {
			t.Fatalf("%d invites, want %d", c, n)
		}
		// Running the handler again on a job that ran (a retry after a
		// crash) changes nothing either.
		input, _ := json.Marshal(ids)
		out, err := s.SendJob()(ctx, j, input, func(int64, int64) {})
		if err != nil || !strings.Contains(out.Summary, `"invited":0`) || p.all() != 3 {
			t.Fatalf("rerun %+v %v, %d texts", out, err, p.all())
		}
		if _, err := survey.SendParamsOf(&jobs.Job{Kind: "member_import"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another kind of job: %v", err)
		}
	})
}
