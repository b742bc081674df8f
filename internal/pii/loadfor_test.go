package pii

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"estateclub/internal/apperr"
)

// A database that remembers its key's fingerprint and gets no key is
// refused, and nothing is written to the data dir; a new database (no
// fingerprint) gets a key file as before; a key given is used either way.
func TestLoadKeysFor(t *testing.T) {
	const fp = "0123456789abcdef"
	t.Run("database with a key, none given", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadKeysFor("", dir, fp)
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), fp) || !strings.Contains(err.Error(), EnvVar) {
			t.Fatalf("err = %v, want a refusal naming the fingerprint and %s", err, EnvVar)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("the refusal left %d files in the data dir (%s)", len(entries), entries[0].Name())
		}
	})
	t.Run("new database", func(t *testing.T) {
		dir := t.TempDir()
		k, src, err := LoadKeysFor("", dir, "")
		if err != nil || src != SourceCreated {
			t.Fatalf("LoadKeysFor on a new database = %v, %v; want a created key", src, err)
		}
		assertOnlyKeyFile(t, dir)
		again, src, err := LoadKeysFor("", dir, k.ID())
		if err != nil || src != SourceFile || !sameKeys(k, again) {
			t.Fatalf("second start = %v, %v; want the same key from the file", src, err)
		}
	})
	t.Run("key in the environment", func(t *testing.T) {
		dir := t.TempDir()
		k, src, err := LoadKeysFor(hex.EncodeToString(testMaster()), dir, fp)
		if err != nil || src != SourceEnv {
			t.Fatalf("LoadKeysFor with %s = %v, %v", EnvVar, src, err)
		}
		want, _ := NewKeys(testMaster())
		if !sameKeys(k, want) {
			t.Fatal("keys not derived from the environment's secret")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("a key from the environment left %d files in the data dir", len(entries))
		}
	})
	t.Run("bad key file is reported, not replaced", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(KeyFilePath(dir), []byte("not a key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadKeysFor("", dir, fp); err == nil || !strings.Contains(err.Error(), "not a valid key") {
			t.Fatalf("err = %v", err)
		}
		if b, _ := os.ReadFile(KeyFilePath(dir)); string(b) != "not a key\n" {
			t.Fatalf("key file changed to %q", b)
		}
	})
}
