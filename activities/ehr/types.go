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
