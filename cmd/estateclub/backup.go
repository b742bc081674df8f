package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/spf13/cobra"

	"estateclub/internal/db"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// errPostgresBackup points PostgreSQL operators to their own tools.
var errPostgresBackup = errors.New("on PostgreSQL, back up with pg_dump and restore with pg_restore (see README, \"Backup and restore\"): " +
	"pg_dump -Fc -f estateclub.dump \"$ESTATECLUB_DB\"; the personal-data key is in neither — PostgreSQL 数据库请用 pg_dump / pg_restore 备份与恢复")

func backupCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "write a consistent copy of the running SQLite database to FILE (备份); the key is backed up apart",
		Long: "Copies the SQLite database while the service runs and writes: one consistent snapshot, transactions still in\n" +
			"the write-ahead log included (copying the .db file is not a backup). FILE must not exist. The personal-data key\n" +
			"is not in the backup: keep ESTATECLUB_KEY or the key file apart from it. PostgreSQL: use pg_dump.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return backup(cmd.Context(), cmd.OutOrStdout(), cfg, args[0])
		},
	}
}

func backup(ctx context.Context, w io.Writer, cfg *config, file string) error {
	dsn := cfg.dsn()
	if db.IsPostgres(dsn) {
		return errPostgresBackup
	}
	if _, err := os.Stat(dsn); err != nil {
		return fmt.Errorf("no database to back up at %s: %w", dsn, err)
	}
	d, err := db.Open(ctx, dsn) // not migrated: a backup changes nothing
	if err != nil {
		return err
	}
	defer d.Close()
	fp, err := keyFingerprint(ctx, d)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := d.BackupTo(ctx, file); err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "backed up %s to %s (%.1f MiB in %.1f s)\n", dsn, file, float64(fi.Size())/(1<<20), time.Since(start).Seconds())
	if fp == "" {
		fp = "none yet"
	}
	fmt.Fprintf(w, "备份不含个人信息密钥：请另行保存 %s 或 %s，与备份分开存放。\n"+
		"The personal-data key (fingerprint %s) is NOT in the backup: keep %s or %s, apart from the backup;\n"+
		"without it members' mobile and ID numbers cannot be read.\n",
		pii.EnvVar, pii.KeyFilePath(cfg.DataDir), fp, pii.EnvVar, pii.KeyFilePath(cfg.DataDir))
	return nil
}

func restoreCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "put a backup into an empty data folder and check it: migrations, key fingerprint, points verify (恢复)",
		Long: "Copies FILE (made by estateclub backup) into an empty data folder — it may hold only the key file, copied in\n" +
			"beforehand — then applies the migrations, checks that the key (ESTATECLUB_KEY or the key file) is the one the\n" +
			"backup was written with, and checks every points balance against its postings. PostgreSQL: use pg_restore.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return restore(cmd.Context(), cmd.OutOrStdout(), cfg, args[0])
		},
	}
}

func restore(ctx context.Context, w io.Writer, cfg *config, file string) (err error) {
	target := cfg.dsn()
	if db.IsPostgres(target) {
		return errPostgresBackup
	}
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("no backup file at %s", file)
	}
	if err := mustBeEmpty(cfg.DataDir, target); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("make data folder: %w", err)
	}
	if err := copyNew(file, target); err != nil {
		return err
	}
	// A restore that fails its checks leaves the folder as it found it.
	d, err := db.Open(ctx, target)
	if err != nil {
		removeDB(target)
		return err
	}
	defer func() {
		d.Close()
		if err != nil {
			removeDB(target)
		}
	}()
	fmt.Fprintf(w, "restored %s to %s\n", file, target)
	if err := checkIntegrity(ctx, d); err != nil {
		return err
	}
	fmt.Fprintln(w, "integrity: ok")
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	st, err := d.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	var last int64
	for _, m := range st {
		if m.State == goose.StateApplied {
			last = m.Source.Version
		}
	}
	fmt.Fprintf(w, "migrations: %d applied, latest %05d\n", len(st), last)
	fp, err := keyFingerprint(ctx, d)
	if err != nil {
		return err
	}
	if fp == "" {
		fmt.Fprintln(w, "key: the backup records no key fingerprint (it was never served); the first start sets one")
	} else {
		keys, src, err := pii.LoadKeysFor(os.Getenv(pii.EnvVar), cfg.DataDir, fp)
		if err != nil {
			return err
		}
		if keys.ID() != fp {
			return fmt.Errorf("the key from %s (fingerprint %s) is not the one this backup was written with (%s) — 密钥与备份不匹配",
				src, keys.ID(), fp)
		}
		fmt.Fprintf(w, "key: fingerprint %s matches (%s)\n", fp, src.Describe(cfg.DataDir))
	}
	return verifyPoints(ctx, w, &points.Service{DB: d})
}

// mustBeEmpty refuses a data folder that holds anything but the key file,
// and a database file that exists already.
func mustBeEmpty(dir, target string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.Name() != pii.KeyFileName {
			return fmt.Errorf("restore needs an empty data folder (the key file may be there): %s holds %s — 数据目录必须为空",
				dir, e.Name())
		}
	}
	for _, p := range []string{target, target + "-wal", target + "-shm"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("restore will not replace %s", p)
		}
	}
	return nil
}

// copyNew copies src to a new file dst (mode 0600), whole or not at all.
func copyNew(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".partial")
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, dst)
	}
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

func removeDB(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Remove(p)
	}
}

func checkIntegrity(ctx context.Context, d *db.DB) error {
	var res string
	if err := d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, "PRAGMA integrity_check").Scan(&res) }); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}
