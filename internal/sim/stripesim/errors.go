package stripesim

import (
	"fmt"
	"net/http"
	"strings"
)

// Stripe error types as they appear in the "type" field of an error body.
const (
	errTypeAPI            = "api_error"
	errTypeCard           = "card_error"
	errTypeIdempotency    = "idempotency_error"
	errTypeInvalidRequest = "invalid_request_error"
)

// errorWire is the JSON shape of Stripe's "error" object; it is also used for
// a PaymentIntent's last_payment_error.
type errorWire struct {
	Charge        string  `json:"charge,omitempty"`
	Code          string  `json:"code,omitempty"`
	DeclineCode   string  `json:"decline_code,omitempty"`
	DocURL        string  `json:"doc_url,omitempty"`
	Message       string  `json:"message"`
	Param         string  `json:"param,omitempty"`
	PaymentIntent *piWire `json:"payment_intent,omitempty"`
	PaymentMethod *pmWire `json:"payment_method,omitempty"`
	RequestLogURL string  `json:"request_log_url,omitempty"`
	Type          string  `json:"type"`
}

// apiError is an error answer of the simulated API: the HTTP status, the body
// and whether the idempotency layer keeps it. Stripe stores only results of
// requests whose endpoint began executing; parameter validation failures are
// not stored, so a corrected retry with the same key can still succeed.
type apiError struct {
	status int
	body   errorWire
	store  bool
}

// newInvalid returns a 400 invalid_request_error for a parameter problem.
func newInvalid(code, param, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorWire{
		Type: errTypeInvalidRequest, Code: code, Param: param, Message: msg, DocURL: docURL(code),
	}}
}

// newStateError returns a 400 that depends on object state (for example a
// second capture); Stripe stores these for idempotent replay.
func newStateError(code, param, msg string) *apiError {
	e := newInvalid(code, param, msg)
	e.store = true
	return e
}

// newMissing returns the error for an id in the URL or a parameter that names
// no existing object.
func newMissing(status int, kind, id, param string) *apiError {
	return &apiError{status: status, body: errorWire{
		Type: errTypeInvalidRequest, Code: "resource_missing", Param: param,
		Message: fmt.Sprintf("No such %s: '%s'", kind, id), DocURL: docURL("resource_missing"),
	}}
}

// docURL mirrors the documentation link Stripe attaches to coded errors.
func docURL(code string) string {
	if code == "" {
		return ""
	}
	return "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
}

// errUnrecognizedURL is Stripe's answer for a path it does not route.
func errUnrecognizedURL(r *http.Request) *apiError {
	return &apiError{status: http.StatusNotFound, body: errorWire{
		Type: errTypeInvalidRequest,
		Message: fmt.Sprintf("Unrecognized request URL (%s: %s). Please see https://stripe.com/docs "+
			"or we can help at https://support.stripe.com/.", r.Method, r.URL.Path),
	}}
}

// errServer is the body of an injected 500, shaped like Stripe's api_error.
func errServer() *apiError {
	return &apiError{status: http.StatusInternalServerError, body: errorWire{
		Type:    errTypeAPI,
		Message: "An unknown error occurred while processing your request (simulated fault).",
	}}
}

// errNotSaved answers a request whose change the simulator could not write
// to its state file; the outcome is unknown to the client, as with a 500
// from Stripe, and an idempotent retry learns it.
func errNotSaved() *apiError {
	return &apiError{status: http.StatusInternalServerError, body: errorWire{
		Type:    errTypeAPI,
		Message: "An unknown error occurred while processing your request (simulator state file not saved).",
	}}
}

// errRateLimited is the body of an injected 429, as Stripe sends it.
func errRateLimited() *apiError {
	return &apiError{status: http.StatusTooManyRequests, body: errorWire{
		Type: errTypeInvalidRequest, Code: "rate_limit", DocURL: docURL("rate_limit"),
		Message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
	}}
}

// errIdempotencyMismatch reports reuse of an Idempotency-Key with different
// parameters or on a different endpoint.
func errIdempotencyMismatch(key, endpoint string, sameEndpoint bool) *apiError {
	msg := fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were "+
		"first used with. Try using a key other than '%s' if you meant to execute a different request.", key)
	if !sameEndpoint {
		msg = fmt.Sprintf("Keys for idempotent requests can only be used for the same endpoint they were "+
			"first used for ('%s'). Try using a key other than '%s' if you meant to execute a different "+
			"request.", endpoint, key)
	}
	return &apiError{status: http.StatusBadRequest, body: errorWire{Type: errTypeIdempotency, Message: msg}}
}

// errUnexpectedState is Stripe's payment_intent_unexpected_state error; it
// carries the PaymentIntent so callers can see its current status.
func errUnexpectedState(pi *piWire, msg string) *apiError {
	e := newStateError("payment_intent_unexpected_state", "", msg)
	e.body.PaymentIntent = pi
	return e
}
