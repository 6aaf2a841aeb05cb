// Package apperr is the small set of coded errors the service returns. The GraphQL error
// presenter maps each code to extensions.code once; anything uncoded is an internal error,
// logged with detail and shown to the caller as "internal error" only.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the machine-readable class of an error, sent as extensions.code.
type Code string

const (
	Invalid         Code = "BAD_USER_INPUT"
	NotFound        Code = "NOT_FOUND"
	Forbidden       Code = "FORBIDDEN"
	Conflict        Code = "CONFLICT"
	Unauthenticated Code = "UNAUTHENTICATED"
	Internal        Code = "INTERNAL"
)

// Error is a coded error with a message meant for the caller.
type Error struct {
	Code    Code
	Message string
	// Details go to extensions as they are (refused values, the current version...).
	Details map[string]any
}

func (e *Error) Error() string { return e.Message }

// New makes a coded error.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With adds a detail and returns the error.
func (e *Error) With(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// CodeOf returns the code of err, Internal when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the coded error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
