package main

import (
	"os"
	"strings"
	"testing"

	"estateclub/internal/demo"
)

// TestReadmeStandsAlone: the README names every demo login the server
// prints and points only at documents inside the repository.
func TestReadmeStandsAlone(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, l := range demo.Logins {
		if !strings.Contains(readme, "`"+l.Login+"`") {
			t.Errorf("the README does not list the demo login %s", l.Login)
		}
	}
	if strings.Contains(readme, "../shared") {
		t.Error("the README points outside the repository (../shared)")
	}
	if _, err := os.Stat("../../docs/DOMAIN.md"); err != nil {
		t.Errorf("docs/DOMAIN.md: %v", err)
	}
}
