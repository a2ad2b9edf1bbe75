package claims

import (
	"regexp"
	"strings"
	"time"

	"github.com/careflow/engine/codecs/x12"
)

// Names fixed by the contract.
const (
	// TaskQueue is where claim workflows, the results poller and the billing activities run.
	TaskQueue = "claims"
	// WorkflowName is the registered claim workflow type name.
	WorkflowName = "claims.Submission"
	// PollerWorkflowName is the registered name of the batch results poller the schedule runs.
	PollerWorkflowName = "claims.ResultsPoller"
	// PollerScheduleID is the Temporal Schedule that runs the poller.
	PollerScheduleID = "claims-results-poller"
	// AckSignalName carries a 999 verdict (AckSignal).
	AckSignalName = "ack-999"
	// ClaimAckSignalName carries a 277CA verdict (ClaimAckSignal).
	ClaimAckSignalName = "ack-277ca"
	// RemitSignalName carries this claim's part of one 835 (RemitSignal).
	RemitSignalName = "remittance"
	// CorrectUpdateName sends a corrected claim (CorrectUpdate -> State).
	CorrectUpdateName = "correct"
	// VoidUpdateName voids the claim (VoidUpdate -> State).
	VoidUpdateName = "void"
	// StatusQuery returns the live State.
	StatusQuery = "status"
	// StatusSearchAttribute is the keyword search attribute holding the claim status (no PHI).
	StatusSearchAttribute = "ClaimStatus"
	// ErrTypeRejected marks a correction or void the workflow refuses; the API maps it to 422.
	ErrTypeRejected = "ClaimUpdateRejected"
)

// ChangeWaitWithin is the workflow.GetVersion change id from whose version 1 a claim's timed
// waits (batch answer, 999, 277CA, correction, 835) cancel their timer once their condition
// holds (wait.Within), so a claim idle for weeks is not woken by a timer of a wait long over.
const ChangeWaitWithin = "claim-wait-within"

// Status values of a claim.
const (
	StatusSubmitting         = "submitting"
	StatusAwaiting999        = "awaiting-999"
	StatusAwaiting277CA      = "awaiting-277ca"
	StatusNeedsCorrection    = "needs-correction"
	StatusAwaitingRemittance = "awaiting-remittance"
	StatusPaid               = "paid"
	StatusPartiallyPaid      = "partially-paid"
	StatusDenied             = "denied"
	StatusVoided             = "voided"
	// StatusNoRemittance ends a claim that got no answer before its timeout.
	StatusNoRemittance = "no-remittance"
	// StatusFailed ends a claim the clearinghouse refused to take at all.
	StatusFailed = "failed"
)

// Statuses lists every status, for API validation of ?status=.
var Statuses = []string{StatusSubmitting, StatusAwaiting999, StatusAwaiting277CA, StatusNeedsCorrection,
	StatusAwaitingRemittance, StatusPaid, StatusPartiallyPaid, StatusDenied, StatusVoided, StatusNoRemittance, StatusFailed}

// Defaults of Input's durations.
const (
	// DefaultRemitTimeout is CLAIM_REMIT_TIMEOUT's default: 45 days for the 835.
	DefaultRemitTimeout = 45 * 24 * time.Hour
	// DefaultStatusInquiryAfter is when, without an 835, the claim is flagged for a 277
	// status inquiry (payers adjudicate clean claims within 30 days).
	DefaultStatusInquiryAfter = 30 * 24 * time.Hour
)

// pcnRE is the patient control number accepted as business key: CLM01 (1..20), opaque
// letters, digits and dashes, so it can sit in a workflow ID without PHI.
var pcnRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,19}$`)

// ValidPatientControlNumber reports whether pcn can be a business key.
func ValidPatientControlNumber(pcn string) bool { return pcnRE.MatchString(pcn) }

// WorkflowID returns the workflow ID of the claim with patient control number pcn.
func WorkflowID(pcn string) string { return "claim:" + pcn }

// PatientControlNumberFromWorkflowID is the inverse of WorkflowID.
func PatientControlNumberFromWorkflowID(id string) (string, bool) {
	return strings.CutPrefix(id, "claim:")
}

// Input starts a claim.
type Input struct {
	Claim x12.ProfessionalClaim `json:"claim"`
	// RemitTimeout bounds each wait for the clearinghouse (999, 277CA, 835) and the time a
	// finished claim stays open for reversals and corrections (CLAIM_REMIT_TIMEOUT).
	RemitTimeout time.Duration `json:"remitTimeout,omitempty"`
	// StatusInquiryAfter flags the claim for a 277 status inquiry when no 835 came by then.
	StatusInquiryAfter time.Duration `json:"statusInquiryAfter,omitempty"`
	// StatusSearchAttribute is the registered keyword search attribute the status is
	// published in; "" publishes none.
	StatusSearchAttribute string `json:"statusSearchAttribute,omitempty"`
	// BatchWindow (CLAIM_BATCH_WINDOW), when positive, sends the claim through the batcher
	// with the claims ready within that window; zero sends it alone.
	BatchWindow time.Duration `json:"batchWindow,omitempty"`
	// CollectPatientBalance starts a payments process (child workflow) for the patient
	// responsibility of the 835, charged to PaymentMethod for CustomerRef.
	CollectPatientBalance bool   `json:"collectPatientBalance,omitempty"`
	PaymentMethod         string `json:"paymentMethod,omitempty"`
	CustomerRef           string `json:"customerRef,omitempty"`
}

// Reason is one decoded rejection reason (999 IK3/IK4/IK5 or 277CA STC); codes and their
// standard texts only.
type Reason struct {
	// Source is "999" or "277CA".
	Source string `json:"source"`
	// Code is e.g. "IK5:5", "IK4:7", "A7:21".
	Code    string `json:"code"`
	Meaning string `json:"meaning,omitempty"`
	// Segment, Loop and Element locate a 999 error; Entity is the 277CA entity code.
	Segment string `json:"segment,omitempty"`
	Loop    string `json:"loop,omitempty"`
	Element string `json:"element,omitempty"`
	Entity  string `json:"entity,omitempty"`
}

// AckSignal is the 999's verdict on the claim's transaction set.
type AckSignal struct {
	// GroupControlNumber is AK102, the GS06 of the interchange acknowledged.
	GroupControlNumber int64 `json:"groupControlNumber"`
	// SetControlNumber is AK202, the claim's ST02; empty for a whole-group verdict.
	SetControlNumber string   `json:"setControlNumber,omitempty"`
	Accepted         bool     `json:"accepted"`
	Reasons          []Reason `json:"reasons,omitempty"`
}

// ClaimAckSignal is the 277CA's verdict on the claim.
type ClaimAckSignal struct {
	Accepted bool `json:"accepted"`
	Rejected bool `json:"rejected"`
	// PayerClaimControlNumber is REF*1K, when the payer assigned one.
	PayerClaimControlNumber string   `json:"payerClaimControlNumber,omitempty"`
	Reasons                 []Reason `json:"reasons,omitempty"`
}

// Adjustment is one CAS triplet (or a PLB pair) in cents.
type Adjustment struct {
	Group  string `json:"group,omitempty"`
	Reason string `json:"reason"`
	Amount int64  `json:"amount"`
}

// LinePosting is one SVC loop.
type LinePosting struct {
	Code              string       `json:"code"`
	LineControlNumber string       `json:"lineControlNumber,omitempty"`
	Charge            int64        `json:"charge"`
	Paid              int64        `json:"paid"`
	Adjustments       []Adjustment `json:"adjustments,omitempty"`
	RemarkCodes       []string     `json:"remarkCodes,omitempty"`
}

// ClaimPosting is one CLP loop, amounts in cents.
type ClaimPosting struct {
	// Status is CLP02 (1 processed, 4 denied, 22 reversal...).
	Status                  string        `json:"status"`
	Charge                  int64         `json:"charge"`
	Paid                    int64         `json:"paid"`
	PatientResponsibility   int64         `json:"patientResponsibility"`
	PayerClaimControlNumber string        `json:"payerClaimControlNumber,omitempty"`
	Adjustments             []Adjustment  `json:"adjustments,omitempty"`
	Lines                   []LinePosting `json:"lines,omitempty"`
}

// RemitSignal is this claim's part of one 835 advice.
type RemitSignal struct {
	// Trace is TRN02, the check or EFT number; a repeated trace is posted once.
	Trace         string         `json:"trace"`
	PaymentMethod string         `json:"paymentMethod,omitempty"`
	PaymentDate   time.Time      `json:"paymentDate,omitzero"`
	Claims        []ClaimPosting `json:"claims"`
	// ProviderAdjustments are the advice's PLB pairs, kept for reconciliation (they belong to
	// the payment, not to this claim).
	ProviderAdjustments []Adjustment `json:"providerAdjustments,omitempty"`
}

// CorrectUpdate replaces the claim; its patient control number must be the same.
type CorrectUpdate struct {
	Claim x12.ProfessionalClaim `json:"claim"`
}

// VoidUpdate voids the claim.
type VoidUpdate struct {
	Reason string `json:"reason,omitempty"`
}

// Payment is one posted 835 payment trace.
type Payment struct {
	Trace       string    `json:"trace"`
	Method      string    `json:"method,omitempty"`
	Date        time.Time `json:"date,omitzero"`
	Paid        int64     `json:"paid"`
	Reversal    bool      `json:"reversal,omitempty"`
	PLBTotal    int64     `json:"plbTotal,omitempty"`
	ClaimStatus string    `json:"claimStatus"`
}

// Posting is the running total of every CLP posted (reversals subtract), in cents.
type Posting struct {
	Charge                int64         `json:"charge"`
	Paid                  int64         `json:"paid"`
	PatientResponsibility int64         `json:"patientResponsibility"`
	Adjustments           []Adjustment  `json:"adjustments,omitempty"`
	Last                  *ClaimPosting `json:"last,omitempty"`
}

// State is the live view of a claim; identifiers, codes and amounts only.
type State struct {
	PatientControlNumber string `json:"patientControlNumber"`
	Status               string `json:"status"`
	Step                 string `json:"step"`
	// Frequency is CLM05-3 of the last submission (1, 7, 8).
	Frequency     string `json:"frequency"`
	Submissions   int    `json:"submissions"`
	ControlNumber int64  `json:"controlNumber,omitempty"`
	// SetControlNumber is the claim's ST02 in a batched interchange.
	SetControlNumber        string    `json:"setControlNumber,omitempty"`
	PayerClaimControlNumber string    `json:"payerClaimControlNumber,omitempty"`
	Reasons                 []Reason  `json:"reasons,omitempty"`
	Posting                 Posting   `json:"posting"`
	Payments                []Payment `json:"payments,omitempty"`
	// StatusInquiryDue is set when no 835 came within StatusInquiryAfter.
	StatusInquiryDue bool `json:"statusInquiryDue,omitempty"`
	// PatientBalance is the payments process of the patient's share, when asked for.
	PatientBalance *PatientBalance `json:"patientBalance,omitempty"`
	Error          string          `json:"error,omitempty"`
}

// Validate checks a claim against the 837P rules as of now (dates may not be later); the
// error lists the failed rules by field, never values.
func Validate(c x12.ProfessionalClaim, now time.Time) *x12.ClaimError {
	_, err := x12.Build837P(x12.ClaimBatch{
		Envelope: x12.Envelope{SenderQualifier: "ZZ", SenderID: "VALIDATE", ReceiverQualifier: "ZZ", ReceiverID: "VALIDATE",
			ControlNumber: 1, Date: now, Usage: 'T'},
		BatchID:      "VALIDATE",
		Submitter:    x12.Submitter{Name: "VALIDATE", ID: "VALIDATE", ContactName: "VALIDATE", ContactPhone: "5555550100"},
		ReceiverName: "VALIDATE", ReceiverID: "VALIDATE", Claims: []x12.ProfessionalClaim{c},
	})
	if ce, ok := err.(*x12.ClaimError); ok {
		return ce
	}
	if err != nil {
		return &x12.ClaimError{Problems: []x12.ClaimProblem{{Claim: 0, Field: "claim", Rule: x12.RuleEnvelope, Reason: "cannot be built"}}}
	}
	return nil
}
