// Package apperr defines the errors Campagnon shows to people: a kind that
// decides the HTTP status and the exit code, a stable machine code, a public
// message in French and in English that says what went wrong and what to do,
// and a private cause that is logged but never shown.
//
// One error kind maps to one HTTP status here and nowhere else.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// KindInternal is a fault of the platform itself; the caller can only retry later.
	KindInternal Kind = iota
	// KindInvalid means the input is wrong; the message says which part and why.
	KindInvalid
	// KindNotFound means the object does not exist or is not visible to the caller.
	KindNotFound
	// KindConflict means the object already exists or its state forbids the change.
	KindConflict
	// KindUnavailable means a dependency (database, search engine) cannot be reached.
	KindUnavailable
	// KindForbidden means the caller is known but may not do this.
	KindForbidden
	// KindUnauthenticated means the caller must sign in first.
	KindUnauthenticated
	// KindTooLarge means the input exceeds a size limit.
	KindTooLarge
	// KindRateLimited means the caller sent too many requests.
	KindRateLimited
	// KindMethodNotAllowed means the address exists but not with this HTTP method.
	KindMethodNotAllowed
	// KindRefused means a rule of the territory refuses the request (a
	// plugin's business refusal); the message states the rule.
	KindRefused
)

// String returns the kind's name as used in logs.
func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindUnavailable:
		return "unavailable"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindTooLarge:
		return "too_large"
	case KindRateLimited:
		return "rate_limited"
	case KindMethodNotAllowed:
		return "method_not_allowed"
	case KindRefused:
		return "refused"
	default:
		return "internal"
	}
}

// HTTPStatus returns the one HTTP status used for errors of kind k.
func (k Kind) HTTPStatus() int {
	switch k {
	case KindInvalid:
		return http.StatusBadRequest
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindForbidden:
		return http.StatusForbidden
	case KindUnauthenticated:
		return http.StatusUnauthorized
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case KindRefused:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// ExitCode returns the process exit code a command uses for errors of kind k:
// 2 for input the operator can fix, 3 for an unreachable dependency, 1 otherwise.
func (k Kind) ExitCode() int {
	switch k {
	case KindInvalid, KindNotFound, KindConflict, KindTooLarge, KindMethodNotAllowed, KindRefused:
		return 2
	case KindUnavailable:
		return 3
	default:
		return 1
	}
}

// Error is an error with a public message. Message (French) and MessageEN are
// safe to show; Cause is only logged.
type Error struct {
	Kind      Kind
	Code      string
	Message   string
	MessageEN string
	Cause     error
}

// Error returns the French message followed by the cause, for logs and
// command-line output.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s (%v)", e.Message, e.Cause)
	}
	return e.Message
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error of the given kind and code with a French and an English message.
func New(kind Kind, code, fr, en string) *Error {
	return &Error{Kind: kind, Code: code, Message: fr, MessageEN: en}
}

// Wrap returns an error like New that keeps cause as its private cause.
func Wrap(cause error, kind Kind, code, fr, en string) *Error {
	return &Error{Kind: kind, Code: code, Message: fr, MessageEN: en, Cause: cause}
}

// As returns the first *Error in err's chain, or an internal error that hides
// err's text when there is none.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{
		Kind:      KindInternal,
		Code:      "internal",
		Message:   "Une erreur interne est survenue. Réessayez dans un instant ; si elle persiste, signalez-la avec l'identifiant de la requête.",
		MessageEN: "An internal error occurred. Try again in a moment; if it persists, report it with the request ID.",
		Cause:     err,
	}
}

// KindOf returns the kind of err, KindInternal when it carries none.
func KindOf(err error) Kind { return As(err).Kind }
