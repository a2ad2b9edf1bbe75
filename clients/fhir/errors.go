package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidArgument marks a call rejected before any request was sent (bad resource type
// or id, unmarshalable body, missing version for a conditional update). It is permanent.
var ErrInvalidArgument = errors.New("fhir: invalid argument")

// Error is a failed FHIR or token-endpoint interaction. Its message holds only the
// operation, the HTTP status and the issue code; never diagnostics text or resource content.
type Error struct {
	// Op is the interaction: "token", "read", "search", "create", "update".
	Op string
	// ResourceType is the FHIR type the interaction was about; empty for "token".
	ResourceType string
	// Status is the HTTP status, or 0 when no response arrived (network error, timeout).
	Status int
	// Code is the OperationOutcome issue[0].code (for the token endpoint: the OAuth
	// "error" value), or a local code ("network", "timeout", "canceled", "malformed").
	Code string
	// Retryable is true for 408, 429, 5xx, network failures and timeouts.
	Retryable bool
	// RetryAfter is the server's Retry-After hint, zero when absent.
	RetryAfter time.Duration
	// Issues are the OperationOutcome issues without their free-text parts.
	Issues []Issue
	// Err is the underlying transport error, if any.
	Err error
}

// Issue is one OperationOutcome issue stripped of diagnostics and details text.
type Issue struct {
	Severity   string   `json:"severity"`
	Code       string   `json:"code"`
	Expression []string `json:"expression,omitempty"`
}

// Error returns "fhir <op> <type>: status <n> (<code>)"; it is safe to log.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fhir ")
	b.WriteString(e.Op)
	if e.ResourceType != "" {
		b.WriteByte(' ')
		b.WriteString(e.ResourceType)
	}
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString("status ")
		b.WriteString(strconv.Itoa(e.Status))
	} else {
		b.WriteString("no response")
	}
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the transport error, so errors.Is(err, context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether err is a FHIR 404 Not Found or 410 Gone (a deleted resource).
func IsNotFound(err error) bool {
	var fe *Error
	return errors.As(err, &fe) && (fe.Status == http.StatusNotFound || fe.Status == http.StatusGone)
}

// IsRetryable reports whether err is a transient failure worth retrying later. Errors that
// are not *Error (invalid arguments, decode failures) are permanent.
func IsRetryable(err error) bool {
	var fe *Error
	return errors.As(err, &fe) && fe.Retryable
}

// retryableStatus classifies an HTTP status: 4xx permanent except 408 and 429; 5xx transient.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// operationOutcome is the wire shape of the parts of an OperationOutcome the client reads.
type operationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// responseError builds the Error for a non-2xx FHIR response. The body is parsed only for
// issue codes; diagnostics are deliberately dropped.
func responseError(op, resourceType string, resp *http.Response, body []byte, now time.Time) *Error {
	e := &Error{
		Op:           op,
		ResourceType: resourceType,
		Status:       resp.StatusCode,
		Retryable:    retryableStatus(resp.StatusCode),
		RetryAfter:   parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	var oo operationOutcome
	if json.Unmarshal(body, &oo) == nil && oo.ResourceType == "OperationOutcome" {
		e.Issues = oo.Issue
		if len(oo.Issue) > 0 {
			e.Code = oo.Issue[0].Code
		}
	}
	return e
}

// transportError classifies a failure to get any response at all.
func transportError(op, resourceType string, err error) *Error {
	e := &Error{Op: op, ResourceType: resourceType, Code: "network", Retryable: true, Err: err}
	switch {
	case errors.Is(err, context.Canceled):
		// The caller gave up (activity cancelled, worker stopping): retrying is its decision.
		e.Code, e.Retryable = "canceled", false
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Code = "timeout"
	}
	return e
}

// isTimeout reports a net.Error-style timeout (http.Client.Timeout, dial timeouts).
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date relative to now.
// Unparseable or past values yield zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// invalidArg returns an ErrInvalidArgument with a PHI-free reason.
func invalidArg(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}
