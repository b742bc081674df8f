package validate

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"estateclub/internal/apperr"
)

// failCase is an input that must be rejected, with parts of the Chinese and
// English messages that identify the reason.
type failCase struct {
	in, zh, en string
}

// mustInvalid checks that err is an Invalid *apperr.Error about field whose
// Chinese message contains zh and English message contains en.
func mustInvalid(t *testing.T, err error, field, zh, en string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error (%s), got nil", en)
	}
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *apperr.Error, got %T: %v", err, err)
	}
	if e.Code != apperr.Invalid || !apperr.Is(err, apperr.Invalid) {
		t.Errorf("code = %q, want %q", e.Code, apperr.Invalid)
	}
	if e.Field != field {
		t.Errorf("field = %q, want %q", e.Field, field)
	}
	if !strings.ContainsFunc(e.ZH, isHan) {
		t.Errorf("Chinese message %q has no Chinese", e.ZH)
	}
	if e.EN == "" || strings.ContainsFunc(e.EN, isHan) {
		t.Errorf("English message %q is empty or not English", e.EN)
	}
	if !strings.Contains(e.ZH, zh) {
		t.Errorf("Chinese message %q does not contain %q", e.ZH, zh)
	}
	if !strings.Contains(e.EN, en) {
		t.Errorf("English message %q does not contain %q", e.EN, en)
	}
}

// mustValidError is mustInvalid without expectations on the wording, for fuzz
// tests: any rejection must still be a well-formed Invalid error.
func mustValidError(t *testing.T, err error, field string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != field || e.ZH == "" || e.EN == "" {
		t.Fatalf("malformed error %#v", err)
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
