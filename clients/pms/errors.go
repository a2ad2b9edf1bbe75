package pms

import (
	"errors"
	"fmt"
)

// Error classes; test with errors.Is.
var (
	// ErrConflict is a 412: the If-Match version is stale; re-read and re-merge.
	ErrConflict = errors.New("pms: version conflict")
	// ErrNotFound is a 404: no such appointment.
	ErrNotFound = errors.New("pms: not found")
	// ErrPermanent fails the same way however often it is retried.
	ErrPermanent = errors.New("pms: permanent failure")
	// ErrTransient may succeed later (5xx, 429, timeout, network).
	ErrTransient = errors.New("pms: transient failure")
)

// Error is a failed PMS call. Its text names the operation and HTTP
// status only, never appointment content.
type Error struct {
	// Op is the operation: "list", "get", "update" or "create".
	Op string
	// HTTPStatus is the answer's status; 0 when there was none.
	HTTPStatus int
	// Class is one of ErrConflict, ErrNotFound, ErrPermanent, ErrTransient.
	Class error
	// CurrentVersion is the PMS's version on a 412, when it said; else 0.
	CurrentVersion int

	err error
}

// Error describes the failure without request or answer content.
func (e *Error) Error() string {
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("pms: %s: HTTP %d (%s)", e.Op, e.HTTPStatus, className(e.Class))
	}
	return fmt.Sprintf("pms: %s: %s: %v", e.Op, className(e.Class), e.err)
}

// Is matches the error's class.
func (e *Error) Is(target error) bool { return target == e.Class }

// Unwrap returns the cause (e.g. context.DeadlineExceeded).
func (e *Error) Unwrap() error { return e.err }

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool { return e.Class == ErrTransient }

// IsTransient reports whether err is a PMS error worth retrying.
func IsTransient(err error) bool { return errors.Is(err, ErrTransient) }

func className(c error) string {
	switch c {
	case ErrConflict:
		return "version conflict"
	case ErrNotFound:
		return "not found"
	case ErrTransient:
		return "transient"
	default:
		return "permanent"
	}
}

// classify maps an HTTP status to an error class.
func classify(status int) error {
	switch {
	case status == 412:
		return ErrConflict
	case status == 404:
		return ErrNotFound
	case status == 429, status == 408, status >= 500:
		return ErrTransient
	default:
		return ErrPermanent
	}
}
