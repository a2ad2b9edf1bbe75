// Package lis holds the activity that places laboratory orders with the LIS: an HL7 v2.5.1
// ORM^O01 sent over MLLP, answered by an ACK.
package lis

// ErrTypeOrderRejected means the LIS answered AE or AR; the details carry its ERR text.
const ErrTypeOrderRejected = "LISOrderRejected"

// SendOrderInput is one order.
type SendOrderInput struct {
	WorkflowID        string   `json:"workflowId"`
	PlacerOrderNumber string   `json:"placerOrderNumber"`
	PatientRef        string   `json:"patientRef"`
	ProviderID        string   `json:"providerId"`
	ProviderName      string   `json:"providerName,omitempty"`
	Tests             []string `json:"tests"`
	Priority          string   `json:"priority,omitempty"`
	// ControlID is MSH-10, deterministic (workflow ID + step) so a resend is recognisable.
	ControlID string `json:"controlId"`
}

// SendOrderResult is the LIS's acknowledgment.
type SendOrderResult struct {
	AckCode   string `json:"ackCode"`
	ControlID string `json:"controlId"`
	// Patient is the PID-3 the order carried (the EHR's MRN and Patient id), kept by the
	// workflow to check that results name the same patient.
	Patient []PatientID `json:"patient,omitempty"`
}

// PatientID is one patient identifier with its HL7 type code (MR, PI).
type PatientID struct {
	ID   string `json:"id"`
	Type string `json:"type,omitempty"`
}
