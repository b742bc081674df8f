package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/pii"
)

// config is read once: defaults, then ESTATECLUB_* environment, then flags.
type config struct {
	Addr       string
	DataDir    string
	DB         string
	LogFormat  string
	TrustProxy bool
	// TimeZone is the club's time zone (--time-zone), an IANA name.
	TimeZone string
	// ProxyHops is the number of trusted proxies in front (--proxy-hops).
	ProxyHops int
	// SMSProvider names how text messages go out: "outbox" or "http".
	SMSProvider string
	// PublicURL is the address members reach the service at (--public-url),
	// put before the links texts carry (a survey's /m/s/…).
	PublicURL string
}

// publicURL checks --public-url: an absolute http or https address with no
// query or fragment; "" means the listen address.
func (c *config) publicURL() (string, error) {
	raw := strings.TrimRight(strings.TrimSpace(c.PublicURL), "/")
	if raw == "" {
		return "http://" + c.Addr, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("--public-url %q: give the address members open, e.g. https://club.example.com", c.PublicURL)
	}
	return raw, nil
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
	// Search tokens derived by an older rule are rebuilt once (Go code,
	// which a migration cannot run).
	n, err := member.ReindexNames(ctx, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		c.logger().Info("member search tokens rebuilt", "names", n)
	}
	return d, nil
}

// keys loads the key that encrypts members' personal data (ESTATECLUB_KEY,
// or the key file in the data dir, made on first start) and checks it is
// the key this database was written with.
func (c *config) keys(ctx context.Context, d *db.DB, log *slog.Logger) (*pii.Keys, error) {
	stored, err := keyFingerprint(ctx, d)
	if err != nil {
		return nil, err
	}
	keys, src, err := pii.LoadKeysFor(os.Getenv(pii.EnvVar), c.DataDir, stored)
	if err != nil {
		return nil, err
	}
	if src == pii.SourceCreated {
		log.Warn(src.Describe(c.DataDir))
	} else {
		log.Info(src.Describe(c.DataDir))
	}
	err = d.Update(ctx, func(tx *db.Tx) error {
		var stored string
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'pii.key_id'").Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('pii.key_id', ?, ?)", keys.ID(), tx.Now)
			return err
		}
		if err != nil {
			return err
		}
		if stored != keys.ID() {
			return fmt.Errorf("the personal-data key (fingerprint %s) is not the one this database was written with (%s): "+
				"set ESTATECLUB_KEY or restore %s — 个人信息密钥与数据库不匹配，请设置 ESTATECLUB_KEY 或恢复密钥文件",
				keys.ID(), stored, pii.KeyFilePath(c.DataDir))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// keyFingerprint is the fingerprint of the personal-data key the database
// was written with, "" for a new database.
func keyFingerprint(ctx context.Context, d *db.DB) (string, error) {
	var stored string
	err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'pii.key_id'").Scan(&stored)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return stored, err
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
