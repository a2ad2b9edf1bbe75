package card

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"

	stripe "github.com/stripe/stripe-go/v85"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/internal/audit"
)

// VendorError is the sanitized form of a Stripe API error: codes and identifiers only.
// stripe-go's own error serializes Stripe's message and the PaymentIntent (description and
// metadata included), and Temporal stores an error's whole chain in the workflow history,
// so that error is never returned or wrapped.
type VendorError struct {
	// Op is the activity's operation: authorize, capture, cancel or refund.
	Op          string
	HTTPStatus  int
	Type        string
	Code        string
	DeclineCode string
	Param       string
	RequestID   string
}

// Error implements error with codes only.
func (e *VendorError) Error() string {
	msg := fmt.Sprintf("stripe %s: http %d", e.Op, e.HTTPStatus)
	for _, kv := range [][2]string{
		{"type", e.Type}, {"code", e.Code}, {"decline_code", e.DeclineCode},
		{"param", e.Param}, {"request", e.RequestID},
	} {
		if kv[1] != "" {
			msg += ", " + kv[0] + " " + kv[1]
		}
	}
	return msg
}

// classified is the outcome of classify: the error for Temporal plus what the audit record needs.
type classified struct {
	err     error
	outcome string
	code    string // HTTP status, decline code or "network"
	// objectID is the PaymentIntent named by a Stripe error, when there is one.
	objectID string
}

// classify maps an error from stripe-go to the error the activity returns. Permanent failures
// become non-retryable application errors with an ErrType* type and DeclineInfo details;
// transient ones (429, 409, 5xx, network, timeouts) stay plain errors so Temporal retries.
func classify(op string, err error) classified {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return classifyTransport(op, err)
	}
	ve := &VendorError{
		Op: op, HTTPStatus: se.HTTPStatusCode, Type: string(se.Type), Code: string(se.Code),
		DeclineCode: string(se.DeclineCode), Param: se.Param, RequestID: se.RequestID,
	}
	info := DeclineInfo{
		Code: ve.Code, DeclineCode: ve.DeclineCode, HTTPStatus: ve.HTTPStatus,
		RequestID: ve.RequestID, Param: ve.Param,
	}
	c := classified{code: strconv.Itoa(se.HTTPStatusCode), outcome: audit.OutcomeRejected}
	if se.PaymentIntent != nil {
		c.objectID = se.PaymentIntent.ID
	}
	status := se.HTTPStatusCode
	switch {
	case se.Type == stripe.ErrorTypeCard:
		// Stripe's message ("Your card has insufficient funds.") is replaced by a fixed one
		// built from codes: messages are free text and may echo what was sent.
		reason := firstNonEmpty(ve.DeclineCode, ve.Code, "card_error")
		c.code = reason
		c.err = temporal.NewNonRetryableApplicationError("card declined: "+reason, ErrTypeCardDeclined, ve, info)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		c.err = temporal.NewNonRetryableApplicationError(
			"stripe refused the API key: http "+c.code, ErrTypeAuthentication, ve, info)
	case status == http.StatusConflict || status == http.StatusTooManyRequests:
		// 409 is an idempotency key still in flight or a lock conflict, 429 a rate limit or
		// lock timeout: the same request later succeeds, so Temporal retries with backoff.
		c.outcome, c.err = audit.OutcomeError, ve
	case status >= 400 && status < 500:
		reason := firstNonEmpty(ve.Code, string(se.Type), "http_"+c.code)
		c.err = temporal.NewNonRetryableApplicationError(
			"stripe rejected the request: "+reason, ErrTypeInvalidRequest, ve, info)
	default:
		// 5xx and anything unexpected: Stripe's state is unknown, and a retry with the same
		// Idempotency-Key either replays the saved result or does the work once.
		c.outcome, c.err = audit.OutcomeError, ve
	}
	return c
}

// classifyTransport handles errors that never reached a Stripe error body: connection
// failures, timeouts, cancellations and unparseable responses. All are retryable.
func classifyTransport(op string, err error) classified {
	c := classified{outcome: audit.OutcomeError, code: "network"}
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		c.code = "timeout"
		c.err = fmt.Errorf("stripe %s: %w", op, err)
	case errors.As(err, &ue), errors.As(err, &ne):
		// A *url.Error names only method and URL; POST parameters are in the body.
		c.err = fmt.Errorf("stripe %s: %w", op, err)
	default:
		// For example a non-JSON error page: stripe-go quotes the body, which is not ours
		// to copy into the history.
		c.code = "unexpected_response"
		c.err = &VendorError{Op: op, Code: "unexpected_response"}
	}
	return c
}

// invalidInput rejects an activity input that must never reach Stripe, such as an empty
// Idempotency-Key (stripe-go would then generate a random one and break exactly-once).
func invalidInput(op, field string) error {
	ve := &VendorError{Op: op, Code: "engine_invalid_input", Param: field}
	return temporal.NewNonRetryableApplicationError(
		"invalid stripe "+op+" input: "+field, ErrTypeInvalidRequest, ve,
		DeclineInfo{Code: "engine_invalid_input", Param: field})
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
