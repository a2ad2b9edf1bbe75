package checkins

import (
	"regexp"
	"strings"
	"time"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/fielderr"
	"github.com/careflow/engine/workflows/notifications"
)

// Names fixed by the contract.
const (
	// TaskQueue is where check-in workflows and their EHR, eligibility and SMS activities run.
	TaskQueue = "checkins"
	// WorkflowName is the registered workflow type name; it keeps the package's former name
	// (checkin) because running executions and committed histories carry it.
	WorkflowName = "checkin.CheckIn"
	// VerdictUpdateName returns the eligibility verdict as soon as it is known, or "pending"
	// after VerdictWait; the API sends it with Update-with-Start (VerdictRequest -> VerdictResponse).
	VerdictUpdateName = "verdict"
	// SelfPayUpdateName lets the front desk collect a self-pay amount instead (SelfPayUpdate -> State).
	SelfPayUpdateName = "self-pay"
	// OverrideUpdateName lets the front desk accept the check-in despite the verdict (OverrideUpdate -> State).
	OverrideUpdateName = "override"
	// StatusQuery returns the live State.
	StatusQuery = "status"
)

// Verdict values.
const (
	VerdictPending        = "pending"
	VerdictEligible       = "eligible"
	VerdictInactive       = "inactive"
	VerdictNeedsAttention = "needs-attention"
	// VerdictRefused means the appointment may not be checked in (status, window, participant);
	// the API answers it with 422.
	VerdictRefused = "refused"
)

// Status values of a check-in.
const (
	StatusInProgress     = "in-progress"
	StatusNeedsAttention = "needs-attention"
	StatusCompleted      = "completed"
	StatusFailed         = "failed"
	// StatusRefused ends a check-in whose appointment may not be checked in, found when it was
	// read or when it was written back.
	StatusRefused = "refused"
	// StatusCancelled ends a check-in whose appointment was cancelled while it ran.
	StatusCancelled = "cancelled"
)

// Step values.
const (
	StepReadEHR       = "read-ehr"
	StepEligibility   = "eligibility"
	StepAwaitDesk     = "await-front-desk"
	StepArrive        = "mark-arrived"
	StepCopay         = "copay"
	StepNotifyPatient = "notify-patient"
	StepDone          = "done"
)

// NotNotifiedNoMobile is State.NotNotified when the chart holds no current mobile number
// (check-ins begun before the checkin-notify change; later ones report the notifications
// process's reasons, such as notifications.NotNotifiedNoContact).
const NotNotifiedNoMobile = "no current mobile number"

// The check-in confirmation's notification.
const (
	// NotifyDeliveryWait is how long the confirmation's text may stay without Twilio's final
	// status: the patient is at the desk, so ten minutes is plenty.
	NotifyDeliveryWait = 10 * time.Minute
	// NotifyExpiry bounds quiet-hours and rate-limit deferrals: a confirmation that cannot go
	// out within two hours of the check-in is pointless and is not sent.
	NotifyExpiry = 2 * time.Hour
)

// NotificationID is the notificationId of the check-in confirmation (GET
// /v1/notifications/{id}); one per appointment, so a repeated check-in never texts twice.
func NotificationID(appointmentID string) string { return "checkin." + appointmentID }

// Error types returned by update validators; the API maps them to 422.
const (
	ErrTypeRejected = "CheckInUpdateRejected"
	// ErrTypeNotFound fails the workflow when the EHR has no such appointment or patient.
	ErrTypeNotFound = "CheckInNotFound"
	// ErrTypeInvalidInput fails a workflow started with invalid input.
	ErrTypeInvalidInput = "InvalidInput"
	// ErrTypeRefused answers the verdict update of a check-in the guards refuse, and fails the
	// workflow, so that a later request (inside the window, or with an override) starts afresh.
	// Its details carry an ehr.Refusal.
	ErrTypeRefused = "CheckInRefused"
)

// VerdictWait bounds how long the verdict update waits before answering "pending", so the
// front desk has an answer within two seconds even when the payer is slow.
const VerdictWait = 1500 * time.Millisecond

// Defaults for Input durations left at zero.
const (
	DefaultWindowBefore     = ehr.DefaultWindowBefore
	DefaultWindowAfter      = ehr.DefaultWindowAfter
	DefaultPayerWindow      = 2 * time.Minute
	DefaultAttentionTimeout = 12 * time.Hour
)

// WorkflowID derives the workflow ID from the appointment ID (an opaque EHR id).
func WorkflowID(appointmentID string) string { return "checkin:" + appointmentID }

// CopayPaymentID is the payments process's business key for this check-in's copay; being
// derived from the appointment, it makes a second copay charge impossible.
func CopayPaymentID(appointmentID string) string { return "copay-" + appointmentID }

// Input starts a check-in: the POST /v1/checkins body plus engine configuration.
type Input struct {
	AppointmentID string `json:"appointmentId"`
	CollectCopay  bool   `json:"collectCopay"`
	// PaymentMethod is a Stripe PaymentMethod id, needed when CollectCopay is set.
	PaymentMethod string `json:"paymentMethod,omitempty"`
	NotifyPatient bool   `json:"notifyPatient"`
	// PayerWindowSeconds is how long the eligibility inquiry keeps being retried before the
	// check-in needs attention. Zero means DefaultPayerWindow.
	PayerWindowSeconds int64 `json:"payerWindowSeconds,omitempty"`
	// AttentionTimeoutSeconds is how long a check-in that needs attention waits for the front
	// desk. Zero means DefaultAttentionTimeout.
	AttentionTimeoutSeconds int64 `json:"attentionTimeoutSeconds,omitempty"`
	// ProviderNPI and ProviderName identify the billing provider in the 270.
	ProviderNPI  string `json:"providerNpi,omitempty"`
	ProviderName string `json:"providerName,omitempty"`
	// WindowBeforeSeconds and WindowAfterSeconds are the check-in window around the
	// appointment's start (CHECKIN_WINDOW_BEFORE, CHECKIN_WINDOW_AFTER); zero means the defaults.
	WindowBeforeSeconds int64 `json:"windowBeforeSeconds,omitempty"`
	WindowAfterSeconds  int64 `json:"windowAfterSeconds,omitempty"`
	// Override lets the front desk check in an appointment outside the window; it never lifts
	// the status or participant guards.
	Override *StartOverride `json:"override,omitempty"`
}

// Refusal says why an appointment may not be checked in (the details of ErrTypeRefused).
type Refusal = ehr.Refusal

// StartOverride is the front desk's explicit, audited decision to check in outside the window.
type StartOverride struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// Window returns the check-in window the input asks for.
func (in Input) Window() ehr.Window {
	return ehr.Window{BeforeSeconds: in.WindowBeforeSeconds, AfterSeconds: in.WindowAfterSeconds}
}

// PayerWindow returns the effective eligibility retry window.
func (in Input) PayerWindow() time.Duration {
	if in.PayerWindowSeconds > 0 {
		return time.Duration(in.PayerWindowSeconds) * time.Second
	}
	return DefaultPayerWindow
}

// AttentionTimeout returns the effective wait for the front desk.
func (in Input) AttentionTimeout() time.Duration {
	if in.AttentionTimeoutSeconds > 0 {
		return time.Duration(in.AttentionTimeoutSeconds) * time.Second
	}
	return DefaultAttentionTimeout
}

// FieldError names an invalid field; Reason never echoes the value. It is the same type in
// every process contract.
type FieldError = fielderr.Error

var (
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)
	pmPattern  = regexp.MustCompile(`^pm_[A-Za-z0-9_]{1,200}$`)
	npiPattern = regexp.MustCompile(`^[0-9]{10}$`)
)

// ValidateAppointmentID checks an appointment id is a FHIR id usable in workflow IDs.
func ValidateAppointmentID(id string) error {
	if !idPattern.MatchString(id) {
		return &FieldError{Field: "appointmentId", Reason: "must be a FHIR id: 1-64 letters, digits, '-' or '.'"}
	}
	return nil
}

// Validate checks a start request.
func (in *Input) Validate() error {
	if err := ValidateAppointmentID(in.AppointmentID); err != nil {
		return err
	}
	in.PaymentMethod = strings.TrimSpace(in.PaymentMethod)
	if in.PaymentMethod != "" && !pmPattern.MatchString(in.PaymentMethod) {
		return &FieldError{Field: "paymentMethod", Reason: "must be a Stripe PaymentMethod id (pm_...)"}
	}
	if in.CollectCopay && in.PaymentMethod == "" {
		return &FieldError{Field: "paymentMethod", Reason: "is required when collectCopay is true"}
	}
	if in.ProviderNPI != "" && !npiPattern.MatchString(in.ProviderNPI) {
		return &FieldError{Field: "providerNpi", Reason: "must be a 10-digit NPI"}
	}
	if in.PayerWindowSeconds < 0 {
		return &FieldError{Field: "payerWindowSeconds", Reason: "must not be negative"}
	}
	if in.AttentionTimeoutSeconds < 0 {
		return &FieldError{Field: "attentionTimeoutSeconds", Reason: "must not be negative"}
	}
	if in.WindowBeforeSeconds < 0 || in.WindowAfterSeconds < 0 {
		return &FieldError{Field: "window", Reason: "must not be negative"}
	}
	if o := in.Override; o != nil {
		o.By, o.Reason = strings.TrimSpace(o.By), strings.TrimSpace(o.Reason)
		if o.By == "" || len(o.By) > 100 {
			return &FieldError{Field: "override.by", Reason: "is required (at most 100 characters)"}
		}
		if o.Reason == "" || len(o.Reason) > 200 {
			return &FieldError{Field: "override.reason", Reason: "is required (at most 200 characters)"}
		}
	}
	return nil
}

// VerdictRequest is the verdict update's argument; it carries nothing today and exists so the
// update can grow without breaking clients.
type VerdictRequest struct{}

// Verdict is the eligibility answer the front desk sees.
type Verdict struct {
	Verdict string `json:"verdict"`
	// Reasons explain needs-attention and inactive verdicts (payer codes and their meaning).
	Reasons []string `json:"reasons,omitempty"`
	// CopayAmount is in minor units; nil when the payer reported no copay.
	CopayAmount         *int64   `json:"copayAmount,omitempty"`
	Currency            string   `json:"currency,omitempty"`
	CoinsurancePercent  *float64 `json:"coinsurancePercent,omitempty"`
	DeductibleRemaining *int64   `json:"deductibleRemaining,omitempty"`
	PlanName            string   `json:"planName,omitempty"`
	// Coverage names the coverage the payer was asked about.
	Coverage *CoverageUsed `json:"coverage,omitempty"`
}

// CoverageUsed names the coverage an eligibility answer is about: ids the API already deals
// in, nothing else from the chart.
type CoverageUsed struct {
	CoverageID string `json:"coverageId"`
	// PayerID is the clearinghouse payer id, PayerName the payer Organization's name.
	PayerID   string `json:"payerId,omitempty"`
	PayerName string `json:"payerName,omitempty"`
	MemberID  string `json:"memberId,omitempty"`
	// Order is Coverage.order (1 primary, 2 secondary), 0 when the EHR gave none.
	Order int `json:"order,omitempty"`
	// Dependent is set when the patient is covered as the subscriber's dependent (the 270's
	// loop 2000D).
	Dependent bool `json:"dependent,omitempty"`
}

// Secondary-coverage check states.
const (
	SecondaryChecking = "checking"
	SecondaryDone     = "done"
)

// SecondaryCheck is the eligibility of the secondary coverage, asked after the primary's
// verdict is known so that it never delays it; coordination of benefits for the front desk.
type SecondaryCheck struct {
	Status  string  `json:"status"`
	Verdict Verdict `json:"verdict"`
}

// VerdictResponse is the verdict update's result.
type VerdictResponse struct {
	Verdict
	// Requests counts verdict updates this check-in has answered; 1 means the caller's
	// request started it.
	Requests int `json:"requests"`
	// State is the check-in's state as the verdict was answered, so that the caller needs no
	// query after it; absent from workers that predate it, whose callers ask StatusQuery.
	State *State `json:"state,omitempty"`
}

// SelfPayUpdate collects Amount (minor units) with PaymentMethod instead of the payer's copay.
type SelfPayUpdate struct {
	Amount        int64  `json:"amount"`
	PaymentMethod string `json:"paymentMethod"`
}

// OverrideUpdate accepts the check-in despite the verdict. CopayAmount, when set, is charged
// with the check-in's payment method if it collects a copay.
type OverrideUpdate struct {
	Reason      string `json:"reason"`
	CopayAmount *int64 `json:"copayAmount,omitempty"`
}

// Copay describes the copay charge, made by the payments process as a child workflow.
type Copay struct {
	PaymentID string `json:"paymentId"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	// Source is "payer" (271 copay), "self-pay" or "override".
	Source string `json:"source"`
	// Started is set once the payments process runs; its state is at /v1/payments/{paymentId}.
	Started bool `json:"started"`
}

// State is the live state (StatusQuery) and the final summary.
type State struct {
	AppointmentID string  `json:"appointmentId"`
	Status        string  `json:"status"`
	Step          string  `json:"step"`
	Verdict       Verdict `json:"verdict"`
	// Resolution says how a needs-attention check-in was resolved: "self-pay" or "override".
	Resolution  string `json:"resolution,omitempty"`
	Arrived     bool   `json:"arrived"`
	EncounterID string `json:"encounterId,omitempty"`
	Copay       *Copay `json:"copay,omitempty"`
	// SMSSent is set when the confirmation reached the patient by text.
	SMSSent bool `json:"smsSent"`
	// NotNotified says why the patient was not told ("not notified: opted out", "not
	// notified: no current mobile/email"): the check-in carries on without it.
	NotNotified string `json:"notNotified,omitempty"`
	// Notification is the confirmation's notification: its id, status and channel.
	Notification *notifications.Outcome `json:"notification,omitempty"`
	// FailureCode names why a step could not be completed (codes only, no PHI).
	FailureCode string `json:"failureCode,omitempty"`
	// Refusal says why the appointment may not be checked in, when it may not.
	Refusal *ehr.Refusal `json:"refusal,omitempty"`
	// WindowOverride is the front desk's override of the check-in window, when one was given.
	WindowOverride *StartOverride `json:"windowOverride,omitempty"`
	// Secondary is the secondary coverage's eligibility, when the patient has one.
	Secondary *SecondaryCheck `json:"secondary,omitempty"`
	Closed    bool            `json:"closed"`
}
