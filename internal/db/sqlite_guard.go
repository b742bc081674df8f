package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/ncruces/go-sqlite3"
	sqlite3driver "github.com/ncruces/go-sqlite3/driver"
)

// The SQLite driver panics when SQLite runs out of memory, even in the
// middle of a statement. database/sql is not ready for that: a panic while
// a query starts, or while a transaction commits, keeps a lock that the
// rollback then waits for forever, with the single writer connection. The
// guard turns each driver panic into an error, so that database/sql ends
// the statement and the transaction as for any error (the rollback releases
// SQLite's write lock), and marks the connection to be closed when it goes
// back to its pool.

// DriverPanicError is what a statement returns when the SQLite driver
// panicked while running it.
type DriverPanicError struct{ Value any }

func (e *DriverPanicError) Error() string { return fmt.Sprintf("sqlite driver panicked: %v", e.Value) }

// Unwrap gives the panic's value when it is an error (sqlite3's out of memory).
func (e *DriverPanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// openGuarded opens a SQLite pool whose connections are guarded.
func openGuarded(dsn string) (driver.Connector, error) {
	c, err := (&sqlite3driver.SQLite{}).OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return guardConnector{c}, nil
}

type guardConnector struct{ driver.Connector }

func (g guardConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := g.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &guardConn{inner: c.(sqlite3driver.Conn)}, nil
}

type guardConn struct {
	inner  sqlite3driver.Conn
	broken atomic.Bool
}

// guard runs fn, turning its panic into an error and the connection into
// one that its pool closes.
func (c *guardConn) guard(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			c.broken.Store(true)
			err = &DriverPanicError{Value: v}
		}
	}()
	return fn()
}

// guarded is guard for a call that returns a value.
func guarded[T any](c *guardConn, fn func() (T, error)) (T, error) {
	var v T
	err := c.guard(func() (err error) {
		v, err = fn()
		return err
	})
	return v, err
}

// Raw is the SQLite connection, for the bulk loader and backups.
func (c *guardConn) Raw() *sqlite3.Conn { return c.inner.Raw() }

func (c *guardConn) IsValid() bool { return !c.broken.Load() }

func (c *guardConn) ResetSession(context.Context) error {
	if c.broken.Load() {
		return driver.ErrBadConn
	}
	return nil
}

func (c *guardConn) Close() error { return c.guard(c.inner.Close) }

func (c *guardConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := guarded(c, func() (driver.Tx, error) { return c.inner.BeginTx(ctx, opts) })
	if err != nil {
		return nil, err
	}
	return guardTx{c, tx}, nil
}

func (c *guardConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *guardConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := guarded(c, func() (driver.Stmt, error) { return c.inner.PrepareContext(ctx, query) })
	if err != nil {
		return nil, err
	}
	return &guardStmt{c, s}, nil
}

func (c *guardConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ex, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return guarded(c, func() (driver.Result, error) { return ex.ExecContext(ctx, query, args) })
}

func (c *guardConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type guardTx struct {
	c     *guardConn
	inner driver.Tx
}

func (t guardTx) Commit() error   { return t.c.guard(t.inner.Commit) }
func (t guardTx) Rollback() error { return t.c.guard(t.inner.Rollback) }

type guardStmt struct {
	c     *guardConn
	inner driver.Stmt
}

func (s *guardStmt) Close() error  { return s.c.guard(s.inner.Close) }
func (s *guardStmt) NumInput() int { return s.inner.NumInput() }

func (s *guardStmt) Exec(args []driver.Value) (driver.Result, error) {
	return guarded(s.c, func() (driver.Result, error) { return s.inner.Exec(args) })
}

func (s *guardStmt) Query(args []driver.Value) (driver.Rows, error) {
	rows, err := guarded(s.c, func() (driver.Rows, error) { return s.inner.Query(args) })
	if err != nil {
		return nil, err
	}
	return &guardRows{c: s.c, inner: rows}, nil
}

func (s *guardStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return guarded(s.c, func() (driver.Result, error) { return s.inner.(driver.StmtExecContext).ExecContext(ctx, args) })
}

func (s *guardStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := guarded(s.c, func() (driver.Rows, error) { return s.inner.(driver.StmtQueryContext).QueryContext(ctx, args) })
	if err != nil {
		return nil, err
	}
	return &guardRows{c: s.c, inner: rows}, nil
}

func (s *guardStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type guardRows struct {
	c     *guardConn
	inner driver.Rows
	times []bool // which columns are declared TIMESTAMP or DATETIME
}

func (r *guardRows) Columns() []string { return r.inner.Columns() }
func (r *guardRows) Close() error      { return r.c.guard(r.inner.Close) }

func (r *guardRows) Next(dest []driver.Value) error {
	if err := r.c.guard(func() error { return r.inner.Next(dest) }); err != nil {
		return err
	}
	r.readForeignTimes(dest)
	return nil
}

// readForeignTimes turns the text of a TIMESTAMP column written in
// another format than ours into a time: the driver reads only our format
// (sqliteTime), and River writes "2006-01-02 15:04:05.000" into its own
// tables, which it scans into time.Time. Our own columns always hold our
// format, which the driver has decoded already.
func (r *guardRows) readForeignTimes(dest []driver.Value) {
	for i, v := range dest {
		s, ok := v.(string)
		if !ok || len(s) < len("2006-01-02 15:04:05") || s[4] != '-' || !r.isTime(i) {
			continue
		}
		if t, err := sqlite3.TimeFormatAuto.Decode(s); err == nil {
			dest[i] = t
		}
	}
}

func (r *guardRows) isTime(i int) bool {
	if r.times == nil {
		r.times = make([]bool, len(r.inner.Columns()))
		for j := range r.times {
			switch strings.ToUpper(r.ColumnTypeDatabaseTypeName(j)) {
			case "TIMESTAMP", "DATETIME":
				r.times[j] = true
			}
		}
	}
	return i < len(r.times) && r.times[i]
}

func (r *guardRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.inner.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *guardRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.inner.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *guardRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.inner.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
