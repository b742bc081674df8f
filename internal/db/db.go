// Package db opens the SQLite or PostgreSQL database, runs transactions that
// carry the time and the acting user, applies the embedded migrations, and
// keeps the few differences between the two dialects in one place.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/ncruces/go-sqlite3"

	"estateclub/internal/apperr"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// sqliteTime is how SQLite stores times: UTC with a fixed six-digit
// fraction, so that comparing the text compares the instants.
const sqliteTime = "2006-01-02 15:04:05.000000"

// DB is the database handle shared by every area service.
type DB struct {
	dialect Dialect
	write   *sql.DB // SQLite: the single writer connection; PostgreSQL: the pool
	read    *sql.DB // SQLite: a pool of query-only connections; PostgreSQL: same as write
	migrDSN string  // SQLite: goose keeps its own time format, so it gets its own connection
	// Clock gives the time a transaction carries; tests replace it.
	Clock func() time.Time
	// LockWait bounds the wait for SQLite's writer (DefaultLockWait).
	LockWait time.Duration

	rebound sync.Map // query text -> PostgreSQL form
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens dsn: a postgres:// URL, or else the path of a SQLite file (made
// with its folder if missing). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{Clock: time.Now, LockWait: DefaultLockWait}
	if IsPostgres(dsn) {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
		}
		d.dialect = Postgres
		d.write = stdlib.OpenDB(*cfg)
		d.write.SetMaxOpenConns(20)
		d.write.SetMaxIdleConns(10)
		d.write.SetConnMaxIdleTime(5 * time.Minute)
		d.read = d.write
	} else {
		path := strings.TrimPrefix(dsn, "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("make database folder: %w", err)
			}
		}
		file := "file:" + (&url.URL{Path: path}).EscapedPath()
		d.migrDSN = file + "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)&_pragma=foreign_keys(1)"
		// Requests wait for a lock no longer than LockWait (run sets the
		// writer's wait per transaction).
		base := file + fmt.Sprintf("?_txlock=immediate&_pragma=busy_timeout(%d)", DefaultLockWait.Milliseconds()) +
			"&_pragma=journal_mode(wal)&_pragma=synchronous(normal)&_pragma=foreign_keys(1)&_timefmt=" + url.QueryEscape(sqliteTime)
		d.dialect = SQLite
		// Transactions that read then write must take the write lock at
		// BEGIN, or concurrent ones fail with "database is locked".
		// A big page cache keeps large write transactions (imports) from
		// spilling pages to the WAL before they commit.
		wc, err := openGuarded(base + "&_pragma=cache_size(-65536)")
		if err != nil {
			return nil, err
		}
		d.write = sql.OpenDB(wc)
		d.write.SetMaxOpenConns(1)
		d.write.SetConnMaxIdleTime(0)
		rc, err := openGuarded(strings.Replace(base, "_txlock=immediate", "_pragma=query_only(1)&_pragma=cache_size(-16384)", 1))
		if err != nil {
			d.write.Close()
			return nil, err
		}
		d.read = sql.OpenDB(rc)
		d.read.SetMaxOpenConns(8)
	}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return d, nil
}

// Dialect reports the SQL engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.write.PingContext(ctx); err != nil {
		return err
	}
	if d.read != d.write {
		return d.read.PingContext(ctx)
	}
	return nil
}

// Check reports whether the database answers and takes a write within
// wait: nil, an apperr.Busy error when it answers but its writer stays
// taken (another process holds SQLite's write lock), or why it does not
// answer.
func (d *DB) Check(ctx context.Context, wait time.Duration) error {
	if err := d.read.PingContext(ctx); err != nil {
		return err
	}
	return d.Update(WithLockWait(ctx, wait), func(*Tx) error { return nil })
}

// Close closes every connection.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// SQL exposes the writer handle for tools (migrations, backups).
func (d *DB) SQL() *sql.DB { return d.write }

// OpenWriterPool opens, on SQLite, another pool of conns writer
// connections to the database file, for a library that manages its own
// connections beside ours (River): its transactions take the write lock
// at BEGIN and wait for it up to wait, as another process's would. On
// PostgreSQL it returns the shared pool, which the caller must not close.
func (d *DB) OpenWriterPool(conns int, wait time.Duration) (*sql.DB, error) {
	if d.dialect != SQLite {
		return d.write, nil
	}
	dsn := strings.Replace(d.migrDSN, "busy_timeout(10000)", fmt.Sprintf("busy_timeout(%d)", wait.Milliseconds()), 1) +
		"&_timefmt=" + url.QueryEscape(sqliteTime)
	c, err := openGuarded(dsn)
	if err != nil {
		return nil, err
	}
	pool := sql.OpenDB(c)
	pool.SetMaxOpenConns(conns)
	return pool, nil
}

// Update runs fn in a read-write transaction, committing if fn returns nil.
// On SQLite it waits for the writer no longer than LockWait (see
// WithLockWait) and then fails with apperr.Busy.
func (d *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return d.run(ctx, d.write, nil, fn)
}

// TryUpdate is Update for work that is skipped rather than waited for (a
// token's last use): when SQLite's writer is taken it fails at once with
// apperr.Busy.
func (d *DB) TryUpdate(ctx context.Context, fn func(tx *Tx) error) error {
	return d.run(WithLockWait(ctx, 0), d.write, nil, fn)
}

// View runs fn in a read-only transaction.
func (d *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.dialect == SQLite {
		opts = nil // the read pool is query-only already
	}
	return d.run(ctx, d.read, opts, fn)
}

// maxConnRetries bounds how often run starts a transaction again after
// finding its pooled connection dead: enough to go through a pool whose
// every connection the server has ended.
const maxConnRetries = 24

func (d *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		var after []func()
		dead, err := d.runOnce(ctx, pool, opts, fn, &after)
		if !dead || attempt == maxConnRetries || ctx.Err() != nil {
			// The connection is back in its pool: AfterCommit work
			// may open transactions of its own.
			for _, f := range after {
				f()
			}
			return err
		}
	}
}

// runOnce runs one attempt of a transaction. dead reports that it failed
// on a connection the server had ended before any statement of fn ran, so
// that nothing happened and the transaction may start again.
func (d *DB) runOnce(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error, after *[]func()) (dead bool, err error) {
	// The transaction keeps its connection at hand for the driver's own
	// bulk API (PostgreSQL's COPY); closing it hands it back to the pool.
	conn, err := d.conn(ctx, pool)
	if err != nil {
		return false, err
	}
	stx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		dead = d.discardDead(conn)
		conn.Close()
		if isBusy(err) {
			return false, apperr.BusyErr(fmt.Errorf("begin transaction: %w", err))
		}
		return dead, fmt.Errorf("begin transaction: %w", err)
	}
	ended := false
	defer func() {
		// If fn panicked, end the transaction first: closing a
		// connection waits for it. (The SQLite driver's own panics come
		// back as errors: see sqlite_guard.go.)
		if !ended {
			_ = stx.Rollback()
		}
		conn.Close()
	}()
	tx := &Tx{tx: stx, conn: conn, db: d, Now: d.Clock().UTC().Truncate(time.Microsecond), Actor: ActorFrom(ctx)}
	err = fn(tx)
	ended = true
	if err != nil {
		_ = stx.Rollback()
		if tx.firstErr != nil && d.discardDead(conn) {
			return true, err
		}
		if isBusy(err) && !errors.As(err, new(*apperr.Error)) {
			return false, apperr.BusyErr(err)
		}
		return false, err
	}
	if err := stx.Commit(); err != nil {
		if isBusy(err) {
			return false, apperr.BusyErr(fmt.Errorf("commit: %w", err))
		}
		return false, fmt.Errorf("commit: %w", err)
	}
	*after = tx.afterCommit
	return false, nil
}

// conn takes a connection from pool. SQLite's writer is waited for no
// longer than the lock wait, which also bounds how long BEGIN IMMEDIATE
// then waits for another process's write lock.
func (d *DB) conn(ctx context.Context, pool *sql.DB) (*sql.Conn, error) {
	if d.dialect != SQLite || pool != d.write {
		conn, err := pool.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("begin transaction: %w", err)
		}
		return conn, nil
	}
	wait := d.lockWait(ctx)
	deadline := time.Now().Add(wait)
	// Even a transaction that must not wait gets a moment to take a free
	// writer: an expired context gets no connection at all.
	cctx, cancel := context.WithDeadline(ctx, deadline.Add(10*time.Millisecond))
	conn, err := pool.Conn(cctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, apperr.BusyErr(fmt.Errorf("wait %v for the SQLite writer: %w", wait, err))
		}
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	left := max(time.Until(deadline), 0)
	err = conn.Raw(func(dc any) error {
		if c, ok := dc.(interface{ Raw() *sqlite3.Conn }); ok {
			return c.Raw().BusyTimeout(left)
		}
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("set the lock wait: %w", err)
	}
	return conn, nil
}

// DefaultLockWait is how long a transaction waits for SQLite's writer (the
// connection and the database's write lock, which another process may
// hold) before it fails with apperr.Busy.
const DefaultLockWait = 5 * time.Second

type lockWaitKey struct{}

// WithLockWait returns a context whose transactions wait up to wait for
// SQLite's writer instead of the DB's LockWait: longer for background work
// that may wait, 0 for work that is skipped when the writer is taken.
func WithLockWait(ctx context.Context, wait time.Duration) context.Context {
	return context.WithValue(ctx, lockWaitKey{}, wait)
}

func (d *DB) lockWait(ctx context.Context) time.Duration {
	if w, ok := ctx.Value(lockWaitKey{}).(time.Duration); ok {
		return w
	}
	return d.LockWait
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	return errors.Is(err, sqlite3.BUSY) || errors.Is(err, sqlite3.LOCKED)
}

// discardDead reports whether conn is a PostgreSQL connection that the
// server (or the network) has ended, and if so has the pool close it
// instead of handing it out again.
func (d *DB) discardDead(conn *sql.Conn) bool {
	if d.dialect != Postgres {
		return false
	}
	dead := false
	_ = conn.Raw(func(dc any) error {
		if c, ok := dc.(*stdlib.Conn); ok && c.Conn().IsClosed() {
			dead = true
			return driver.ErrBadConn
		}
		return nil
	})
	return dead
}

// Tx is one transaction: it carries the time every row written in it gets,
// and the acting user for the audit log.
type Tx struct {
	tx    *sql.Tx
	conn  *sql.Conn
	db    *DB
	Now   time.Time
	Actor Actor

	sent     int   // statements sent through Exec, Query and QueryRow
	firstErr error // the error of the first of them, if it failed

	afterCommit []func() // run once the transaction has committed
}

// AfterCommit runs fn once the transaction has committed (never if it rolls
// back): work outside the database, such as a text message, that must not
// happen for a change that did not last. fn runs without a transaction.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// note records the outcome of a statement: run retries a transaction whose
// first statement met a dead connection.
func (tx *Tx) note(err error) {
	tx.sent++
	if tx.sent == 1 {
		tx.firstErr = err
	}
}

// Dialect reports the SQL engine.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// SQLTx is the transaction itself, for a library that joins it through
// database/sql (River inserts its jobs in the transaction that records
// them). Statements sent through it bypass the ? rebinding.
func (tx *Tx) SQLTx() *sql.Tx { return tx.tx }

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
	tx.note(err)
	return res, err
}

// Query runs a query written with ? placeholders.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
	tx.note(err)
	return rows, err
}

// IDs runs a query of one integer column (ids) and returns its values.
func (tx *Tx) IDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// QueryRow runs a query written with ? placeholders that returns one row.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	row := tx.tx.QueryRowContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
	tx.note(row.Err())
	return row
}

// InsertID runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) InsertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// Count runs a SELECT count(*) … query.
func (tx *Tx) Count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := tx.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// ForUpdate is the row-lock clause to append to a SELECT: PostgreSQL locks
// the rows; SQLite's write transactions already hold the database lock.
func (tx *Tx) ForUpdate() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// args puts times in UTC for SQLite, whose stored text has no zone.
func (d *DB) args(args []any) []any {
	if d.dialect != SQLite {
		return args
	}
	for i, a := range args {
		switch t := a.(type) {
		case time.Time:
			args[i] = t.UTC()
		case *time.Time:
			if t != nil {
				args[i] = t.UTC()
			}
		}
	}
	return args
}

// Month is an SQL expression for the 'YYYY-MM' of a timestamp column, in
// China time (UTC+8), the club's calendar.
func (tx *Tx) Month(col string) string {
	if tx.db.dialect == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', " + col + ", '+8 hours')"
}

// Fence ends a subquery in FROM so that the planner computes it by itself
// instead of folding it into the outer query: OFFSET 0 on PostgreSQL.
// SQLite plans such subqueries well and gets nothing.
func (tx *Tx) Fence() string {
	if tx.db.dialect == Postgres {
		return " OFFSET 0"
	}
	return ""
}

// ForUpdateOf locks only the rows of one table alias in a joined SELECT.
func (tx *Tx) ForUpdateOf(alias string) string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// rebind turns ? placeholders into PostgreSQL's $1, $2 … outside string literals.
func (d *DB) rebind(q string) string {
	if d.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	if v, ok := d.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	d.rebound.Store(q, out)
	return out
}

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite3.Error
	if errors.As(err, &sqErr) {
		ext := sqErr.ExtendedCode()
		return ext == sqlite3.CONSTRAINT_UNIQUE || ext == sqlite3.CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsRetryable reports whether err ended a transaction that may simply be
// run again: a deadlock or a serialization failure on PostgreSQL (SQLite
// has one writer and waits for it instead).
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// Like escapes s for use inside a LIKE pattern with ESCAPE '\'.
func Like(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// PathsWhere builds a condition that col (an org path column) lies within
// one of paths: "(col LIKE '/1/4/%' OR …)". No paths match nothing.
func PathsWhere(col string, paths []string) (string, []any) {
	if len(paths) == 0 {
		return "1 = 0", nil
	}
	conds := make([]string, len(paths))
	args := make([]any, len(paths))
	for i, p := range paths {
		conds[i] = col + ` LIKE ? ESCAPE '\'`
		args[i] = Like(p) + "%"
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// Date is a calendar day (birthday, contract date): DATE in PostgreSQL,
// 'YYYY-MM-DD' text in SQLite. The zero value is NULL.
type Date struct{ time.Time }

// DateOf makes a Date from y-m-d.
func DateOf(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// Valid reports whether the date is set.
func (d Date) Valid() bool { return !d.IsZero() }

// String is YYYY-MM-DD, or "" when not set.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format("2006-01-02")
}

// Value stores the date as text, which both engines take for a day.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.Format("2006-01-02"), nil
}

// Scan reads a DATE, a time or 'YYYY-MM-DD' text.
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = DateOf(x.Year(), x.Month(), x.Day())
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	default:
		return fmt.Errorf("scan date: unsupported %T", v)
	}
	return nil
}

func (d *Date) parse(s string) error {
	if s == "" {
		*d = Date{}
		return nil
	}
	t, err := time.Parse("2006-01-02", s[:min(len(s), 10)])
	if err != nil {
		return fmt.Errorf("scan date %q: %w", s, err)
	}
	*d = Date{t}
	return nil
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("date: want \"YYYY-MM-DD\", got %s", b)
	}
	return d.parse(string(b[1 : len(b)-1]))
}

// MarshalJSON writes "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format("2006-01-02") + `"`), nil
}
