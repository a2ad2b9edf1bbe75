package fhir

import (
	"net/url"
	"strconv"
	"time"
)

// Code systems the builders use.
const (
	SystemActCode             = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	SystemObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	SystemDiagnosticService   = "http://terminology.hl7.org/CodeSystem/v2-0074"
	SystemInterpretation      = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	SystemDataAbsentReason    = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
	SystemLOINC               = "http://loinc.org"
	SystemUCUM                = "http://unitsofmeasure.org"
)

// IdentifierQuery renders an identifier search ("identifier=system|value", URL-encoded) for
// Create's ifNoneExist, so a retried create finds the resource the first attempt made.
func IdentifierQuery(id Identifier) string {
	return url.Values{"identifier": {id.SearchToken()}}.Encode()
}

// EncounterSpec describes the Encounter a check-in opens for an arrived appointment.
type EncounterSpec struct {
	PatientID     string
	AppointmentID string
	// OrganizationID is the clinic (Encounter.serviceProvider); optional.
	OrganizationID string
	// Start is the arrival time (Encounter.period.start).
	Start time.Time
	// Status defaults to "arrived".
	Status string
	// Identifier should be set (e.g. system "urn:careflow:checkin", value = workflow id)
	// so the create can be made conditional and therefore idempotent.
	Identifier []Identifier
}

// NewEncounter builds an ambulatory Encounter for an arrived appointment.
func NewEncounter(s EncounterSpec) (Encounter, error) {
	if s.Status == "" {
		s.Status = "arrived"
	}
	if err := checkRef("Patient", s.PatientID, true); err != nil {
		return Encounter{}, err
	}
	if err := checkRef("Appointment", s.AppointmentID, false); err != nil {
		return Encounter{}, err
	}
	if err := checkRef("Organization", s.OrganizationID, false); err != nil {
		return Encounter{}, err
	}
	if !validStatus("Encounter", s.Status) {
		return Encounter{}, invalidArg("Encounter status is not in the R4 value set")
	}
	if s.Start.IsZero() {
		return Encounter{}, invalidArg("Encounter needs a start time")
	}
	subject := Ref("Patient", s.PatientID)
	e := Encounter{
		ResourceType: "Encounter",
		Identifier:   s.Identifier,
		Status:       s.Status,
		Class:        &Coding{System: SystemActCode, Code: "AMB", Display: "ambulatory"},
		Subject:      &subject,
		Period:       &Period{Start: DateTimeOf(s.Start)},
	}
	if s.AppointmentID != "" {
		e.Appointment = []Reference{Ref("Appointment", s.AppointmentID)}
	}
	if s.OrganizationID != "" {
		org := Ref("Organization", s.OrganizationID)
		e.ServiceProvider = &org
	}
	return e, nil
}

// ObservationSpec describes one lab result value (an HL7 v2 OBX segment).
type ObservationSpec struct {
	PatientID   string
	EncounterID string
	// BasedOn points at the order (ServiceRequest), by literal reference or identifier.
	BasedOn    []Reference
	Identifier []Identifier
	// Status is final, preliminary, corrected, ... (OBX-11 mapped by the caller).
	Status string
	// Code is what was measured, normally a LOINC coding (OBX-3).
	Code      CodeableConcept
	Effective time.Time
	Issued    time.Time
	// At most one of Quantity, Text and Coded is the value (OBX-2/OBX-5).
	Quantity *Quantity
	Text     string
	Coded    *CodeableConcept
	// AbsentReason is a data-absent-reason code for a result without a value.
	AbsentReason string
	// Interpretation is a v3 ObservationInterpretation code (N, A, AA, H, HH, L, LL), OBX-8.
	Interpretation string
	// ReferenceRange is the normal range as text (OBX-7).
	ReferenceRange string
	// Notes become Observation.note (the NTE comments after the OBX).
	Notes []string
}

// interpretationDisplay holds the v3 ObservationInterpretation codes HL7 v2 OBX-8 maps to.
var interpretationDisplay = map[string]string{
	"N": "Normal", "A": "Abnormal", "AA": "Critical abnormal",
	"H": "High", "HH": "Critical high", "L": "Low", "LL": "Critical low",
}

// NewObservation builds a laboratory Observation.
func NewObservation(s ObservationSpec) (Observation, error) {
	if err := checkRef("Patient", s.PatientID, true); err != nil {
		return Observation{}, err
	}
	if err := checkRef("Encounter", s.EncounterID, false); err != nil {
		return Observation{}, err
	}
	if !validStatus("Observation", s.Status) {
		return Observation{}, invalidArg("Observation status is not in the R4 value set")
	}
	if len(s.Code.Coding) == 0 && s.Code.Text == "" {
		return Observation{}, invalidArg("Observation needs a code")
	}
	values := 0
	for _, set := range []bool{s.Quantity != nil, s.Text != "", s.Coded != nil} {
		if set {
			values++
		}
	}
	if values > 1 {
		return Observation{}, invalidArg("Observation takes at most one value")
	}
	if values == 1 && s.AbsentReason != "" {
		// FHIR invariant obs-6: dataAbsentReason only when there is no value.
		return Observation{}, invalidArg("Observation has both a value and an absent reason")
	}
	if s.Quantity != nil {
		if _, err := strconv.ParseFloat(string(s.Quantity.Value), 64); err != nil {
			return Observation{}, invalidArg("Observation quantity is not a decimal")
		}
	}
	subject := Ref("Patient", s.PatientID)
	o := Observation{
		ResourceType: "Observation",
		Identifier:   s.Identifier,
		BasedOn:      s.BasedOn,
		Status:       s.Status,
		Category: []CodeableConcept{{Coding: []Coding{
			{System: SystemObservationCategory, Code: "laboratory", Display: "Laboratory"}}}},
		Code:                 s.Code,
		Subject:              &subject,
		EffectiveDateTime:    optionalTime(s.Effective),
		Issued:               optionalTime(s.Issued),
		ValueQuantity:        s.Quantity,
		ValueString:          s.Text,
		ValueCodeableConcept: s.Coded,
	}
	if s.EncounterID != "" {
		enc := Ref("Encounter", s.EncounterID)
		o.Encounter = &enc
	}
	if s.AbsentReason != "" {
		o.DataAbsentReason = &CodeableConcept{Coding: []Coding{{System: SystemDataAbsentReason, Code: s.AbsentReason}}}
	}
	if s.Interpretation != "" {
		display, ok := interpretationDisplay[s.Interpretation]
		if !ok {
			return Observation{}, invalidArg("Observation interpretation is not a known v3 code")
		}
		o.Interpretation = []CodeableConcept{{Coding: []Coding{
			{System: SystemInterpretation, Code: s.Interpretation, Display: display}}}}
	}
	if s.ReferenceRange != "" {
		o.ReferenceRange = []ObservationReferenceRange{{Text: s.ReferenceRange}}
	}
	for _, n := range s.Notes {
		if n != "" {
			o.Note = append(o.Note, Annotation{Text: n})
		}
	}
	return o, nil
}

// DiagnosticReportSpec describes a lab report (an HL7 v2 ORU^R01 order group).
type DiagnosticReportSpec struct {
	PatientID   string
	EncounterID string
	BasedOn     []Reference
	// Identifier holds the placer and filler order numbers.
	Identifier []Identifier
	// Status is final, preliminary, corrected, ... (OBR-25 mapped by the caller).
	Status string
	// Code is the panel or test ordered, normally a LOINC coding (OBR-4).
	Code      CodeableConcept
	Effective time.Time
	Issued    time.Time
	// Results reference the report's Observations ("Observation/<id>" or a urn:uuid in a
	// transaction Bundle).
	Results    []Reference
	Conclusion string
}

// NewDiagnosticReport builds a laboratory DiagnosticReport.
func NewDiagnosticReport(s DiagnosticReportSpec) (DiagnosticReport, error) {
	if err := checkRef("Patient", s.PatientID, true); err != nil {
		return DiagnosticReport{}, err
	}
	if err := checkRef("Encounter", s.EncounterID, false); err != nil {
		return DiagnosticReport{}, err
	}
	if !validStatus("DiagnosticReport", s.Status) {
		return DiagnosticReport{}, invalidArg("DiagnosticReport status is not in the R4 value set")
	}
	if len(s.Code.Coding) == 0 && s.Code.Text == "" {
		return DiagnosticReport{}, invalidArg("DiagnosticReport needs a code")
	}
	subject := Ref("Patient", s.PatientID)
	d := DiagnosticReport{
		ResourceType: "DiagnosticReport",
		Identifier:   s.Identifier,
		BasedOn:      s.BasedOn,
		Status:       s.Status,
		Category: []CodeableConcept{{Coding: []Coding{
			{System: SystemDiagnosticService, Code: "LAB", Display: "Laboratory"}}}},
		Code:              s.Code,
		Subject:           &subject,
		EffectiveDateTime: optionalTime(s.Effective),
		Issued:            optionalTime(s.Issued),
		Result:            s.Results,
		Conclusion:        s.Conclusion,
	}
	if s.EncounterID != "" {
		enc := Ref("Encounter", s.EncounterID)
		d.Encounter = &enc
	}
	return d, nil
}

// checkRef validates an id that will become a reference to resourceType.
func checkRef(resourceType, id string, required bool) error {
	if id == "" && !required {
		return nil
	}
	if !validID(id) {
		return invalidArg("%s reference id is not a FHIR id", resourceType)
	}
	return nil
}

// optionalTime formats t, leaving zero times out of the resource.
func optionalTime(t time.Time) DateTime {
	if t.IsZero() {
		return ""
	}
	return DateTimeOf(t)
}
