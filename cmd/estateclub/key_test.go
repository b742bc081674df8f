package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A database written with a key from ESTATECLUB_KEY, started without any
// key, is refused and no new key file appears in the data folder; a new
// database gets its key file at first start, as before.
func TestMissingKeyCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "estateclub.key")
	s := startServerEnv(t, []string{"ESTATECLUB_KEY=" + strings.Repeat("5a", 32)}, "--data-dir", dir)
	newBrowser(t).get(s.URL + "/login")
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "未提供密钥") || !strings.Contains(string(out), "ESTATECLUB_KEY") {
		t.Fatalf("serve without the database's key: %v\n%s", err, out)
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the refused start left a key file behind: %v", err)
	}

	fresh := t.TempDir()
	startServer(t, "--data-dir", fresh)
	if fi, err := os.Stat(filepath.Join(fresh, "estateclub.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a new database got no key file: %v", err)
	}
}

// TestPublicURL: --public-url takes an absolute http(s) address and refuses
// anything else, naming the flag; empty means the listen address.
func TestPublicURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "http://127.0.0.1:8080"},
		{"https://club.example.com/", "https://club.example.com"},
		{"http://10.0.0.5:8080/club", "http://10.0.0.5:8080/club"},
	} {
		c := &config{Addr: "127.0.0.1:8080", PublicURL: tc.in}
		if got, err := c.publicURL(); err != nil || got != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"club.example.com", "ftp://club.example.com", "https://club.example.com/?a=1", "https://user@club.example.com", "javascript:alert(1)"} {
		c := &config{Addr: "127.0.0.1:8080", PublicURL: bad}
		if _, err := c.publicURL(); err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}
