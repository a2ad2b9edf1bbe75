package clearinghouse

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error codes set by this client when the responder gave no code of its own.
// CORE ErrorCode values and SOAP fault codes are passed through as Code.
const (
	// CodeSuccess is the CORE ErrorCode of a processed envelope.
	CodeSuccess = "Success"
	// CodeUnauthorized is the CORE ErrorCode for rejected credentials; the
	// client also uses it for HTTP 401/403 without a CORE answer.
	CodeUnauthorized = "UnAuthorized"
	// CodeInvalidRequest means the request failed validation before sending.
	CodeInvalidRequest = "InvalidRequest"
	// CodeTransport means no HTTP answer arrived (connection refused, reset).
	CodeTransport = "Transport"
	// CodeTimeout means the context deadline or a network timeout expired.
	CodeTimeout = "Timeout"
	// CodeCanceled means the caller's context was canceled.
	CodeCanceled = "Canceled"
	// CodeMalformedResponse means the answer was not a usable CORE envelope.
	CodeMalformedResponse = "MalformedResponse"
	// CodePayloadIDMismatch means the response answered another PayloadID.
	CodePayloadIDMismatch = "PayloadIDMismatch"
)

// maxCodeLen bounds a responder-supplied code copied into Error.Code.
const maxCodeLen = 64

// maxMessageLen bounds the responder's free text kept in Error.Message.
const maxMessageLen = 512

// Error is a failed real-time exchange.
type Error struct {
	// Code is the CORE ErrorCode, the SOAP fault (sub)code's local name,
	// "HTTP<status>" or one of this package's Code constants.
	Code string
	// HTTPStatus is the response status, 0 when no response arrived.
	HTTPStatus int
	// Retryable reports whether resending the same request may succeed.
	Retryable bool
	// RetryAfter is the responder's Retry-After hint, 0 when absent.
	RetryAfter time.Duration
	// Message is the responder's ErrorMessage or fault reason. It is free
	// text from outside and may carry PHI, so Error() never includes it.
	Message string

	detail string // written by this package only: safe to show
	err    error  // underlying cause, for errors.Is/As
}

// Error describes the failure without payload or responder free text.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("clearinghouse: ")
	b.WriteString(e.Code)
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Retryable {
		b.WriteString(", retryable")
	}
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(e.detail)
	}
	return b.String()
}

// Unwrap returns the underlying cause (a transport or decoding error), if any.
func (e *Error) Unwrap() error { return e.err }

// IsRetryable reports whether err is a retryable *Error.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// permanentCodes are CORE envelope errors that resending cannot fix.
var permanentCodes = map[string]bool{
	"unauthorized":      true,
	"versionmismatch":   true,
	"coreenvelopeerror": true,
	// WS-Security fault subcodes (OASIS WSS 1.1 section 12).
	"failedauthentication":     true,
	"invalidsecurity":          true,
	"invalidsecuritytoken":     true,
	"unsupportedsecuritytoken": true,
	"securitytokenunavailable": true,
	"failedcheck":              true,
	"unsupportedalgorithm":     true,
	// SOAP 1.2 fault codes for requests the receiver will never accept.
	"sender":              true,
	"client":              true,
	"mustunderstand":      true,
	"dataencodingunknown": true,
}

// permanentSuffixes mark CORE per-field errors ("PayloadIDRequired",
// "PayloadTypeIllegal", "PayloadIDMissing", "PayloadTypeIncorrect", ...).
var permanentSuffixes = []string{"required", "illegal", "missing", "incorrect", "invalid",
	"notsupported", "mismatch", "unknown"}

// transientWords mark codes for a receiver that is busy or down
// ("ReceiverUnavailable", "ServerBusy", "ServerTimeout", "Receiver Down").
var transientWords = []string{"unavailable", "busy", "timeout", "timedout", "down", "retry",
	"throttl", "overload"}

// classifyCode reports whether a responder's code is retryable and whether
// the code was recognised at all.
func classifyCode(code string) (retryable, known bool) {
	n := strings.ToLower(strings.Join(strings.Fields(code), ""))
	switch {
	case n == "receiver" || n == "server":
		// SOAP Receiver/Server faults: the request was fine, the node failed.
		return true, true
	case permanentCodes[n]:
		return false, true
	}
	for _, w := range transientWords {
		if strings.Contains(n, w) {
			return true, true
		}
	}
	for _, s := range permanentSuffixes {
		if strings.HasSuffix(n, s) {
			return false, true
		}
	}
	return false, false
}

// retryableStatus reports whether an HTTP status alone justifies a retry.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// codeError builds the error for a responder's code, falling back to the
// HTTP status when the code is not one this package knows.
func codeError(code string, status int, msg string, h http.Header) *Error {
	retry, known := classifyCode(code)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// Credentials are wrong whatever the body says; retrying would only
		// risk locking the account.
		retry = false
	case !known:
		retry = retryableStatus(status)
	}
	return &Error{Code: safeCode(code), HTTPStatus: status, Retryable: retry,
		Message: clip(msg, maxMessageLen), RetryAfter: retryAfter(h)}
}

// statusError builds the error for a non-2xx answer without a usable body.
func statusError(status int, h http.Header) *Error {
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return &Error{Code: CodeUnauthorized, HTTPStatus: status}
	}
	return &Error{Code: "HTTP" + strconv.Itoa(status), HTTPStatus: status,
		Retryable: retryableStatus(status), RetryAfter: retryAfter(h)}
}

// retryAfter reads a delta-seconds Retry-After header; dates are ignored.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// safeCode keeps a responder-supplied code short and printable, since it
// goes into Error() and from there into logs and workflow history.
func safeCode(code string) string {
	code = strings.TrimSpace(code)
	var b strings.Builder
	for _, r := range code {
		if b.Len() >= maxCodeLen {
			break
		}
		if r >= 0x21 && r < 0x7f || r == ' ' {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	if b.Len() == 0 {
		return CodeMalformedResponse
	}
	return b.String()
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
