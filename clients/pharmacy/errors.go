package pharmacy

import (
	"errors"
	"fmt"
	"strconv"
)

// TransientError is a failure worth resending the same message for: a
// network error, a timeout, or an HTTP 429 or 5xx answer.
type TransientError struct {
	// StatusCode is the HTTP status, 0 when no answer arrived.
	StatusCode int
	// Err is the underlying network error, nil for an HTTP status.
	Err error
}

// Error names the HTTP status or says that the network was unreachable.
func (e *TransientError) Error() string {
	if e.StatusCode != 0 {
		return "pharmacy: network answered HTTP " + strconv.Itoa(e.StatusCode)
	}
	return fmt.Sprintf("pharmacy: network unreachable: %v", e.Err)
}

// Unwrap returns the network error.
func (e *TransientError) Unwrap() error { return e.Err }

// RejectedError is an NCPDP Error answer: the network or pharmacy refused
// the message. It is permanent: resending the same message gets the same
// answer.
type RejectedError struct {
	// Code is the Error Code (600, 601, 602, 900).
	Code string
	// DescriptionCode is the optional NCPDP description code.
	DescriptionCode string
	// Description is the pharmacy's free text; it may carry PHI, so Error()
	// leaves it out.
	Description string
	// MessageID is the MessageID of the Error message itself.
	MessageID string
}

// Error names the codes, never the description text.
func (e *RejectedError) Error() string {
	s := "pharmacy: message rejected with NCPDP Error " + e.Code
	if e.DescriptionCode != "" {
		s += " (description code " + e.DescriptionCode + ")"
	}
	return s
}

// PermanentError is a failure that resending cannot fix: the message does
// not encode, the network answered a 4xx other than 429, or the answer is
// malformed, unexpected, or related to another message.
type PermanentError struct {
	// Reason is a fixed description without message content.
	Reason string
	// StatusCode is the HTTP status when the answer had one.
	StatusCode int
	// Err is the underlying error (an ncpdp decode or validation error,
	// whose text names elements, never values).
	Err error
}

// Error formats the reason, the status and the underlying error.
func (e *PermanentError) Error() string {
	s := "pharmacy: " + e.Reason
	if e.StatusCode != 0 {
		s += " (HTTP " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a *RejectedError or a
// *PermanentError, i.e. resending the same message cannot succeed.
func IsPermanent(err error) bool {
	var rej *RejectedError
	var perm *PermanentError
	return errors.As(err, &rej) || errors.As(err, &perm)
}
