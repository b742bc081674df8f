package transfer

import (
	"context"
	"sync"

	"estateclub/internal/member"
)

// Job is an import running in the background (the console starts one per
// upload and polls its progress).
type Job struct {
	mu          sync.Mutex
	done, total int
	finished    bool
	report      *Report
	err         error
	over        chan struct{}
}

// JobStatus is a snapshot of a job.
type JobStatus struct {
	Done, Total int
	Finished    bool
	Report      *Report // when finished; partial if Err is set
	Err         error
}

// Start runs Import in a goroutine and closes the sheet when it ends. ctx
// must outlive the request that started it (context.WithoutCancel keeps
// the actor); cancelling it stops the import after the current batch,
// and re-running the file completes it.
func Start(ctx context.Context, svc *member.Service, s *Sheet, o Options) *Job {
	j := &Job{over: make(chan struct{})}
	progress := o.Progress
	o.Progress = func(done, total int) {
		j.mu.Lock()
		j.done, j.total = done, total
		j.mu.Unlock()
		if progress != nil {
			progress(done, total)
		}
	}
	go func() {
		defer close(j.over)
		rep, err := Import(ctx, svc, s, o)
		s.Close()
		j.mu.Lock()
		j.finished, j.report, j.err = true, rep, err
		j.mu.Unlock()
	}()
	return j
}

// Status says how far the job is.
func (j *Job) Status() JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return JobStatus{Done: j.done, Total: j.total, Finished: j.finished, Report: j.report, Err: j.err}
}

// Wait blocks until the job ends and returns its result.
func (j *Job) Wait() (*Report, error) {
	<-j.over
	st := j.Status()
	return st.Report, st.Err
}
