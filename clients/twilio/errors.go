package twilio

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	twclient "github.com/twilio/twilio-go/client"
)

// Twilio error codes this package reports or classifies
// (https://www.twilio.com/docs/api/errors).
const (
	CodeAuthenticate     = 20003 // wrong AccountSID or AuthToken (HTTP 401)
	CodeNotFound         = 20404 // no such resource (HTTP 404)
	CodeTooManyRequests  = 20429 // rate limited (HTTP 429)
	CodeInternal         = 20500 // Twilio-side failure (HTTP 500)
	CodeInvalidTo        = 21211 // 'To' is not a valid phone number
	CodeRegionNotEnabled = 21408 // sending to that region is not enabled
	CodeBodyRequired     = 21602 // empty message body
	CodeUnsubscribed     = 21610 // the recipient replied STOP
	CodeCannotRoute      = 21612 // 'To' cannot be reached from 'From'
	CodeNotMobile        = 21614 // 'To' is not a mobile number
	CodeBodyTooLong      = 21617 // body exceeds 1600 characters
)

// codeText names codes in Error() without any request content.
var codeText = map[int]string{
	CodeAuthenticate:     "authentication failed",
	CodeNotFound:         "resource not found",
	CodeTooManyRequests:  "too many requests",
	CodeInternal:         "internal server error",
	CodeInvalidTo:        "invalid 'To' number",
	CodeRegionNotEnabled: "region not enabled",
	CodeBodyRequired:     "message body required",
	CodeUnsubscribed:     "recipient unsubscribed",
	CodeCannotRoute:      "'To' number cannot be routed",
	CodeNotMobile:        "'To' is not a mobile number",
	CodeBodyTooLong:      "message body too long",
}

// permanentCodes fail the same way however often they are retried, even
// when Twilio pairs them with an unusual HTTP status.
var permanentCodes = map[int]bool{
	CodeAuthenticate: true, CodeInvalidTo: true, CodeRegionNotEnabled: true,
	CodeBodyRequired: true, CodeUnsubscribed: true, CodeCannotRoute: true,
	CodeNotMobile: true, CodeBodyTooLong: true,
}

// errUnreadable is the cause of an Error for a success answer whose body
// is not a message resource.
var errUnreadable = errors.New("unreadable success response")

// Error is a failed Twilio call. Its text carries codes only, never phone
// numbers or message text (Twilio's own messages quote the number).
type Error struct {
	// Code is Twilio's error code; 0 when there is none (network failure,
	// unreadable answer).
	Code int
	// HTTPStatus is the HTTP status of Twilio's answer; 0 when there was
	// no answer or the request was refused before it was sent.
	HTTPStatus int
	// Retryable reports whether the same request may succeed later:
	// network failures, 429, 20429 and 5xx are; the rest are not. A 2xx
	// whose body cannot be read is not, because Twilio has most likely
	// accepted the message and a retry would send it twice.
	Retryable bool

	// err is the underlying cause, for errors.Is (context.DeadlineExceeded).
	err error
}

// Error describes the failure by code and status.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("twilio: ")
	switch {
	case e.Code != 0:
		fmt.Fprintf(&b, "error %d", e.Code)
		if t := codeText[e.Code]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if e.HTTPStatus != 0 {
			fmt.Fprintf(&b, ", HTTP %d", e.HTTPStatus)
		}
	case e.HTTPStatus != 0:
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	default:
		b.WriteString("request failed")
	}
	// err is only ever errUnreadable or a network or context error, whose
	// text names the URL (account SID, never a phone number).
	if e.err != nil {
		fmt.Fprintf(&b, ": %v", e.err)
	}
	if e.Retryable {
		b.WriteString(" [retryable]")
	} else {
		b.WriteString(" [permanent]")
	}
	return b.String()
}

// Unwrap returns the underlying network or context error, if any.
func (e *Error) Unwrap() error { return e.err }

// IsRetryable reports whether err is an *Error marked Retryable.
func IsRetryable(err error) bool {
	var te *Error
	return errors.As(err, &te) && te.Retryable
}

// newError classifies an answer by Twilio code and HTTP status.
func newError(code, status int) *Error {
	retry := status == http.StatusTooManyRequests || status >= http.StatusInternalServerError ||
		code == CodeTooManyRequests
	if permanentCodes[code] {
		retry = false
	}
	return &Error{Code: code, HTTPStatus: status, Retryable: retry}
}

// classify turns what the SDK returned into an *Error. The SDK's error
// text quotes Twilio's message, which may contain the phone number, so it
// is deliberately dropped.
func classify(err error, ex *exchange) *Error {
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		status := rest.Status
		if status == 0 {
			status = ex.status
		}
		return newError(rest.Code, status)
	}
	var v1 *twclient.RestErrorV1
	if errors.As(err, &v1) {
		status := v1.HttpStatusCode
		if status == 0 {
			status = ex.status
		}
		return newError(v1.Code, status)
	}
	switch {
	case ex.status >= http.StatusBadRequest:
		// An error answer without Twilio's JSON (a proxy's 502 page).
		return newError(0, ex.status)
	case ex.status != 0:
		return &Error{HTTPStatus: ex.status, err: errUnreadable}
	default:
		// No answer at all: refused, reset, timed out or cancelled.
		return &Error{Retryable: true, err: err}
	}
}
