package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"estateclub/internal/db"
)

// config is read once: defaults, then ESTATECLUB_* environment, then flags.
type config struct {
	Addr       string
	DataDir    string
	DB         string
	LogFormat  string
	TrustProxy bool
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// bindCommon adds the flags every subcommand shares.
func (c *config) bindCommon(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&c.DataDir, "data-dir", envOr("ESTATECLUB_DATA_DIR", "./estateclub-data"), "data folder (env ESTATECLUB_DATA_DIR)")
	f.StringVar(&c.DB, "db", envOr("ESTATECLUB_DB", ""), "database: a postgres:// URL, or a SQLite file path; default <data-dir>/estateclub.db (env ESTATECLUB_DB)")
	f.StringVar(&c.LogFormat, "log-format", envOr("ESTATECLUB_LOG_FORMAT", "text"), "log format: text or json (env ESTATECLUB_LOG_FORMAT)")
}

// dsn is the database address after defaults.
func (c *config) dsn() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "estateclub.db")
}

func (c *config) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// open opens and migrates the configured database.
func (c *config) open(ctx context.Context) (*db.DB, error) {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("make data folder: %w", err)
	}
	d, err := db.Open(ctx, c.dsn())
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// redactedDSN hides a PostgreSQL password in logs.
func redactedDSN(dsn string) string {
	if !db.IsPostgres(dsn) {
		return dsn
	}
	if u, err := parseURL(dsn); err == nil {
		return u.Redacted()
	}
	return "postgres://…"
}
