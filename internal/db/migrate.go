package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies every pending embedded migration of the dialect. It is safe
// to call from several processes at once on PostgreSQL (a session lock).
func (d *DB) Migrate(ctx context.Context) error {
	p, closeFn, err := d.provider()
	if err != nil {
		return err
	}
	defer closeFn()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationStatus lists each migration and whether it is applied.
func (d *DB) MigrationStatus(ctx context.Context) ([]*goose.MigrationStatus, error) {
	p, closeFn, err := d.provider()
	if err != nil {
		return nil, err
	}
	defer closeFn()
	return p.Status(ctx)
}

func (d *DB) provider() (*goose.Provider, func(), error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.dialect))
	if err != nil {
		return nil, nil, err
	}
	if d.dialect == Postgres {
		// The lock guards one schema's migrations: databases holding several
		// schemas (tests run one per test) must not queue behind each other.
		var schema string
		if err := d.write.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
			return nil, nil, err
		}
		h := fnv.New64a()
		h.Write([]byte("estateclub-migrate:" + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()&0x7fffffffffffffff)), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, nil, err
		}
		// Branches written side by side may land their migrations out of order.
		p, err := goose.NewProvider(goose.DialectPostgres, d.write, sub, goose.WithSessionLocker(locker), goose.WithAllowOutofOrder(true))
		return p, func() {}, err
	}
	conn, err := sql.Open("sqlite3", d.migrDSN)
	if err != nil {
		return nil, nil, err
	}
	conn.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectSQLite3, conn, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return p, func() { conn.Close() }, nil
}
