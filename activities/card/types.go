package card

// Error types raised by the Stripe activities as non-retryable application errors. Workflows and
// the API match on these strings, so they are part of the contract.
const (
	// ErrTypeCardDeclined means the card issuer declined; Details carries DeclineInfo.
	ErrTypeCardDeclined = "StripeCardDeclined"
	// ErrTypeInvalidRequest is any other 4xx: bad parameters, wrong state, missing object.
	ErrTypeInvalidRequest = "StripeInvalidRequest"
	// ErrTypeAuthentication means the API key was refused; an operator must fix configuration.
	ErrTypeAuthentication = "StripeAuthentication"
)

// DeclineInfo is the detail attached to ErrTypeCardDeclined and ErrTypeInvalidRequest errors.
// It holds Stripe's codes only, never the card holder's data.
type DeclineInfo struct {
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"declineCode,omitempty"`
	HTTPStatus  int    `json:"httpStatus,omitempty"`
	RequestID   string `json:"requestId,omitempty"`
	// Param names the request parameter Stripe objected to (an API field name, never a value).
	Param string `json:"param,omitempty"`
}

// AuthorizeInput asks for a PaymentIntent confirmed with manual capture.
type AuthorizeInput struct {
	// IdempotencyKey is deterministic: workflow ID + step.
	IdempotencyKey string `json:"idempotencyKey"`
	// PaymentID is the engine's business key, stored in the intent's metadata as payment_id.
	PaymentID     string `json:"paymentId"`
	WorkflowID    string `json:"workflowId"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	CustomerRef   string `json:"customerRef"`
	PaymentMethod string `json:"paymentMethod"`
	Description   string `json:"description,omitempty"`
}

// AuthorizeResult describes the authorized PaymentIntent.
type AuthorizeResult struct {
	PaymentIntentID  string `json:"paymentIntentId"`
	Status           string `json:"status"`
	AmountCapturable int64  `json:"amountCapturable"`
	ChargeID         string `json:"chargeId,omitempty"`
	// IdempotencyKey is the key of the request that authorized, or empty when an earlier
	// attempt's intent was found by its metadata.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// CaptureInput captures Amount of an authorized PaymentIntent.
type CaptureInput struct {
	IdempotencyKey  string `json:"idempotencyKey"`
	WorkflowID      string `json:"workflowId"`
	PaymentIntentID string `json:"paymentIntentId"`
	Amount          int64  `json:"amount"`
}

// CaptureResult reports what Stripe captured.
type CaptureResult struct {
	Status         string `json:"status"`
	AmountReceived int64  `json:"amountReceived"`
	// IdempotencyKey is the key of the request that captured, or empty when an earlier
	// attempt had captured already.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// CancelInput releases an authorization.
type CancelInput struct {
	IdempotencyKey  string `json:"idempotencyKey"`
	WorkflowID      string `json:"workflowId"`
	PaymentIntentID string `json:"paymentIntentId"`
	// Reason is one of Stripe's cancellation reasons: duplicate, fraudulent,
	// requested_by_customer, abandoned; empty sends none.
	Reason string `json:"reason,omitempty"`
}

// CancelResult reports the PaymentIntent's status after cancellation.
type CancelResult struct {
	Status string `json:"status"`
	// IdempotencyKey is the key of the request that canceled, or empty when an earlier
	// attempt had canceled already.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// RefundInput refunds Amount of a captured PaymentIntent.
type RefundInput struct {
	IdempotencyKey  string `json:"idempotencyKey"`
	WorkflowID      string `json:"workflowId"`
	PaymentIntentID string `json:"paymentIntentId"`
	// PaymentID is stored in the refund's metadata as payment_id, like the intent's.
	PaymentID string `json:"paymentId,omitempty"`
	// Amount is in minor units; zero refunds whatever is left.
	Amount int64 `json:"amount"`
	// Reason is one of Stripe's refund reasons: duplicate, fraudulent, requested_by_customer; empty sends none.
	Reason string `json:"reason,omitempty"`
}

// RefundResult describes the created refund.
type RefundResult struct {
	RefundID string `json:"refundId"`
	Status   string `json:"status"`
	Amount   int64  `json:"amount"`
	// IdempotencyKey is the key of the request that refunded, or empty when an earlier
	// attempt's refund was found by its metadata.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// ReleaseInput asks to cancel every uncaptured PaymentIntent whose metadata names WorkflowID:
// holds left by an authorization that never got a definite answer.
type ReleaseInput struct {
	// IdempotencyKey is the base key; each cancellation appends the intent's id.
	IdempotencyKey string `json:"idempotencyKey"`
	WorkflowID     string `json:"workflowId"`
}

// ReleaseResult lists the intents canceled.
type ReleaseResult struct {
	Canceled []string `json:"canceled"`
}
