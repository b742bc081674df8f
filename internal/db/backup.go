package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupTo writes a consistent copy of the SQLite database to path, while
// other connections and processes go on writing: VACUUM INTO reads one
// snapshot, committed transactions still in the write-ahead log included
// (a copy of the database file alone misses those). The copy is written
// beside path and renamed into place, so path holds a whole backup or
// nothing; path must not exist yet. PostgreSQL databases are backed up
// with pg_dump instead.
func (d *DB) BackupTo(ctx context.Context, path string) error {
	if d.dialect != SQLite {
		return errors.New("backup: only a SQLite database can be backed up this way; use pg_dump for PostgreSQL")
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".partial")
	_ = os.Remove(tmp) // left by an earlier run that was stopped
	if _, err := d.write.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: vacuum into %s: %w", tmp, err)
	}
	// Member data is encrypted, but staff password hashes and the rest
	// are not: the backup is for the operator's eyes only.
	if err := os.Chmod(tmp, 0o600); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	// A hard link fails if path appeared meanwhile, where rename would
	// silently replace it.
	if err := os.Link(tmp, abs); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	_ = os.Remove(tmp)
	if dir, err := os.Open(filepath.Dir(abs)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
