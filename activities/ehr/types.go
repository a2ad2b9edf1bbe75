// Package ehr holds the activities that read and write the clinic's EHR over FHIR R4.
package ehr

import "time"

// Error types raised as non-retryable application errors; workflows match on them.
const (
	// ErrTypeNotFound means the appointment or the patient does not exist in the EHR.
	ErrTypeNotFound = "EHRNotFound"
	// ErrTypeRejected is any other permanent FHIR error (4xx with an OperationOutcome).
	ErrTypeRejected = "EHRRejected"
	// ErrTypeRefused means the appointment, as read just before the write-back, may not be
	// checked in (see Guard); the error's details carry a Refusal.
	ErrTypeRefused = "EHRCheckInRefused"
)

// Coverage problems: why a selected coverage cannot be asked about.
const (
	// ProblemSubscriberUnreadable means the coverage names a subscriber the EHR cannot return.
	ProblemSubscriberUnreadable = "subscriber-unreadable"
	// ProblemPayerUnmapped means the coverage's payer has no clearinghouse payer id in the crosswalk.
	ProblemPayerUnmapped = "payer-unmapped"
)

// LoadCheckInInput names the appointment a check-in is about.
type LoadCheckInInput struct {
	AppointmentID string `json:"appointmentId"`
}

// Coverage is what the eligibility inquiry needs from the patient's active Coverage.
type Coverage struct {
	CoverageID          string `json:"coverageId"`
	MemberID            string `json:"memberId"`
	GroupNumber         string `json:"groupNumber,omitempty"`
	PayerID             string `json:"payerId"`
	PayerName           string `json:"payerName"`
	SubscriberFirstName string `json:"subscriberFirstName"`
	SubscriberLastName  string `json:"subscriberLastName"`
	// SubscriberBirthDate is YYYY-MM-DD.
	SubscriberBirthDate string `json:"subscriberBirthDate,omitempty"`
	SubscriberGender    string `json:"subscriberGender,omitempty"`
	// Order is Coverage.order (1 primary, 2 secondary); 0 when the EHR gave none.
	Order int `json:"order,omitempty"`
	// Relationship is the patient's relationship to the subscriber (FHIR subscriber-relationship
	// code: self, child, spouse, other, ...).
	Relationship string `json:"relationship,omitempty"`
	// Dependent is the patient when the subscriber is someone else: the 270 then carries the
	// subscriber in loop 2100C and the patient in 2000D/2100D.
	Dependent *Dependent `json:"dependent,omitempty"`
	// Problem names why this coverage cannot be asked about (ProblemSubscriberUnreadable,
	// ProblemPayerUnmapped); "" when it can.
	Problem string `json:"problem,omitempty"`
}

// Dependent is a patient covered through someone else's plan.
type Dependent struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	// BirthDate is YYYY-MM-DD.
	BirthDate string `json:"birthDate,omitempty"`
	Gender    string `json:"gender,omitempty"`
	// Relationship is the FHIR subscriber-relationship code (child, spouse, other, ...).
	Relationship string `json:"relationship"`
}

// CheckInContext is what a check-in reads from the EHR: the appointment, the patient's first
// name and mobile number for the SMS, and the coverage SelectCoverages chose (nil when none
// applies).
type CheckInContext struct {
	AppointmentID     string `json:"appointmentId"`
	AppointmentStatus string `json:"appointmentStatus"`
	AppointmentStart  string `json:"appointmentStart,omitempty"`
	// PatientStatus is the patient participant's status on the appointment.
	PatientStatus    string `json:"patientStatus,omitempty"`
	PatientID        string `json:"patientId"`
	PatientFirstName string `json:"patientFirstName,omitempty"`
	PatientMobile    string `json:"patientMobile,omitempty"`
	// PatientLanguage is the patient's preferred language (BCP 47, "" when the chart names none).
	PatientLanguage string    `json:"patientLanguage,omitempty"`
	Coverage        *Coverage `json:"coverage,omitempty"`
	// SecondaryCoverage is the next usable coverage after Coverage, for coordination of benefits.
	SecondaryCoverage *Coverage `json:"secondaryCoverage,omitempty"`
	// CoveragesOnFile counts the patient's Coverage resources, usable or not, so that "no usable
	// coverage for the date" is told apart from "no coverage on file".
	CoveragesOnFile int `json:"coveragesOnFile,omitempty"`
}

// Facts are the appointment facts the check-in guards look at.
func (c CheckInContext) Facts() AppointmentFacts {
	return AppointmentFacts{Status: c.AppointmentStatus, Start: c.AppointmentStart, PatientStatus: c.PatientStatus}
}

// MarkArrivedInput sets the appointment's status to arrived.
type MarkArrivedInput struct {
	AppointmentID string `json:"appointmentId"`
	// Guard, when set, re-checks the check-in window against the appointment as read just
	// before the write; the status and participant guards are always re-checked.
	Guard *ArrivalGuard `json:"guard,omitempty"`
}

// ArrivalGuard carries what the write-back re-checks the window with.
type ArrivalGuard struct {
	// CheckedInAt is when the check-in was asked for: the window is judged at that moment, so
	// a patient kept waiting by the front desk is not refused, but a rescheduled appointment is.
	CheckedInAt time.Time `json:"checkedInAt"`
	Window      Window    `json:"window"`
	// WindowOverridden is set when the front desk overrode the window explicitly.
	WindowOverridden bool `json:"windowOverridden,omitempty"`
}

// MarkArrivedResult reports the appointment's new version.
type MarkArrivedResult struct {
	VersionID string `json:"versionId"`
}

// CreateEncounterInput opens the visit's Encounter. IdempotencyKey becomes an identifier
// used for a conditional create, so a retried activity finds the Encounter it made.
type CreateEncounterInput struct {
	AppointmentID  string `json:"appointmentId"`
	PatientID      string `json:"patientId"`
	IdempotencyKey string `json:"idempotencyKey"`
}

// CreateEncounterResult names the Encounter.
type CreateEncounterResult struct {
	EncounterID string `json:"encounterId"`
}

// PatientContactInput names the patient to text.
type PatientContactInput struct {
	PatientID string `json:"patientId"`
}

// PatientContact is what a patient SMS needs: first name and mobile number.
type PatientContact struct {
	FirstName string `json:"firstName,omitempty"`
	Mobile    string `json:"mobile,omitempty"`
	// Language is the patient's preferred language (BCP 47, "" when the chart names none).
	Language string `json:"language,omitempty"`
}

// LabResult is one observation to file in the EHR.
type LabResult struct {
	Code   string   `json:"code"`
	Name   string   `json:"name,omitempty"`
	Value  string   `json:"value"`
	Number *float64 `json:"number,omitempty"`
	// Coded is a coded value (HL7 CWE code, display and coding-system name), filed as
	// valueCodeableConcept.
	Coded *LabCoding `json:"coded,omitempty"`
	// Comparator is "<", "<=", ">=" or ">" for a bound such as "<2.22", filed as Quantity.comparator.
	Comparator     string   `json:"comparator,omitempty"`
	Units          string   `json:"units,omitempty"`
	ReferenceRange string   `json:"referenceRange,omitempty"`
	Flags          []string `json:"flags,omitempty"`
	// Status is OBX-11 (F final, C corrected, P preliminary, X cannot be obtained, ...).
	Status     string `json:"status"`
	ObservedAt string `json:"observedAt,omitempty"`
	// SubID is OBX-4; observations sharing a code are told apart by it.
	SubID string `json:"subId,omitempty"`
	// Notes are the NTE comments after the OBX, filed as Observation.note.
	Notes []string `json:"notes,omitempty"`
	// Retracted files the Observation as entered-in-error (OBX-11 W or D after filing).
	Retracted bool `json:"retracted,omitempty"`
}

// LabCoding is a coded lab value as the laboratory sent it (HL7 CWE components 1-3).
type LabCoding struct {
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
	System  string `json:"system,omitempty"`
}

// WriteLabResultsInput files an order's results as a DiagnosticReport with Observations.
// Writes are keyed by identifiers derived from PlacerOrderNumber, so a retry or a corrected
// report updates what the first write made.
type WriteLabResultsInput struct {
	PlacerOrderNumber string      `json:"placerOrderNumber"`
	PatientID         string      `json:"patientId"`
	Results           []LabResult `json:"results"`
	// Corrected marks a report re-filed after a corrected result.
	Corrected bool `json:"corrected,omitempty"`
	// Partial files the report as partial: Missing names the ordered tests without a result.
	Partial bool     `json:"partial,omitempty"`
	Missing []string `json:"missing,omitempty"`
	// Conclusion holds the report-level notes (NTE after OBR).
	Conclusion []string `json:"conclusion,omitempty"`
}

// WriteLabResultsResult names what was written.
type WriteLabResultsResult struct {
	DiagnosticReportID string   `json:"diagnosticReportId"`
	ObservationIDs     []string `json:"observationIds"`
}
