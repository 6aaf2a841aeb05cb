// Package apperr is the small set of coded errors the service returns. The GraphQL error
// presenter maps each code to extensions.code once; anything uncoded is an internal error,
// logged with detail and shown to the caller as "internal error" only.
package apperr

import (
	"errors"

	"planapi/msg"
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

	// Codes of the request itself rather than of its data: the transport, the request budget
	// and faults outside the caller's control.

	// BadRequest: the HTTP request is not a GraphQL request (malformed JSON, a batch), or an
	// operation came by the wrong transport (a subscription over HTTP, a query or mutation
	// over the websocket).
	BadRequest Code = "BAD_REQUEST"
	// NotAcceptable: the Accept header names neither application/json nor
	// application/graphql-response+json (HTTP 406).
	NotAcceptable Code = "NOT_ACCEPTABLE"
	// MethodNotAllowed: a mutation sent with GET (HTTP 405; GET is for queries only).
	MethodNotAllowed Code = "METHOD_NOT_ALLOWED"
	// PayloadTooLarge: the body is over MAX_BODY_BYTES (HTTP 413).
	PayloadTooLarge Code = "PAYLOAD_TOO_LARGE"
	// TooDeep: the document nests fields deeper than the depth limit.
	TooDeep Code = "QUERY_TOO_DEEP"
	// TooManyAliases: one selection asks for the same field under too many aliases.
	TooManyAliases Code = "TOO_MANY_ALIASES"
	// TooComplex: the document's estimated cost is over the complexity limit (gqlgen's code).
	TooComplex Code = "COMPLEXITY_LIMIT_EXCEEDED"
	// TooManySubscriptions: a websocket already carries as many subscriptions as it may.
	TooManySubscriptions Code = "TOO_MANY_SUBSCRIPTIONS"
	// Timeout: the request ran past its deadline (REQUEST_TIMEOUT or STATEMENT_TIMEOUT).
	Timeout Code = "TIMEOUT"
	// Unavailable: the database cannot be reached; retry later (HTTP 503, Retry-After).
	Unavailable Code = "UNAVAILABLE"
	// Canceled: the client went away. Nobody reads it; it is logged at debug level only.
	Canceled Code = "CANCELED"
)

// Error is a coded error with a message meant for the caller. The message is kept as a
// msg.Text and rendered by the error presenter in the request's language.
type Error struct {
	Code    Code
	Message msg.Text
	// Details go to extensions as they are (refused values, the current version...); a
	// msg.Text among them, at any depth, is rendered in the request's language.
	Details map[string]any
}

// Error is the message in Chinese, for logs and for callers that know no language.
func (e *Error) Error() string { return e.Message.String() }

// New makes a coded error whose message is key with its arguments as name, value pairs
// (msg.T).
func New(code Code, key msg.Key, args ...any) *Error {
	return &Error{Code: code, Message: msg.T(key, args...)}
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
