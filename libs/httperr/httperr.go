// Package httperr is the one error type a PeerPrep API answers with: an HTTP
// status, a snake_case code, a human message and optional per-field details.
// It is written to the wire as {"error":{...},"request_id":"..."} by
// server.ErrorHandler.
package httperr

import (
	"fmt"
	"net/http"
	"time"

	"github.com/peerprep/peerprep/libs/validation"
)

// FieldError names one field that failed validation; it is the domain's
// validation.FieldError, so details pass through unconverted.
type FieldError = validation.FieldError

// Error is an error meant for the API caller. Message must never carry
// internal error text; wrap the cause in Err for the log instead.
type Error struct {
	Status     int
	Code       string
	Message    string
	Details    []FieldError
	RetryAfter time.Duration // sets Retry-After when > 0 (429, 503)
	// Extra are body fields written beside "error" and "request_id", such
	// as the ticket a 409 is about. They must not be named error or
	// request_id.
	Extra map[string]any
	Err   error // cause, logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an Error.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// BadRequest is a 400 invalid_request.
func BadRequest(message string) *Error {
	return New(http.StatusBadRequest, "invalid_request", message)
}

// Validation is a 400 validation_failed naming each bad field.
func Validation(details ...FieldError) *Error {
	e := New(http.StatusBadRequest, "validation_failed", "the request has invalid fields")
	e.Details = details
	return e
}

// FromValidation is the 400 validation_failed of a domain's validation
// error.
func FromValidation(ve *validation.Error) *Error {
	return Validation(ve.Fields...)
}

// With returns e with the extra body field key set to value.
func (e *Error) With(key string, value any) *Error {
	if e.Extra == nil {
		e.Extra = map[string]any{}
	}
	e.Extra[key] = value
	return e
}

// Unauthenticated is a 401.
func Unauthenticated(message string) *Error {
	return New(http.StatusUnauthorized, "unauthenticated", message)
}

// Forbidden is a 403.
func Forbidden(message string) *Error {
	return New(http.StatusForbidden, "forbidden", message)
}

// NotFound is a 404.
func NotFound(message string) *Error {
	return New(http.StatusNotFound, "not_found", message)
}

// Conflict is a 409.
func Conflict(message string) *Error {
	return New(http.StatusConflict, "conflict", message)
}

// Gone is a 410: the thing existed but is over for good (an ended session).
func Gone(message string) *Error {
	return New(http.StatusGone, "gone", message)
}

// RateLimited is a 429 with Retry-After.
func RateLimited(retryAfter time.Duration) *Error {
	e := New(http.StatusTooManyRequests, "rate_limited", "too many requests, try again later")
	e.RetryAfter = retryAfter
	return e
}

// Unavailable is a 503 whose cause is logged, not sent.
func Unavailable(cause error) *Error {
	e := New(http.StatusServiceUnavailable, "unavailable", "a dependency is unavailable, try again shortly")
	e.Err = cause
	return e
}

// Internal is a 500 whose cause is logged, not sent.
func Internal(cause error) *Error {
	e := New(http.StatusInternalServerError, "internal", "internal server error")
	e.Err = cause
	return e
}
