package laborders

import (
	"regexp"
	"time"

	"github.com/careflow/engine/internal/fielderr"
	"github.com/careflow/engine/workflows/notifications"
)

// Names fixed by the contract.
const (
	// TaskQueue is where lab-order workflows and their LIS, EHR and SMS activities run.
	TaskQueue = "lab-orders"
	// WorkflowName is the registered workflow type name.
	WorkflowName = "laborders.LabOrder"
	// ResultSignalName carries one ORU^R01 accepted by the MLLP listener (ResultSignal).
	ResultSignalName = "oru"
	// PageReplySignalName carries an SMS reply to a critical-value page (PageReply).
	PageReplySignalName = "page-reply"
	// AcknowledgeUpdateName records a clinician's acknowledgment of a critical value (AcknowledgeUpdate -> State).
	AcknowledgeUpdateName = "acknowledge"
	// StatusQuery returns the live State.
	StatusQuery = "status"
	// ResultUpdateName stores one ORU^R01's groups for this order (ResultSignal -> ResultAccepted).
	// Its validator refuses a result for another patient, so an accepted update is both durable
	// and checked; the MLLP listener answers AA only after it is accepted.
	ResultUpdateName = "result"
	// PageStatusSignalName carries a Twilio delivery status for a page (PageStatus).
	PageStatusSignalName = "page-status"
	// EscalationSearchAttribute is the keyword search attribute holding the escalation state
	// (paging, unacknowledged, acknowledged, cleared); it carries no PHI.
	EscalationSearchAttribute = "LabEscalation"
)

// ChangeEvery is the workflow.GetVersion change id of the second lab-order process: completion
// judged against the ordered tests, version-counted refiling, every OBX-11 status, notes, the
// patient check, escalation that never goes silent, draining and continue-as-new.
const ChangeEvery = "lab-order-v2"

// ChangeSendStatus is the workflow.GetVersion change id that keeps the status results already
// gave the order when its send returns late (a retried ORM after a worker crash, while the LIS
// already sent results): version 1 sets "ordered" only while the order is still "ordering".
const ChangeSendStatus = "lab-order-send-status"

// ChangeNotifyPatient is the workflow.GetVersion change id under which the patient's "results
// available" notice goes through the notifications process as a child workflow (preferences,
// opt-outs, quiet hours, rate limits, delivery status, email fallback) and the state records
// its outcome. Critical-value pages stay on the order's own escalation path.
const ChangeNotifyPatient = "lab-order-notify"

// ChangeWaitWithin is the workflow.GetVersion change id under which the second version's timed
// waits cancel their timers once their condition holds (wait.Within), so a result deadline or
// a page's acknowledgment timeout no longer wakes the order days after it stopped mattering.
const ChangeWaitWithin = "lab-order-wait-within"

// NotificationID is the notificationId of the order's "results available" notice (GET
// /v1/notifications/{id}); one per order, so a refiled report never notifies twice.
func NotificationID(placerOrderNumber string) string { return "laborder." + placerOrderNumber }

// Error types.
const (
	// ErrTypeRejected marks an update the workflow refuses; the API maps it to 422.
	ErrTypeRejected = "LabOrderUpdateRejected"
	// ErrTypeInvalidInput fails a workflow started with invalid input.
	ErrTypeInvalidInput = "InvalidInput"
	// ErrTypePatientMismatch refuses a result whose PID-3 does not name the order's patient.
	ErrTypePatientMismatch = "LabPatientMismatch"
)

// Status values.
const (
	StatusOrdering  = "ordering"
	StatusOrdered   = "ordered"
	StatusRejected  = "rejected"
	StatusPartial   = "partial"
	StatusFinal     = "final"
	StatusCorrected = "corrected"
	StatusOverdue   = "overdue"
	StatusFailed    = "failed"
)

// Escalation states.
const (
	EscalationNone           = "none"
	EscalationPaging         = "paging"
	EscalationAcknowledged   = "acknowledged"
	EscalationUnacknowledged = "unacknowledged"
	// EscalationCleared means a correction removed every critical value before anyone acknowledged.
	EscalationCleared = "cleared"
)

// Defaults for Input durations left at zero.
const (
	DefaultAckTimeout        = 15 * time.Minute
	DefaultResultDeadline    = 72 * time.Hour
	DefaultCorrectionsWindow = 7 * 24 * time.Hour
	// EscalationRounds bounds how many times the whole chain is paged before the escalation
	// is marked unacknowledged (paging continues to be visible to staff in GET).
	EscalationRounds = 3
)

// WorkflowID derives the workflow ID from the placer order number.
func WorkflowID(placerOrderNumber string) string { return "laborder:" + placerOrderNumber }

// Contact is someone in the escalation chain.
type Contact struct {
	Role  string `json:"role"`
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone"`
}

// Threshold is a critical range for one LOINC code: a value below Low or above High is critical.
type Threshold struct {
	Low  *float64 `json:"low,omitempty"`
	High *float64 `json:"high,omitempty"`
}

// Input starts a lab order: the POST /v1/lab-orders body plus engine configuration.
type Input struct {
	PlacerOrderNumber string `json:"placerOrderNumber"`
	// PatientRef is the EHR's Patient id.
	PatientRef string `json:"patientRef"`
	// OrderingProvider is paged first for critical values.
	OrderingProvider Contact `json:"orderingProvider"`
	// OrderingProviderID is the provider's identifier for ORC-12 (e.g. an NPI).
	OrderingProviderID string `json:"orderingProviderId"`
	// Tests are LOINC codes.
	Tests    []string `json:"tests"`
	Priority string   `json:"priority,omitempty"`
	// EscalationChain follows the ordering provider (charge nurse, then on-call physician).
	EscalationChain []Contact `json:"escalationChain,omitempty"`
	// CriticalThresholds add per-LOINC critical ranges to OBX-8's HH, LL and AA flags.
	CriticalThresholds map[string]Threshold `json:"criticalThresholds,omitempty"`
	// AckTimeoutSeconds is how long a page waits before the next contact. Zero = DefaultAckTimeout.
	AckTimeoutSeconds int64 `json:"ackTimeoutSeconds,omitempty"`
	// ResultDeadlineSeconds is when a missing result becomes overdue. Zero = DefaultResultDeadline.
	ResultDeadlineSeconds int64 `json:"resultDeadlineSeconds,omitempty"`
	// CorrectionsWindowSeconds keeps the order open for corrected results after the final ones.
	CorrectionsWindowSeconds int64 `json:"correctionsWindowSeconds,omitempty"`
	// NotifyPatient texts the patient when non-critical final results are filed.
	NotifyPatient bool `json:"notifyPatient"`
	// EscalationSearchAttribute names the keyword search attribute the engine registered for
	// the escalation state; empty publishes none. The API sets it, never the caller.
	EscalationSearchAttribute string `json:"escalationSearchAttribute,omitempty"`
	// Carry is the state handed over by continue-as-new; nil on a fresh order.
	Carry *Carry `json:"carry,omitempty"`
}

func seconds(v int64, def time.Duration) time.Duration {
	if v > 0 {
		return time.Duration(v) * time.Second
	}
	return def
}

// AckTimeout returns the effective page timeout.
func (in Input) AckTimeout() time.Duration { return seconds(in.AckTimeoutSeconds, DefaultAckTimeout) }

// ResultDeadline returns the effective result deadline.
func (in Input) ResultDeadline() time.Duration {
	return seconds(in.ResultDeadlineSeconds, DefaultResultDeadline)
}

// CorrectionsWindow returns how long the order stays open after final results.
func (in Input) CorrectionsWindow() time.Duration {
	return seconds(in.CorrectionsWindowSeconds, DefaultCorrectionsWindow)
}

// FieldError names an invalid field; Reason never echoes the value. It is the same type in
// every process contract.
type FieldError = fielderr.Error

var (
	placerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,49}$`)
	fhirIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)
	loincPattern  = regexp.MustCompile(`^[0-9]{1,7}-[0-9]$`)
	phonePattern  = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
)

// ValidatePlacerOrderNumber checks a placer order number (HL7 EI entity identifier, at most 50 characters here).
func ValidatePlacerOrderNumber(s string) error {
	if !placerPattern.MatchString(s) {
		return &FieldError{Field: "placerOrderNumber", Reason: "must be 1-50 letters, digits, '.' or '-'"}
	}
	return nil
}

// Validate checks a start request.
func (in *Input) Validate() error {
	if err := ValidatePlacerOrderNumber(in.PlacerOrderNumber); err != nil {
		return err
	}
	if !fhirIDPattern.MatchString(in.PatientRef) {
		return &FieldError{Field: "patientRef", Reason: "must be the EHR's Patient id"}
	}
	if in.OrderingProviderID == "" || len(in.OrderingProviderID) > 20 {
		return &FieldError{Field: "orderingProviderId", Reason: "is required (at most 20 characters)"}
	}
	if !phonePattern.MatchString(in.OrderingProvider.Phone) {
		return &FieldError{Field: "orderingProvider.phone", Reason: "must be an E.164 number"}
	}
	if len(in.Tests) == 0 || len(in.Tests) > 20 {
		return &FieldError{Field: "tests", Reason: "must list 1-20 LOINC codes"}
	}
	for _, t := range in.Tests {
		if !loincPattern.MatchString(t) {
			return &FieldError{Field: "tests", Reason: "each test must be a LOINC code such as 2823-3"}
		}
	}
	switch in.Priority {
	case "", "routine", "stat", "asap":
	default:
		return &FieldError{Field: "priority", Reason: "must be routine, stat or asap"}
	}
	for _, c := range in.EscalationChain {
		if !phonePattern.MatchString(c.Phone) || c.Role == "" {
			return &FieldError{Field: "escalationChain", Reason: "each contact needs a role and an E.164 phone"}
		}
	}
	if in.AckTimeoutSeconds < 0 || in.ResultDeadlineSeconds < 0 || in.CorrectionsWindowSeconds < 0 {
		return &FieldError{Field: "ackTimeoutSeconds", Reason: "durations must not be negative"}
	}
	return nil
}

// ResultObservation is one OBX as the MLLP listener read it.
type ResultObservation struct {
	// Code is the LOINC code (OBX-3.1); SubID is OBX-4.
	Code   string   `json:"code"`
	SubID  string   `json:"subId,omitempty"`
	Name   string   `json:"name,omitempty"`
	Value  string   `json:"value"`
	Number *float64 `json:"number,omitempty"`
	// Comparator qualifies Number when the laboratory sent a bound ("<", "<=", ">=", ">"),
	// as HL7 SN and FHIR Quantity.comparator do: "<2.22" is Number 2.22 with comparator "<".
	Comparator string `json:"comparator,omitempty"`
	Units      string `json:"units,omitempty"`
	// Coded is a coded value (OBX-2 CWE, CE or CNE), filed as valueCodeableConcept.
	Coded *CodedValue `json:"coded,omitempty"`
	// DocumentRef points at the encrypted stored copy of an embedded document (OBX-2 ED), or
	// is the laboratory's pointer to a referenced one (RP); the document never enters history.
	DocumentRef string `json:"documentRef,omitempty"`
	// DocumentType is the document's type and subtype, e.g. "AP/PDF".
	DocumentType string `json:"documentType,omitempty"`
	// Warnings record how the value was read leniently (kept as text, comparator, whitespace);
	// the result is never refused for them.
	Warnings []string `json:"warnings,omitempty"`
	// ReferenceRange is OBX-7.
	ReferenceRange string   `json:"referenceRange,omitempty"`
	Flags          []string `json:"flags,omitempty"`
	// Status is OBX-11 (HL7 table 0085): P, F, C, X, W, D, I, R, S, U, N, O.
	Status     string `json:"status"`
	ObservedAt string `json:"observedAt,omitempty"`
	// Notes are the NTE segments after the OBX, escapes decoded.
	Notes []string `json:"notes,omitempty"`
	// Service is OBR-4's code of the group the OBX came in.
	Service string `json:"service,omitempty"`
}

// CodedValue is a coded result: HL7 CWE components 1-3 (code, text, coding system name).
type CodedValue struct {
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
	System  string `json:"system,omitempty"`
}

// ReportGroup is one ORC/OBR group of an ORU for this order.
type ReportGroup struct {
	// Service is OBR-4's code (the ordered test or panel).
	Service string `json:"service"`
	// Status is OBR-25 (HL7 table 0123).
	Status string `json:"status,omitempty"`
	// Notes are the NTE segments after the OBR, escapes decoded.
	Notes []string `json:"notes,omitempty"`
}

// PatientID is one PID-3 repetition: the identifier and its type code (MR, PI, ...).
type PatientID struct {
	ID   string `json:"id"`
	Type string `json:"type,omitempty"`
}

// ResultSignal is one ORU^R01 for this order.
type ResultSignal struct {
	// MessageControlID is MSH-10: duplicates are ignored by it.
	MessageControlID string `json:"messageControlId"`
	// MessageTime is MSH-7 (HL7 TS), used to keep the latest of out-of-order results.
	MessageTime string `json:"messageTime,omitempty"`
	// ReportStatus is OBR-25.
	ReportStatus string              `json:"reportStatus,omitempty"`
	FillerOrder  string              `json:"fillerOrder,omitempty"`
	Observations []ResultObservation `json:"observations"`
	// Reports are the message's ORC/OBR groups for this order (OBR-4, OBR-25, notes).
	Reports []ReportGroup `json:"reports,omitempty"`
	// Patient is PID-3, checked against the order's patient.
	Patient []PatientID `json:"patient,omitempty"`
}

// ResultAccepted answers ResultUpdateName: the message is stored in the order's history.
type ResultAccepted struct {
	Duplicate bool `json:"duplicate,omitempty"`
}

// PageStatus is a Twilio delivery status for a page, matched by message SID.
type PageStatus struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// PageReply is an SMS reply to a page, matched by the code the page carried.
type PageReply struct {
	From string `json:"from"`
	Code string `json:"code"`
}

// AcknowledgeUpdate records who acknowledged the critical value.
type AcknowledgeUpdate struct {
	By string `json:"by"`
}

// Result is the latest value kept for one observation.
type Result struct {
	ResultObservation
	Critical bool `json:"critical"`
	// MessageTime is when the lab sent the message the value came from.
	MessageTime string `json:"messageTime,omitempty"`
}

// Correction records a corrected result replacing an earlier one.
type Correction struct {
	Code       string    `json:"code"`
	OldValue   string    `json:"oldValue"`
	NewValue   string    `json:"newValue"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Page is one SMS page of the escalation.
type Page struct {
	Role   string    `json:"role"`
	Phone  string    `json:"phone"`
	SentAt time.Time `json:"sentAt"`
	SID    string    `json:"sid,omitempty"`
	Failed bool      `json:"failed,omitempty"`
	// Code is the reply code this page carried; each page has its own.
	Code string `json:"code,omitempty"`
	// Status is the last delivery status Twilio reported (undelivered, failed).
	Status string `json:"status,omitempty"`
}

// Escalation is the critical-value paging state.
type Escalation struct {
	State string `json:"state"`
	// Code is what the paged clinician replies to acknowledge; it is not PHI.
	Code           string     `json:"code,omitempty"`
	Pages          []Page     `json:"pages"`
	StartedAt      *time.Time `json:"startedAt,omitempty"`
	AcknowledgedBy string     `json:"acknowledgedBy,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt,omitempty"`
	// AckSeconds is how long the acknowledgment took from the first page.
	AckSeconds int64  `json:"ackSeconds,omitempty"`
	Channel    string `json:"channel,omitempty"`
}

// State is the live state and the final summary.
type State struct {
	PlacerOrderNumber string `json:"placerOrderNumber"`
	Status            string `json:"status"`
	Step              string `json:"step"`
	// OrderRejection is the LIS's ERR text when it refused the order.
	OrderRejection     string       `json:"orderRejection,omitempty"`
	Results            []Result     `json:"results"`
	Corrections        []Correction `json:"corrections"`
	MessagesReceived   int          `json:"messagesReceived"`
	DuplicatesIgnored  int          `json:"duplicatesIgnored"`
	Critical           bool         `json:"critical"`
	Escalation         Escalation   `json:"escalation"`
	DiagnosticReportID string       `json:"diagnosticReportId,omitempty"`
	// PatientNotified is set once the patient was told the results are available.
	PatientNotified bool `json:"patientNotified"`
	// PatientNotification is the notice's notification: its id, status, channel and, when
	// the patient was not told, why (opted out, no current mobile or email).
	PatientNotification *notifications.Outcome `json:"patientNotification,omitempty"`
	Overdue             bool                   `json:"overdue"`
	FailureCode         string                 `json:"failureCode,omitempty"`
	Closed              bool                   `json:"closed"`
	// MissingTests are ordered tests without a final result when a partial report was filed.
	MissingTests []string `json:"missingTests,omitempty"`
	// Notes are the report-level notes (NTE after OBR), filed as DiagnosticReport.conclusion.
	Notes []string `json:"notes,omitempty"`
	// Retractions are results withdrawn by the lab (OBX-11 W or D).
	Retractions []Retraction `json:"retractions,omitempty"`
	// MessageIDs are the MSH-10s of the messages that produced this state, oldest first.
	MessageIDs []string `json:"messageIds,omitempty"`
	// ResultsVersion counts changes to the results; FiledVersion is the one last in the EHR.
	ResultsVersion int `json:"resultsVersion,omitempty"`
	FiledVersion   int `json:"filedVersion,omitempty"`
	// Unacknowledged is set once the whole chain was paged without acknowledgment.
	Unacknowledged bool `json:"unacknowledged"`
}

// Retraction records a result the lab withdrew: W (wrong patient) or D (deleted).
type Retraction struct {
	Code       string    `json:"code"`
	SubID      string    `json:"subId,omitempty"`
	Status     string    `json:"status"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Carry is what continue-as-new hands to the next run of the same order.
type Carry struct {
	State      State             `json:"state"`
	Phase      string            `json:"phase"`
	Seen       []string          `json:"seen"`
	Retracted  []Result          `json:"retracted,omitempty"`
	Reports    map[string]string `json:"reports,omitempty"`
	PatientIDs []string          `json:"patientIds,omitempty"`
	FiledKeys  []string          `json:"filedKeys,omitempty"`
	// Escalation position: the next contact index and when the next page is due.
	NextContact int       `json:"nextContact"`
	NextPageAt  time.Time `json:"nextPageAt"`
	// WindowEnd closes the corrections window; DeadlineAt ends waiting for results.
	WindowEnd  time.Time `json:"windowEnd"`
	DeadlineAt time.Time `json:"deadlineAt"`
	Overdue    bool      `json:"overdueNotified"`
	Notified   bool      `json:"notified"`
}
