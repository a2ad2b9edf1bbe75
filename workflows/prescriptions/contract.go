package prescriptions

import (
	"github.com/careflow/engine/internal/fielderr"
	"regexp"
	"strings"
	"time"

	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/erxcheck"
)

// Names fixed by the contract. Changing any of them breaks running executions and clients.
const (
	// TaskQueue is where prescription workflows and their EHR and pharmacy activities run.
	TaskQueue = "prescriptions"
	// WorkflowName is the registered workflow type name.
	WorkflowName = "prescriptions.Prescription"
	// OverrideUpdateName releases a prescription held in needs-review (OverrideUpdate -> State).
	OverrideUpdateName = "override"
	// CancelUpdateName cancels the prescription: CancelRx to the pharmacy (CancelUpdate -> State).
	CancelUpdateName = "cancel"
	// ApproveUpdateName approves the pharmacy's pending change or renewal request (DecisionUpdate -> State).
	ApproveUpdateName = "approve"
	// DenyUpdateName denies the pharmacy's pending change or renewal request (DecisionUpdate -> State).
	DenyUpdateName = "deny"
	// PharmacySignalName carries a verified pharmacy-initiated message (PharmacySignal).
	PharmacySignalName = "pharmacy-message"
	// StatusQuery returns the live State.
	StatusQuery = "status"
)

// V2ChangeID is the workflow.GetVersion change id of version 1 of these behaviours (history
// prescription-v2-*): an approved change or renewal request is written to the EHR as a new
// MedicationRequest (priorPrescription to the one it follows; a changed order is cancelled, or
// stopped after a fill) that later fills and status changes go to; and a pharmacy message whose
// RelatesToMessageID is no message of this prescription is still applied when its
// PrescriberOrderNumber is this prescription's.
const V2ChangeID = "prescription-v2"

// WaitWithinChangeID is the workflow.GetVersion change id from whose version 1 the review and
// follow waits cancel their timer once their condition holds (wait.Within), so a prescription
// following its pharmacy for weeks is not woken by the timer of a wait already answered.
const WaitWithinChangeID = "prescription-wait-within"

// Error types of update validators and handlers; the API maps ErrTypeRejected to 422.
const (
	ErrTypeRejected = "PrescriptionUpdateRejected"
	// ErrTypeInvalidInput fails a workflow started with invalid input.
	ErrTypeInvalidInput = "InvalidInput"
)

// Status values of a prescription.
const (
	StatusLoading     = "loading"
	StatusNeedsReview = "needs-review"
	// StatusRefused ends a prescription the engine cannot send (a controlled substance without
	// EPCS); no override releases it.
	StatusRefused = "refused"
	StatusSending = "sending"
	StatusSent    = "sent"
	// StatusFailed ends a prescription the network rejected (NCPDP Error) or never answered,
	// or whose EHR data cannot make a NewRx.
	StatusFailed           = "failed"
	StatusChangeRequested  = "change-requested"
	StatusRenewalRequested = "renewal-requested"
	StatusFilled           = "filled"
	StatusPartiallyFilled  = "partially-filled"
	StatusNotDispensed     = "not-dispensed"
	StatusCancelRequested  = "cancel-requested"
	StatusCancelled        = "cancelled"
	// StatusExpired ends a prescription left in needs-review past the review timeout.
	StatusExpired = "expired"
)

// Step values say what the workflow is doing now.
const (
	StepLoad          = "load"
	StepCheck         = "check"
	StepAwaitReview   = "await-review"
	StepSend          = "send-newrx"
	StepFollow        = "follow"
	StepAwaitDecision = "await-prescriber"
	StepDone          = "done"
)

// Request kinds of a PendingRequest.
const (
	RequestChange  = "change"
	RequestRenewal = "renewal"
)

// Cancel statuses.
const (
	CancelRequested = "requested"
	CancelApproved  = "approved"
	CancelDenied    = "denied"
	// CancelFailed means the CancelRx itself was rejected or never answered.
	CancelFailed = "failed"
)

// Defaults for Input durations left at zero.
const (
	// DefaultReviewTimeout bounds the wait for a prescriber's override.
	DefaultReviewTimeout = 7 * 24 * time.Hour
	// DefaultFollowWindow is how long a quiet prescription keeps listening for the pharmacy
	// (fills, renewals) after its last event before the workflow ends.
	DefaultFollowWindow = 90 * 24 * time.Hour
)

// WorkflowID derives the workflow ID from the prescription id (an opaque key).
func WorkflowID(prescriptionID string) string { return "prescription:" + prescriptionID }

// PrescriptionIDFromWorkflowID reverses WorkflowID.
func PrescriptionIDFromWorkflowID(wid string) (string, bool) {
	return strings.CutPrefix(wid, "prescription:")
}

// Input starts a prescription: the POST /v1/prescriptions body plus engine configuration.
type Input struct {
	// PrescriptionID is the business key; it is also the NCPDP PrescriberOrderNumber, which the
	// pharmacy echoes on every message, so it is at most 35 characters.
	PrescriptionID string `json:"prescriptionId"`
	// MedicationRequestID is the EHR's MedicationRequest id; empty means PrescriptionID.
	MedicationRequestID  string `json:"medicationRequestId,omitempty"`
	ReviewTimeoutSeconds int64  `json:"reviewTimeoutSeconds,omitempty"`
	FollowWindowSeconds  int64  `json:"followWindowSeconds,omitempty"`
}

// RequestID returns the EHR MedicationRequest id.
func (in Input) RequestID() string {
	if in.MedicationRequestID != "" {
		return in.MedicationRequestID
	}
	return in.PrescriptionID
}

// ReviewTimeout returns the effective wait for an override.
func (in Input) ReviewTimeout() time.Duration {
	if in.ReviewTimeoutSeconds > 0 {
		return time.Duration(in.ReviewTimeoutSeconds) * time.Second
	}
	return DefaultReviewTimeout
}

// FollowWindow returns the effective quiet period before the workflow ends.
func (in Input) FollowWindow() time.Duration {
	if in.FollowWindowSeconds > 0 {
		return time.Duration(in.FollowWindowSeconds) * time.Second
	}
	return DefaultFollowWindow
}

// FieldError names an invalid field; Reason never echoes the value.
type FieldError = fielderr.Error

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,34}$`)
	fhirPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
)

// ValidatePrescriptionID checks an id is usable as a workflow key and PrescriberOrderNumber.
func ValidatePrescriptionID(id string) error {
	if !idPattern.MatchString(id) {
		return &FieldError{Field: "prescriptionId", Reason: "must be 1-35 letters, digits, '-' or '.'"}
	}
	return nil
}

// Validate checks a start request.
func (in *Input) Validate() error {
	if err := ValidatePrescriptionID(in.PrescriptionID); err != nil {
		return err
	}
	if in.MedicationRequestID != "" && !fhirPattern.MatchString(in.MedicationRequestID) {
		return &FieldError{Field: "medicationRequestId", Reason: "must be a FHIR id"}
	}
	if in.ReviewTimeoutSeconds < 0 || in.FollowWindowSeconds < 0 {
		return &FieldError{Field: "timeouts", Reason: "must not be negative"}
	}
	return nil
}

// OverrideUpdate is a prescriber's audited decision to send despite the review reasons.
type OverrideUpdate struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// CancelUpdate asks to cancel the prescription.
type CancelUpdate struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// DecisionUpdate approves or denies a pending pharmacy request; RequestMessageID picks one
// when several are pending (default: the oldest).
type DecisionUpdate struct {
	By               string `json:"by"`
	RequestMessageID string `json:"requestMessageId,omitempty"`
	// Note goes to the pharmacy with an approval, Reason with a denial.
	Note   string `json:"note,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// PharmacySignal is one verified message from the pharmacy webhook.
type PharmacySignal struct {
	Message    *ncpdp.Message `json:"message"`
	ReceivedAt time.Time      `json:"receivedAt"`
}

// Decision records who released, approved, denied or cancelled, when and why.
type Decision struct {
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// PendingRequest is a pharmacy request waiting for the prescriber.
type PendingRequest struct {
	Kind      string `json:"kind"`
	MessageID string `json:"messageId"`
	// Code is the RxChangeRequest MessageRequestCode (T therapeutic interchange, P prior
	// authorization, OS out of stock, ...).
	Code       string    `json:"code,omitempty"`
	Requested  string    `json:"requested,omitempty"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Answer is a decided pharmacy request.
type Answer struct {
	PendingRequest
	Approved bool     `json:"approved"`
	Decision Decision `json:"decision"`
	// ResponseMessageID is the MessageID of the RxChangeResponse or RxRenewalResponse.
	ResponseMessageID string `json:"responseMessageId,omitempty"`
	// Error is set when the response could not be delivered.
	Error *NCPDPError `json:"error,omitempty"`
	// MedicationRequestID is the EHR MedicationRequest written for an approval; EHRWriteFailed
	// says the write ran out of retries (the pharmacy has the approval all the same).
	MedicationRequestID string `json:"medicationRequestId,omitempty"`
	EHRWriteFailed      bool   `json:"ehrWriteFailed,omitempty"`
}

// Fill is one RxFill from the pharmacy.
type Fill struct {
	MessageID  string    `json:"messageId"`
	Outcome    string    `json:"outcome"`
	Quantity   string    `json:"quantity,omitempty"`
	ReceivedAt time.Time `json:"receivedAt"`
	// MedicationDispenseID is the EHR resource written for it.
	MedicationDispenseID string `json:"medicationDispenseId,omitempty"`
}

// Cancel is the state of a cancel request.
type Cancel struct {
	Status    string   `json:"status"`
	Decision  Decision `json:"decision"`
	MessageID string   `json:"messageId,omitempty"`
	// DenialReason is the pharmacy's reason for a denied cancel.
	DenialReason string      `json:"denialReason,omitempty"`
	Error        *NCPDPError `json:"error,omitempty"`
}

// NCPDPError is an Error the network answered, or Code "unreachable" when it never answered.
type NCPDPError struct {
	Code            string `json:"code"`
	DescriptionCode string `json:"descriptionCode,omitempty"`
	Description     string `json:"description,omitempty"`
}

// ErrorUnreachable is NCPDPError.Code when the network never gave a definite answer.
const ErrorUnreachable = "unreachable"

// State is the live view of a prescription (StatusQuery, every update's answer).
type State struct {
	PrescriptionID      string `json:"prescriptionId"`
	MedicationRequestID string `json:"medicationRequestId"`
	// CurrentMedicationRequestID is the EHR MedicationRequest an approved change or renewal
	// wrote; fills and status changes go to it from then on.
	CurrentMedicationRequestID string `json:"currentMedicationRequestId,omitempty"`
	Status                     string `json:"status"`
	Step                       string `json:"step"`
	// Verdict and Reasons are the pre-send checks' outcome.
	Verdict erxcheck.Verdict  `json:"verdict,omitempty"`
	Reasons []erxcheck.Reason `json:"reasons,omitempty"`
	// Refusal explains a refused prescription (for controlled substances: EPCS is not
	// configured in this engine).
	Refusal  string    `json:"refusal,omitempty"`
	Override *Decision `json:"override,omitempty"`
	// MessageID is the NewRx's MessageID; RxReferenceNumber the pharmacy's number once known.
	MessageID         string      `json:"messageId,omitempty"`
	RxReferenceNumber string      `json:"rxReferenceNumber,omitempty"`
	Error             *NCPDPError `json:"error,omitempty"`
	// FailureReason names what failed when the failure is not an NCPDP Error (EHR data).
	FailureReason string           `json:"failureReason,omitempty"`
	Pending       []PendingRequest `json:"pending"`
	Answers       []Answer         `json:"answers"`
	Fills         []Fill           `json:"fills"`
	Cancel        *Cancel          `json:"cancel,omitempty"`
	// Duplicates counts pharmacy messages received again (same MessageID) and ignored.
	Duplicates int  `json:"duplicates"`
	Closed     bool `json:"closed"`
}

// InitialState is the state before the worker first runs.
func InitialState(in Input) State {
	return State{PrescriptionID: in.PrescriptionID, MedicationRequestID: in.RequestID(), Status: StatusLoading,
		Step: StepLoad, Pending: []PendingRequest{}, Answers: []Answer{}, Fills: []Fill{}}
}
