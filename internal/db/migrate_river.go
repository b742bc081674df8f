package db

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// River (the job queue under internal/jobs) keeps its tables beside ours
// and brings their migrations. They run among ours, as Go migrations of
// goose, each up to a fixed River schema version: a later River that
// needs a newer schema gets a migration of its own, so that a shipped
// migration never changes what it does.
const riverVersion = 8 // River v0.51.2's latest schema version

// riverMigrations are the Go migrations of the dialect. PostgreSQL's run
// outside a transaction (River's migration 004 adds an enum value, which
// it then uses); SQLite's run in goose's transaction, on goose's only
// connection (River opening its own there would wait for it forever).
func riverMigrations(dialect Dialect) []*goose.Migration {
	var up, down *goose.GoFunc
	if dialect == Postgres {
		up = &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error { return migrateRiverDB(ctx, db, riverVersion) }}
		down = &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error { return migrateRiverDB(ctx, db, 0) }}
	} else {
		up = &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return migrateRiverTx(ctx, tx, riverVersion) }}
		down = &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return migrateRiverTx(ctx, tx, 0) }}
	}
	m := goose.NewGoMigration(19, up, down)
	m.Source = "00019_river.go" // River's schema, up to riverVersion
	return []*goose.Migration{m}
}

// migrateRiverDB moves River's PostgreSQL schema to version (0: none).
func migrateRiverDB(ctx context.Context, db *sql.DB, version int) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, direction(version), &rivermigrate.MigrateOpts{TargetVersion: target(version)})
	return err
}

// migrateRiverTx moves River's SQLite schema to version (0: none).
func migrateRiverTx(ctx context.Context, tx *sql.Tx, version int) error {
	m, err := rivermigrate.New(riversqlite.New(nil), nil)
	if err != nil {
		return err
	}
	_, err = m.MigrateTx(ctx, tx, direction(version), &rivermigrate.MigrateOpts{TargetVersion: target(version)})
	return err
}

func direction(version int) rivermigrate.Direction {
	if version == 0 {
		return rivermigrate.DirectionDown
	}
	return rivermigrate.DirectionUp
}

// target is River's TargetVersion: -1 removes every River migration.
func target(version int) int {
	if version == 0 {
		return -1
	}
	return version
}
