// Package apperr is the one error type of estateclub: a code that maps to an
// HTTP status, the field at fault, and a human message in Chinese and English.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error. Codes are part of the API contract.
type Code string

// Error codes.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Forbidden    Code = "forbidden"
	Unauthorized Code = "unauthorized"
	TooMany      Code = "too_many_requests"
	Locked       Code = "locked"
	Internal     Code = "internal"
	// Busy: the database could not take the request in time (another
	// writer holds it); the same request may simply be sent again.
	Busy Code = "busy"
	// InsufficientPoints: a debit would take a member's points below zero.
	InsufficientPoints Code = "insufficient_points"
	// TooLarge: the request body is over the size its route accepts.
	TooLarge Code = "too_large"
	// UnsupportedMedia: the request body is not of a type the route reads.
	UnsupportedMedia Code = "unsupported_media_type"
)

// Error is a domain error with a bilingual message.
type Error struct {
	Code  Code
	Field string // the input field at fault, if any
	ZH    string // message in Chinese
	EN    string // message in English
	Err   error  // underlying cause, never shown to users
}

func (e *Error) Error() string {
	msg := e.EN
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Message returns the message in lang ("zh-CN" or "en"); Chinese is the default.
func (e *Error) Message(lang string) string {
	if lang == "en" {
		return e.EN
	}
	return e.ZH
}

// New makes an error with a code and messages.
func New(code Code, zh, en string) *Error { return &Error{Code: code, ZH: zh, EN: en} }

// Field makes an Invalid error about one input field.
func Field(field, zh, en string) *Error {
	return &Error{Code: Invalid, Field: field, ZH: zh, EN: en}
}

// NotFoundf is the standard not-found error for a kind of object.
func NotFoundf(zhKind, enKind string) *Error {
	return &Error{Code: NotFound, ZH: zhKind + "不存在", EN: enKind + " not found"}
}

// ForbiddenErr is the standard permission error.
func ForbiddenErr() *Error {
	return &Error{Code: Forbidden, ZH: "没有权限执行此操作", EN: "you do not have permission to do this"}
}

// RetryAfter is how many seconds a client is told to wait before sending
// a request that met a Busy error again.
const RetryAfter = 2

// BusyErr is the error of a request the database could not take in time;
// cause says why (never shown to users).
func BusyErr(cause error) *Error {
	return &Error{Code: Busy, ZH: "数据库繁忙，请稍后重试", EN: "the database is busy; please try again in a moment", Err: cause}
}

// As extracts an *Error from err; any other error becomes Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, ZH: "服务器内部错误，请稍后再试", EN: "internal server error, please try again later", Err: err}
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// HTTPStatus maps a code to its HTTP status, in this one place.
func HTTPStatus(code Code) int {
	switch code {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict, InsufficientPoints:
		return http.StatusConflict
	case Forbidden:
		return http.StatusForbidden
	case Unauthorized:
		return http.StatusUnauthorized
	case TooMany:
		return http.StatusTooManyRequests
	case Locked:
		return http.StatusLocked
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case UnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case Busy:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
