package pii

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/apperr"
)

// testMaster is 0x00..0x1f, so each encoding is easy to check by eye.
func testMaster() []byte {
	b := make([]byte, KeySize)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestLoadKeysEnvValid(t *testing.T) {
	m := testMaster()
	fb := bytes.Repeat([]byte{0xfb}, KeySize) // encodes with + / in std, - _ in URL base64
	tests := []struct {
		name, env string
		master    []byte
	}{
		{"hex", hex.EncodeToString(m), m},
		{"hex upper", strings.ToUpper(hex.EncodeToString(m)), m},
		{"base64 std", base64.StdEncoding.EncodeToString(m), m},
		{"base64 raw std", base64.RawStdEncoding.EncodeToString(m), m},
		{"base64 std + /", base64.StdEncoding.EncodeToString(fb), fb},
		{"base64 url", base64.URLEncoding.EncodeToString(fb), fb},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(fb), fb},
		{"trailing newline", hex.EncodeToString(m) + "\n", m},
		{"leading space", "  " + base64.StdEncoding.EncodeToString(m), m},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := NewKeys(tt.master)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			k, src, err := LoadKeys(tt.env, dir)
			if err != nil {
				t.Fatal(err)
			}
			if src != SourceEnv {
				t.Errorf("source = %v, want env", src)
			}
			if !sameKeys(k, want) {
				t.Error("keys differ from NewKeys(master)")
			}
			if _, err := os.Stat(KeyFilePath(dir)); !os.IsNotExist(err) {
				t.Error("a key file was created although the env key was given")
			}
		})
	}
}

func TestLoadKeysEnvBeatsFile(t *testing.T) {
	dir := t.TempDir()
	fromFile, _, err := LoadKeys("", dir)
	if err != nil {
		t.Fatal(err)
	}
	k, src, err := LoadKeys(hex.EncodeToString(testMaster()), dir)
	if err != nil || src != SourceEnv || sameKeys(k, fromFile) {
		t.Fatalf("src %v, err %v, same as file %v; want the env key", src, err, sameKeys(k, fromFile))
	}
}

func TestLoadKeysEnvInvalid(t *testing.T) {
	m := testMaster()
	tests := map[string]string{
		"hex 63":        hex.EncodeToString(m)[:63],
		"hex 62":        hex.EncodeToString(m[:31]),
		"hex 66":        hex.EncodeToString(append(m, 1)),
		"hex bad char":  "zz" + hex.EncodeToString(m)[2:],
		"base64 31":     base64.StdEncoding.EncodeToString(m[:31]),
		"base64 33":     base64.StdEncoding.EncodeToString(append(m, 1)),
		"base64 16":     base64.StdEncoding.EncodeToString(m[:16]),
		"passphrase":    "correct horse battery staple",
		"whitespace":    "   ",
		"mixed padding": base64.StdEncoding.EncodeToString(m)[:43] + "==",
	}
	for name, env := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := LoadKeys(env, t.TempDir())
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want invalid", err)
			}
			if !strings.Contains(err.Error(), EnvVar) {
				t.Errorf("error %q does not name %s", err, EnvVar)
			}
			if s := strings.TrimSpace(env); len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Errorf("error %q quotes the secret", err)
			}
		})
	}
}

func TestLoadKeysCreatesThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	k1, src, err := LoadKeys("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if src != SourceCreated {
		t.Fatalf("first source = %v, want created", src)
	}
	fi, err := os.Stat(KeyFilePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(KeyFilePath(dir))
	if raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(string(data), "\n")); err != nil || len(raw) != KeySize {
		t.Errorf("key file %q is not base64 of %d bytes", data, KeySize)
	}
	k2, src, err := LoadKeys("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if src != SourceFile {
		t.Errorf("second source = %v, want file", src)
	}
	if !sameKeys(k1, k2) {
		t.Fatal("second start derived different keys")
	}
	if ct, _ := k1.Seal("13812345678", "member.mobile:1"); mustOpen(t, k2, ct, "member.mobile:1") != "13812345678" {
		t.Fatal("data sealed before restart does not open after")
	}
	assertOnlyKeyFile(t, dir)
}

func TestLoadKeysFileForms(t *testing.T) {
	m := testMaster()
	want, _ := NewKeys(m)
	for name, content := range map[string]string{
		"base64 newline": base64.StdEncoding.EncodeToString(m) + "\n",
		"base64 crlf":    base64.StdEncoding.EncodeToString(m) + "\r\n",
		"hex":            hex.EncodeToString(m),
		"raw url":        base64.RawURLEncoding.EncodeToString(m),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			mustWriteFile(t, KeyFilePath(dir), content, 0o600)
			k, src, err := LoadKeys("", dir)
			if err != nil {
				t.Fatal(err)
			}
			if src != SourceFile || !sameKeys(k, want) {
				t.Fatalf("source %v, same keys %v", src, sameKeys(k, want))
			}
		})
	}
}

func TestLoadKeysFileRefused(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(testMaster()) + "\n"
	tests := []struct {
		name, content string
		mode          os.FileMode
		wantMsg       string
	}{
		{"group readable", good, 0o640, "chmod 600"},
		{"world readable", good, 0o644, "chmod 600"},
		{"other only", good, 0o604, "chmod 600"},
		{"group writable", good, 0o620, "chmod 600"},
		{"empty", "", 0o600, "not a valid key"},
		{"short", base64.StdEncoding.EncodeToString(testMaster()[:16]), 0o600, "not a valid key"},
		{"garbage", "hello world\n", 0o600, "not a valid key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && strings.Contains(tt.wantMsg, "chmod") {
				t.Skip("no Unix modes on Windows")
			}
			dir := t.TempDir()
			mustWriteFile(t, KeyFilePath(dir), tt.content, tt.mode)
			_, _, err := LoadKeys("", dir)
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), tt.wantMsg) ||
				!strings.Contains(err.Error(), KeyFilePath(dir)) {
				t.Fatalf("err = %v, want invalid naming the file and %q", err, tt.wantMsg)
			}
			if got, _ := os.ReadFile(KeyFilePath(dir)); string(got) != tt.content {
				t.Error("a refused key file was changed")
			}
		})
	}
}

func TestLoadKeysNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(KeyFilePath(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeys("", dir); err == nil {
		t.Fatal("a directory was accepted as the key file")
	}
}

func TestLoadKeysNoDataDir(t *testing.T) {
	if _, _, err := LoadKeys("", ""); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
}

func TestLoadKeysConcurrentFirstStart(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	keys := make([]*Keys, n)
	srcs := make([]Source, n)
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			start.Wait()
			keys[i], srcs[i], errs[i] = LoadKeys("", dir)
		})
	}
	start.Done()
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !sameKeys(keys[i], keys[0]) {
			t.Fatalf("goroutine %d derived different keys", i)
		}
		if srcs[i] == SourceCreated {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d goroutines report creating the key, want 1", created)
	}
	assertOnlyKeyFile(t, dir)
}

// TestCreateExclusiveRace covers the fallback for filesystems without hard
// links: one winner, and the file holds the winner's content.
func TestCreateExclusiveRace(t *testing.T) {
	path := KeyFilePath(t.TempDir())
	const n = 8
	won := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			won[i], err = createExclusive(path, []byte{byte('a' + i)})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	winners := 0
	for i, w := range won {
		if w {
			winners++
			if got, _ := os.ReadFile(path); string(got) != string(rune('a'+i)) {
				t.Errorf("file holds %q, winner wrote %q", got, string(rune('a'+i)))
			}
		}
	}
	if winners != 1 {
		t.Fatalf("%d winners, want 1", winners)
	}
}

func TestSourceDescribe(t *testing.T) {
	dir := filepath.Join("srv", "estateclub")
	tests := []struct {
		src        Source
		name, want string
	}{
		{SourceEnv, "env", EnvVar},
		{SourceFile, "file", KeyFilePath(dir)},
		{SourceCreated, "created", "back it up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.src.String() != tt.name {
				t.Errorf("String = %q", tt.src.String())
			}
			if d := tt.src.Describe(dir); !strings.Contains(d, tt.want) {
				t.Errorf("Describe = %q, want it to mention %q", d, tt.want)
			}
		})
	}
	if d := SourceCreated.Describe(dir); !strings.Contains(d, KeyFilePath(dir)) || !strings.Contains(d, "cannot be read") {
		t.Errorf("created message %q is not clear enough", d)
	}
}

func mustWriteFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is subject to umask
		t.Fatal(err)
	}
}

func mustOpen(t *testing.T, k *Keys, ct []byte, aad string) string {
	t.Helper()
	s, err := k.Open(ct, aad)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertOnlyKeyFile checks that no temporary files were left behind.
func assertOnlyKeyFile(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != KeyFileName {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("data dir holds %v, want only %s", names, KeyFileName)
	}
}
