package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCataloguesHaveTheSameMessages(t *testing.T) {
	zh, err := IDs("zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	en, err := IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range zh {
		if !slices.Contains(en, id) {
			t.Errorf("%s is in zh-CN but not in en", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(zh, id) {
			t.Errorf("%s is in en but not in zh-CN", id)
		}
	}
}

// Every message a template or handler asks for exists in both languages.
func TestEveryUsedMessageExists(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tmplUse := regexp.MustCompile(`t \$?\.Lang "([a-z]+\.[a-z_0-9.]+)"`)
	goUse := regexp.MustCompile(`"((?:app|nav|login|error|flash|common|dashboard|org|staff|audit|account)\.[a-z_0-9]+)"`)
	root := filepath.Join("..", "web")
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".html" && filepath.Ext(path) != ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		uses := tmplUse
		if filepath.Ext(path) == ".go" {
			if strings.HasSuffix(path, "_test.go") {
				return nil
			}
			uses = goUse
		}
		for _, m := range uses.FindAllStringSubmatch(string(src), -1) {
			found++
			for _, lang := range Languages {
				if !c.Has(lang, m[1]) {
					t.Errorf("%s uses %q, missing in %s", path, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("found only %d message uses; the pattern no longer matches the templates", found)
	}
}

func TestLanguageChoice(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ header, want string }{
		{"", "zh-CN"}, {"en-US,en;q=0.9", "en"}, {"zh-TW", "zh-CN"}, {"fr", "zh-CN"}, {"de, en;q=0.5", "en"}, {"garbage;;", "zh-CN"},
	} {
		if got := c.Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
	if got := c.T("en", "common.page", map[string]any{"P": 2, "N": 5}); got != "Page 2 of 5" {
		t.Errorf("template data: %q", got)
	}
	if got := c.T("zh-CN", "no.such.message"); got != "no.such.message" {
		t.Errorf("missing message shows %q", got)
	}
}
