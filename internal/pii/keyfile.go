package pii

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"estateclub/internal/apperr"
)

// KeyFileName is the key file's name inside the data dir.
const KeyFileName = "estateclub.key"

// KeyFilePath is where LoadKeys keeps the key file for dataDir.
func KeyFilePath(dataDir string) string { return filepath.Join(dataDir, KeyFileName) }

// loserWait bounds how long a process that lost the first-start race waits
// for the winner's file to be complete (only the no-hard-link fallback can
// show a half-written file).
const loserWait = 2 * time.Second

func loadOrCreateFile(path string) ([]byte, Source, error) {
	master, err := readKeyFile(path)
	if err == nil {
		return master, SourceFile, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, 0, err
	}
	master, won, err := createKeyFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("create key file %s: %w", path, err)
	}
	if won {
		return master, SourceCreated, nil
	}
	deadline := time.Now().Add(loserWait)
	for {
		master, err = readKeyFile(path)
		if err == nil || time.Now().After(deadline) {
			return master, SourceFile, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readKeyFile reads and checks the key file; a missing file gives an error
// matching fs.ErrNotExist.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat() // of the open file, so the checked file is the one read
	if err != nil {
		return nil, fmt.Errorf("stat key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, keyFileErr(path, "不是普通文件", "is not a regular file")
	}
	// Windows has no Unix mode bits; its ACLs are the operator's job.
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, keyFileErr(path,
			fmt.Sprintf("权限为 %04o，其他用户可访问；请执行 chmod 600 %s", perm, path),
			fmt.Sprintf("has mode %04o and is open to group or others; run: chmod 600 %s", perm, path))
	}
	data, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	master, err := parseKey(string(data))
	if err != nil {
		return nil, keyFileErr(path, "内容无效："+err.Error(), "is not a valid key: "+err.Error())
	}
	return master, nil
}

func keyFileErr(path, zh, en string) error {
	return &apperr.Error{Code: apperr.Invalid, ZH: "密钥文件 " + path + " " + zh, EN: "key file " + path + " " + en}
}

// createKeyFile writes a new random key. The file appears complete or not at
// all: it is written to a temporary file and hard-linked into place, and the
// link fails if another process got there first — unlike rename, which would
// silently replace the key that process is already using. won is false when
// another process created the file first; the caller then reads that one.
func createKeyFile(path string) (master []byte, won bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	master = make([]byte, KeySize)
	if _, err := rand.Read(master); err != nil {
		return nil, false, err
	}
	content := []byte(base64.StdEncoding.EncodeToString(master) + "\n")
	tmp, err := os.CreateTemp(dir, ".estateclub.key.*.tmp") // mode 0600, O_EXCL
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if err := writeSync(tmp, content); err != nil {
		return nil, false, err
	}
	switch err := os.Link(tmp.Name(), path); {
	case err == nil:
		syncDir(dir)
		return master, true, nil
	case errors.Is(err, fs.ErrExist):
		clear(master)
		return nil, false, nil
	}
	// Some filesystems have no hard links.
	won, err = createExclusive(path, content)
	if !won {
		clear(master)
		return nil, false, err
	}
	syncDir(dir)
	return master, true, nil
}

// createExclusive is the fallback without hard links: O_EXCL on the final
// name still lets only one process win, but the file is briefly empty, so
// losers wait until its content is complete (see loadOrCreateFile).
func createExclusive(path string, content []byte) (won bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := writeSync(f, content); err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}

// writeSync writes, flushes to disk and closes f: a key lost in a crash
// right after first start would make everything written with it unreadable.
func writeSync(f *os.File, content []byte) error {
	_, err := f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the new directory entry durable. It is best effort: some
// systems (Windows) cannot sync a directory, and the file itself is synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
