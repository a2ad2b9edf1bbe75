package payments

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/fielderr"
)

// Names fixed by the contract. Changing any of them breaks running executions and clients.
const (
	// TaskQueue is where payment workflows and Stripe activities run.
	TaskQueue = "payments"
	// WorkflowName is the registered workflow type name.
	WorkflowName = "payments.Payment"
	// CaptureUpdateName captures all or part of the authorization (CaptureUpdate -> State).
	CaptureUpdateName = "capture"
	// CancelUpdateName releases the authorization (CancelUpdate -> State).
	CancelUpdateName = "cancel"
	// RefundUpdateName refunds part or all of the captured amount (RefundUpdate -> State).
	RefundUpdateName = "refund"
	// StripeEventSignalName carries verified Stripe webhook events (StripeEventSignal).
	StripeEventSignalName = "stripe-event"
	// StatusQuery returns the live State.
	StatusQuery = "status"
)

// Error types returned by update validators and handlers; the API maps them to 422.
const (
	// ErrTypeRejected marks an update the workflow refuses in its current state or for its amount.
	ErrTypeRejected = "PaymentUpdateRejected"
	// ErrTypeVendorRejected marks an update whose Stripe call failed permanently.
	ErrTypeVendorRejected = "PaymentVendorRejected"
	// ErrTypeVendorUnavailable marks an update whose Stripe call kept failing transiently until
	// its retry budget ran out; Stripe's state is unknown and the request may be repeated.
	ErrTypeVendorUnavailable = "PaymentVendorUnavailable"
	// ErrTypeInvalidInput fails a workflow started with an Input that does not validate.
	ErrTypeInvalidInput = "InvalidInput"
)

// Status values of a payment.
const (
	StatusAuthorizing = "authorizing"
	StatusAuthorized  = "authorized"
	// StatusCapturing means a capture is running at Stripe; its update may have answered
	// before it finished (see UpdateWait).
	StatusCapturing         = "capturing"
	StatusCaptured          = "captured"
	StatusPartiallyRefunded = "partially_refunded"
	StatusRefunded          = "refunded"
	StatusCanceled          = "canceled"
	StatusExpired           = "expired"
	StatusDeclined          = "declined"
	StatusFailed            = "failed"
)

// Step values say what the workflow is doing now.
const (
	StepAuthorize    = "authorize"
	StepAwaitCapture = "await-capture"
	StepCapture      = "capture"
	StepCancel       = "cancel"
	StepRefundWindow = "refund-window"
	StepRefund       = "refund"
	StepDone         = "done"
)

// Metadata keys the engine sets on Stripe objects so webhooks find their process; defined with
// the other routing keys in internal/crosswalk.
const (
	MetadataPaymentID  = crosswalk.StripeMetadataPaymentID
	MetadataWorkflowID = crosswalk.StripeMetadataWorkflowID
)

// WorkflowID derives the workflow ID from the business key. Payment IDs are opaque keys
// (see ValidatePaymentID), so no PHI reaches Temporal's visibility store.
func WorkflowID(paymentID string) string { return "payment:" + paymentID }

// PaymentIDFromWorkflowID reverses WorkflowID; ok is false for other workflow IDs.
func PaymentIDFromWorkflowID(workflowID string) (string, bool) {
	return strings.CutPrefix(workflowID, "payment:")
}

// Input starts a payment. It is the POST /v1/payments body plus engine configuration.
type Input struct {
	PaymentID     string `json:"paymentId"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	CustomerRef   string `json:"customerRef"`
	PaymentMethod string `json:"paymentMethod"`
	Description   string `json:"description,omitempty"`
	// AuthorizationTTLSeconds bounds the wait for capture; the workflow then cancels the
	// authorization itself. Zero means DefaultAuthorizationTTL.
	AuthorizationTTLSeconds int64 `json:"authorizationTtlSeconds,omitempty"`
	// AutoCapture captures the whole authorization as soon as it succeeds, for charges that
	// need no review such as a check-in copay; a failed capture leaves the payment authorized.
	AutoCapture bool `json:"autoCapture,omitempty"`
	// RefundWindowSeconds is how long the process stays open for refunds after capture.
	// Zero means DefaultRefundWindow.
	RefundWindowSeconds int64 `json:"refundWindowSeconds,omitempty"`
	// Resume is set only by the workflow itself when it continues as new; Validate rejects it
	// so that a client cannot inject state.
	Resume *Checkpoint `json:"resume,omitempty"`
}

// Checkpoint is what a payment workflow hands to its next run when it continues as new.
type Checkpoint struct {
	State State `json:"state"`
	// EventIDs are the most recent Stripe event ids, oldest first, for deduplication.
	EventIDs []string `json:"eventIds"`
	// RefundSeq is the number of refund attempts so far; it keeps idempotency keys unique.
	RefundSeq int `json:"refundSeq"`
	// Calls counts the Stripe calls made per step (capture, cancel, ...), the number in each
	// call's idempotency key; absent in checkpoints of runs before ReconcileChangeID.
	Calls map[string]int `json:"calls,omitempty"`
}

// Defaults applied when Input leaves durations at zero. The authorization default stays
// below Stripe's hold limit so that a capture at the deadline still finds the hold.
const (
	DefaultAuthorizationTTL = 6 * 24 * time.Hour
	DefaultRefundWindow     = 180 * 24 * time.Hour
)

// StripeHoldLimit is how long Stripe keeps an uncaptured card authorization (7 days).
const StripeHoldLimit = 7 * 24 * time.Hour

// MaxAuthorizationTTL is the longest configurable authorization wait: half a day below
// Stripe's hold limit leaves room for the capture's own retries.
const MaxAuthorizationTTL = StripeHoldLimit - 12*time.Hour

// legacyAuthorizationTTL is the default of workflows started before ReconcileChangeID.
const legacyAuthorizationTTL = 7 * 24 * time.Hour

// AuthorizationTTL returns the effective authorization lifetime.
func (in Input) AuthorizationTTL() time.Duration {
	if in.AuthorizationTTLSeconds > 0 {
		return time.Duration(in.AuthorizationTTLSeconds) * time.Second
	}
	return DefaultAuthorizationTTL
}

// RefundWindow returns the effective refund window.
func (in Input) RefundWindow() time.Duration {
	if in.RefundWindowSeconds > 0 {
		return time.Duration(in.RefundWindowSeconds) * time.Second
	}
	return DefaultRefundWindow
}

// FieldError names an invalid field; Reason never echoes the value. It is the same type in
// every process contract.
type FieldError = fielderr.Error

var (
	idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	pmPattern = regexp.MustCompile(`^pm_[A-Za-z0-9_]{1,200}$`)
)

// Currencies lists the ISO 4217 codes the engine accepts (lowercase, as Stripe uses).
var Currencies = map[string]bool{
	"usd": true, "cad": true, "eur": true, "gbp": true, "aud": true, "nzd": true, "chf": true,
	"jpy": true, "mxn": true, "sek": true, "nok": true, "dkk": true, "sgd": true, "hkd": true,
}

// MaxAmount caps one payment (minor units) to catch unit mistakes (dollars sent as cents x100).
const MaxAmount = 99_999_999

// ValidatePaymentID checks that a payment ID is an opaque key safe for workflow IDs.
func ValidatePaymentID(id string) error {
	if !idPattern.MatchString(id) {
		return &FieldError{Field: "paymentId", Reason: "must be 1-64 characters of letters, digits, '.', '_' or '-'"}
	}
	return nil
}

// Validate checks a start request and normalizes the currency to lowercase.
func (in *Input) Validate() error {
	if err := ValidatePaymentID(in.PaymentID); err != nil {
		return err
	}
	if in.Amount <= 0 {
		return &FieldError{Field: "amount", Reason: "must be a positive integer in minor units"}
	}
	if in.Amount > MaxAmount {
		return &FieldError{Field: "amount", Reason: fmt.Sprintf("must not exceed %d minor units", MaxAmount)}
	}
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	if !Currencies[in.Currency] {
		return &FieldError{Field: "currency", Reason: "must be a supported ISO 4217 currency code"}
	}
	if strings.TrimSpace(in.CustomerRef) == "" || len(in.CustomerRef) > 128 {
		return &FieldError{Field: "customerRef", Reason: "is required (at most 128 characters)"}
	}
	if !pmPattern.MatchString(in.PaymentMethod) {
		return &FieldError{Field: "paymentMethod", Reason: "must be a Stripe PaymentMethod id (pm_...)"}
	}
	if len(in.Description) > 500 {
		return &FieldError{Field: "description", Reason: "must be at most 500 characters"}
	}
	if in.AuthorizationTTLSeconds < 0 {
		return &FieldError{Field: "authorizationTtlSeconds", Reason: "must not be negative"}
	}
	if in.RefundWindowSeconds < 0 {
		return &FieldError{Field: "refundWindowSeconds", Reason: "must not be negative"}
	}
	if in.Resume != nil {
		return &FieldError{Field: "resume", Reason: "is set only by the engine"}
	}
	return nil
}

// CaptureUpdate captures Amount (minor units); zero captures the whole authorization.
type CaptureUpdate struct {
	Amount int64 `json:"amount,omitempty"`
}

// CancelUpdate releases the authorization. Reason is one of Stripe's cancellation reasons
// (duplicate, fraudulent, requested_by_customer, abandoned) or empty.
type CancelUpdate struct {
	Reason string `json:"reason,omitempty"`
}

// RefundUpdate refunds Amount (minor units); zero refunds everything not yet refunded.
// Reason is one of Stripe's refund reasons (duplicate, fraudulent, requested_by_customer) or empty.
type RefundUpdate struct {
	Amount int64  `json:"amount,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// CancelReasons and RefundReasons are the values Stripe accepts.
var (
	CancelReasons = map[string]bool{"": true, "duplicate": true, "fraudulent": true, "requested_by_customer": true, "abandoned": true}
	RefundReasons = map[string]bool{"": true, "duplicate": true, "fraudulent": true, "requested_by_customer": true}
)

// StripeEventSignal is a verified Stripe webhook event reduced to identifiers and amounts.
type StripeEventSignal struct {
	// EventID deduplicates deliveries inside the workflow.
	EventID         string `json:"eventId"`
	Type            string `json:"type"`
	Created         int64  `json:"created"`
	PaymentIntentID string `json:"paymentIntentId,omitempty"`
	ChargeID        string `json:"chargeId,omitempty"`
	// Amount is the intent's amount_received, or the dispute's amount.
	Amount int64 `json:"amount,omitempty"`
	// AmountRefunded is the charge's cumulative refunded amount (charge.refunded).
	AmountRefunded int64  `json:"amountRefunded,omitempty"`
	FailureCode    string `json:"failureCode,omitempty"`
	DisputeID      string `json:"disputeId,omitempty"`
	DisputeReason  string `json:"disputeReason,omitempty"`
}

// Stripe event types the workflow acts on.
const (
	EventPaymentIntentSucceeded = "payment_intent.succeeded"
	EventPaymentIntentFailed    = "payment_intent.payment_failed"
	EventChargeRefunded         = "charge.refunded"
	EventDisputeCreated         = "charge.dispute.created"
)

// Refund is one refund made by the workflow.
type Refund struct {
	RefundID  string    `json:"refundId"`
	Amount    int64     `json:"amount"`
	Reason    string    `json:"reason,omitempty"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

// Dispute is a chargeback reported by Stripe.
type Dispute struct {
	DisputeID string    `json:"disputeId"`
	Amount    int64     `json:"amount"`
	Reason    string    `json:"reason,omitempty"`
	OpenedAt  time.Time `json:"openedAt"`
}

// State is the live state (StatusQuery), every update's result and the final summary.
type State struct {
	PaymentID        string `json:"paymentId"`
	Status           string `json:"status"`
	Step             string `json:"step"`
	Amount           int64  `json:"amount"`
	Currency         string `json:"currency"`
	PaymentIntentID  string `json:"paymentIntentId,omitempty"`
	AuthorizedAmount int64  `json:"authorizedAmount"`
	CapturedAmount   int64  `json:"capturedAmount"`
	RefundedAmount   int64  `json:"refundedAmount"`
	// CaptureConfirmed is set when Stripe's payment_intent.succeeded webhook arrived.
	CaptureConfirmed bool `json:"captureConfirmed"`
	// RefundConfirmedAmount is the cumulative refunded amount Stripe's charge.refunded reported.
	RefundConfirmedAmount  int64      `json:"refundConfirmedAmount"`
	AuthorizationExpiresAt *time.Time `json:"authorizationExpiresAt,omitempty"`
	RefundWindowEndsAt     *time.Time `json:"refundWindowEndsAt,omitempty"`
	Refunds                []Refund   `json:"refunds"`
	Disputes               []Dispute  `json:"disputes"`
	// FailureCode is Stripe's code for a decline or failure (e.g. card_declined/insufficient_funds).
	FailureCode string `json:"failureCode,omitempty"`
	// EventsApplied counts distinct Stripe events applied; duplicates are not counted.
	EventsApplied int  `json:"eventsApplied"`
	Closed        bool `json:"closed"`
}
