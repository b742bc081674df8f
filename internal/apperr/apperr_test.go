package apperr_test

import (
	"fmt"
	"net/http"
	"testing"

	"estateclub/internal/apperr"
)

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[apperr.Code]int{
		apperr.Invalid:            http.StatusBadRequest,
		apperr.NotFound:           http.StatusNotFound,
		apperr.Conflict:           http.StatusConflict,
		apperr.InsufficientPoints: http.StatusConflict,
		apperr.Forbidden:          http.StatusForbidden,
		apperr.Unauthorized:       http.StatusUnauthorized,
		apperr.TooMany:            http.StatusTooManyRequests,
		apperr.Locked:             http.StatusLocked,
		apperr.TooLarge:           http.StatusRequestEntityTooLarge,
		apperr.UnsupportedMedia:   http.StatusUnsupportedMediaType,
		apperr.Busy:               http.StatusServiceUnavailable,
		apperr.Internal:           http.StatusInternalServerError,
	} {
		if got := apperr.HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestIsSeesThroughWrapping(t *testing.T) {
	err := fmt.Errorf("redeem: %w", &apperr.Error{Code: apperr.InsufficientPoints, ZH: "积分不足", EN: "insufficient points"})
	if !apperr.Is(err, apperr.InsufficientPoints) || apperr.Is(err, apperr.Conflict) {
		t.Errorf("Is(%v) did not find insufficient_points alone", err)
	}
	if e := apperr.As(err); e.Message("en") != "insufficient points" || e.Message("zh-CN") != "积分不足" {
		t.Errorf("As(%v) = %+v", err, e)
	}
}
