package jobs

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"estateclub/internal/db"
)

// LocalWorker names this process as a job worker: host, process id and a
// random suffix (a restarted container may reuse the same process id).
func LocalWorker() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// DeadLocal tells, for a worker name made by LocalWorker, whether it is a
// process of this host other than self that no longer runs. Workers of
// other hosts are never called dead: their jobs wait for the heartbeat
// to age.
func DeadLocal(self string) func(worker string) bool {
	host, pid, ok := splitWorker(self)
	return func(w string) bool {
		h, p, wok := splitWorker(w)
		if !ok || !wok || h != host || w == self {
			return false
		}
		if p == pid {
			return true // our own id, an earlier run: that process is gone
		}
		return !processRuns(p)
	}
}

func splitWorker(w string) (host string, pid int, ok bool) {
	parts := strings.Split(w, ":")
	if len(parts) < 3 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return strings.Join(parts[:len(parts)-2], ":"), pid, true
}

// processRuns reports whether a process with the id exists (signal 0
// checks without sending anything; EPERM means it exists as another user).
func processRuns(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Reclaim hands back to the queue every running job whose worker dead
// says has stopped, so it runs again at once rather than after its
// heartbeat goes stale. The stopped start still counts as an attempt.
func (q *Queue) Reclaim(ctx context.Context, dead func(worker string) bool) (int, error) {
	return q.reclaim(ctx, "", nil, dead)
}

// ReclaimStale hands back to the queue every running job whose heartbeat
// is older than staleAfter: its server stopped (or lost the database) in
// the middle. The stopped start still counts as an attempt.
func (q *Queue) ReclaimStale(ctx context.Context, staleAfter time.Duration) (int, error) {
	return q.reclaim(ctx, " AND heartbeat_at < ?", func(now time.Time) []any { return []any{now.Add(-staleAfter)} },
		func(string) bool { return true })
}

// reclaim requeues the running jobs matching the extra condition whose
// worker take says to hand back.
func (q *Queue) reclaim(ctx context.Context, cond string, args func(now time.Time) []any, take func(worker string) bool) (int, error) {
	n := 0
	err := q.DB.Update(ctx, func(tx *db.Tx) error {
		var a []any
		if args != nil {
			a = args(tx.Now)
		}
		rows, err := tx.Query(ctx, "SELECT id, worker FROM jobs WHERE status = 'running'"+cond+" ORDER BY id", a...)
		if err != nil {
			return err
		}
		var ids []int64
		var workers []string
		for rows.Next() {
			var id int64
			var w string
			if err := rows.Scan(&id, &w); err != nil {
				rows.Close()
				return err
			}
			if take(w) {
				ids, workers = append(ids, id), append(workers, w)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, id := range ids {
			ok, err := requeueTx(ctx, tx, q, id, workers[i], 0)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reclaim jobs: %w", err)
	}
	return n, nil
}

// adopt queues a River job for every queued job that has none unfinished
// (queued by a server from before River), and says how many it found.
func (q *Queue) adopt(ctx context.Context) (int, error) {
	var ids []int64
	err := q.DB.Update(ctx, func(tx *db.Tx) error {
		arg := "json_extract(r.args, '$.record')"
		if tx.Dialect() == db.Postgres {
			arg = "(r.args->>'record')::bigint"
		}
		var err error
		ids, err = tx.IDs(ctx, `SELECT id FROM jobs j WHERE status = 'queued' AND NOT EXISTS (SELECT 1 FROM river_job r
			WHERE r.kind = ? AND r.state NOT IN ('completed', 'cancelled', 'discarded') AND `+arg+` = j.id) ORDER BY id`, recordKind)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := q.queueRun(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("adopt queued jobs: %w", err)
	}
	return len(ids), nil
}

// requeue hands a job that worker runs back to the queue, with a new River
// job to run it, and adds attempts to its count (-1: that start does not
// count). It does nothing to a job another server holds.
func (q *Queue) requeue(ctx context.Context, id int64, worker string, attempts int) error {
	return q.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := requeueTx(ctx, tx, q, id, worker, attempts)
		return err
	})
}

func requeueTx(ctx context.Context, tx *db.Tx, q *Queue, id int64, worker string, attempts int) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE jobs SET status = 'queued', worker = '', attempts = attempts + ?
		WHERE id = ? AND worker = ? AND status = 'running'`, attempts, id, worker)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, q.queueRun(ctx, tx, id)
}

// Runner runs queued jobs in the calling goroutine, one at a time, with
// the same code as the servers' River workers: for tests and tools that
// want a job done now. Servers run jobs through Client.
type Runner struct {
	Queue    *Queue
	Worker   string
	Handlers map[string]Handler
	Log      *slog.Logger
	// StaleAfter is how long a running job's heartbeat may be quiet before
	// RunOne takes it over (DefaultStaleAfter).
	StaleAfter time.Duration
}

// RunOne runs the oldest queued job of the kinds (or one whose server's
// heartbeat is stale), if there is one, and reports whether it did. The
// job's River job is left to find it ended.
func (r *Runner) RunOne(ctx context.Context, kinds []string) (bool, error) {
	e := &executor{q: r.Queue, worker: r.Worker, handlers: r.Handlers, log: r.Log,
		staleAfter: cmp.Or(r.StaleAfter, DefaultStaleAfter), heartbeat: DefaultHeartbeat}
	j, input, err := e.claimNext(ctx, kinds)
	if err != nil || j == nil {
		return false, err
	}
	return true, e.work(ctx, j, input)
}
