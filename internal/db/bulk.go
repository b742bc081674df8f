package db

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyMinRows is where COPY starts to pay on PostgreSQL: fewer rows go in
// as one INSERT, sparing a single award a staging table and round trips.
const copyMinRows = 64

// sqliteMaxArgs keeps a multi-row INSERT under SQLite's limit of 32,766
// parameters.
const sqliteMaxArgs = 30000

// InsertMany writes rows into table (cols) in as few statements as the
// engine allows, for bulk paths such as imports. On PostgreSQL the rows
// go in with one COPY: straight into table when suffix is empty, otherwise
// into a temporary staging table followed by one
// "INSERT INTO table (cols) SELECT cols FROM staging " + suffix.
// On SQLite, and for fewer than copyMinRows rows on PostgreSQL, they go
// in as multi-row INSERTs followed by suffix, reusing one prepared
// statement. suffix may hold ON CONFLICT and RETURNING clauses; scan, if
// not nil, reads the rows RETURNING yields (once per statement).
func (tx *Tx) InsertMany(ctx context.Context, table string, cols []string, rows [][]any, suffix string, scan func(*sql.Rows) error) error {
	if len(rows) == 0 {
		return nil
	}
	var err error
	if tx.db.dialect == Postgres && len(rows) >= copyMinRows {
		err = tx.copyMany(ctx, table, cols, rows, suffix, scan)
	} else {
		err = tx.valuesMany(ctx, table, cols, rows, suffix, scan)
	}
	if err != nil {
		return fmt.Errorf("bulk insert into %s: %w", table, err)
	}
	return nil
}

func (tx *Tx) valuesMany(ctx context.Context, table string, cols []string, rows [][]any, suffix string, scan func(*sql.Rows) error) error {
	width := len(cols)
	per := max(1, sqliteMaxArgs/width)
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	args := make([]any, 0, min(len(rows), per)*width)
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		stmt := stmts[len(part)]
		if stmt == nil {
			q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(one+", ", len(part)), ", ") + " " + suffix
			var err error
			if stmt, err = tx.tx.PrepareContext(ctx, tx.db.rebind(q)); err != nil {
				return err
			}
			stmts[len(part)] = stmt
		}
		args = args[:0]
		for _, r := range part {
			args = append(args, r...)
		}
		args = tx.db.args(args)
		if scan == nil {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
			continue
		}
		if err := scanAll(stmt.QueryContext(ctx, args...))(scan); err != nil {
			return err
		}
	}
	return nil
}

func scanAll(rows *sql.Rows, err error) func(func(*sql.Rows) error) error {
	return func(scan func(*sql.Rows) error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

func (tx *Tx) copyMany(ctx context.Context, table string, cols []string, rows [][]any, suffix string, scan func(*sql.Rows) error) error {
	for _, r := range rows {
		for i, v := range r {
			switch d := v.(type) {
			case Date: // COPY is binary: a date goes as a time, not as its text
				if d.IsZero() {
					r[i] = nil
				} else {
					r[i] = d.Time
				}
			}
		}
	}
	if suffix == "" && scan == nil {
		return tx.copyFrom(ctx, table, cols, rows)
	}
	h := fnv.New32a()
	h.Write([]byte(strings.Join(cols, ",")))
	stage := fmt.Sprintf("stage_%s_%x", table, h.Sum32())
	list := strings.Join(cols, ", ")
	if _, err := tx.tx.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS "+stage+" ON COMMIT DROP AS SELECT "+list+" FROM "+table+" WITH NO DATA"); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, "TRUNCATE "+stage); err != nil {
		return err
	}
	if err := tx.copyFrom(ctx, stage, cols, rows); err != nil {
		return err
	}
	q := "INSERT INTO " + table + " (" + list + ") SELECT " + list + " FROM " + stage + " " + suffix
	if scan == nil {
		_, err := tx.tx.ExecContext(ctx, q)
		return err
	}
	return scanAll(tx.tx.QueryContext(ctx, q))(scan)
}

func (tx *Tx) copyFrom(ctx context.Context, table string, cols []string, rows [][]any) error {
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy: not a pgx connection (%T)", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}
