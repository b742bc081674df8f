package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"estateclub/internal/db"
)

// River's job kinds and queues. A console job's River job carries only
// its record's id; a periodic job's carries its name.
const (
	recordKind   = "job"
	periodicKind = "periodic"

	recordQueue   = "jobs"
	periodicQueue = "periodic"
)

// recordArgs is the River job that runs the record Record of the jobs table.
type recordArgs struct {
	Record int64 `json:"record"`
}

func (recordArgs) Kind() string { return recordKind }

// periodicArgs is the River job of one run of a periodic job; Manual when
// staff asked for it (RunNow).
type periodicArgs struct {
	Name   string `json:"name"`
	Manual bool   `json:"manual,omitempty"`
}

func (periodicArgs) Kind() string { return periodicKind }

// riverClient is River's client over database/sql: the app's PostgreSQL
// pool, or a SQLite pool (transactions of both are *sql.Tx).
type riverClient = river.Client[*sql.Tx]

// driverFor is River's driver on pool for the database's engine.
func driverFor(d *db.DB, pool *sql.DB) riverdriver.Driver[*sql.Tx] {
	if d.Dialect() == db.Postgres {
		return riverdatabasesql.New(pool)
	}
	return riversqlite.New(pool)
}

// inserter is an insert-only River client, made at first use: the queue
// only puts River jobs into transactions of its own.
type inserter struct {
	once   sync.Once
	client *riverClient
	err    error
}

func (q *Queue) river() (*riverClient, error) {
	q.inserter.once.Do(func() {
		q.inserter.client, q.inserter.err = river.NewClient(driverFor(q.DB, q.DB.SQL()), &river.Config{})
	})
	return q.inserter.client, q.inserter.err
}

// queueRun queues, in tx, the River job that runs record id.
func (q *Queue) queueRun(ctx context.Context, tx *db.Tx, id int64) error {
	rc, err := q.river()
	if err != nil {
		return err
	}
	if _, err := rc.InsertTx(ctx, tx.SQLTx(), recordArgs{Record: id}, &river.InsertOpts{Queue: recordQueue}); err != nil {
		return fmt.Errorf("queue job %d on River: %w", id, err)
	}
	return nil
}
