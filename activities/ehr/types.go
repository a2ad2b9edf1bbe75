// Package ehr holds the activities that read and write the clinic's EHR over FHIR R4.
package ehr

// Error types raised as non-retryable application errors; workflows match on them.
const (
	// ErrTypeNotFound means the appointment or the patient does not exist in the EHR.
	ErrTypeNotFound = "EHRNotFound"
	// ErrTypeRejected is any other permanent FHIR error (4xx with an OperationOutcome).
	ErrTypeRejected = "EHRRejected"
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
}

// CheckInContext is what a check-in reads from the EHR: the appointment, the patient's first
// name and mobile number for the SMS, and the active coverage (nil when none is on file).
type CheckInContext struct {
	AppointmentID     string    `json:"appointmentId"`
	AppointmentStatus string    `json:"appointmentStatus"`
	AppointmentStart  string    `json:"appointmentStart,omitempty"`
	PatientID         string    `json:"patientId"`
	PatientFirstName  string    `json:"patientFirstName,omitempty"`
	PatientMobile     string    `json:"patientMobile,omitempty"`
	Coverage          *Coverage `json:"coverage,omitempty"`
}

// MarkArrivedInput sets the appointment's status to arrived.
type MarkArrivedInput struct {
	AppointmentID string `json:"appointmentId"`
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
}

// LabResult is one observation to file in the EHR.
type LabResult struct {
	Code           string   `json:"code"`
	Name           string   `json:"name,omitempty"`
	Value          string   `json:"value"`
	Number         *float64 `json:"number,omitempty"`
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
