package fhir

import "encoding/json"

// The resource models below hold the subset of FHIR R4 fields the engine reads or writes.
// Fields outside the subset are lost when decoding into them, so writes that modify a
// server's resource go through UpdateStatus (which works on the raw JSON), never a model.

// Patient is a FHIR R4 Patient.
type Patient struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Meta         *Meta          `json:"meta,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Active       *bool          `json:"active,omitempty"`
	Name         []HumanName    `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
	Gender       string         `json:"gender,omitempty"`
	BirthDate    string         `json:"birthDate,omitempty"`
	// Communication lists the languages the patient speaks (contact.go picks the preferred one).
	Communication []PatientCommunication `json:"communication,omitempty"`
}

// PatientCommunication is one Patient.communication entry.
type PatientCommunication struct {
	Language  CodeableConcept `json:"language"`
	Preferred *bool           `json:"preferred,omitempty"`
}

// Coverage is a FHIR R4 Coverage (an insurance plan the patient is enrolled in).
type Coverage struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id,omitempty"`
	Meta         *Meta            `json:"meta,omitempty"`
	Identifier   []Identifier     `json:"identifier,omitempty"`
	Status       string           `json:"status,omitempty"`
	Type         *CodeableConcept `json:"type,omitempty"`
	Subscriber   *Reference       `json:"subscriber,omitempty"`
	SubscriberID string           `json:"subscriberId,omitempty"`
	Beneficiary  Reference        `json:"beneficiary"`
	Dependent    string           `json:"dependent,omitempty"`
	Relationship *CodeableConcept `json:"relationship,omitempty"`
	Period       *Period          `json:"period,omitempty"`
	Payor        []Reference      `json:"payor,omitempty"`
	Class        []CoverageClass  `json:"class,omitempty"`
	Order        int              `json:"order,omitempty"`
}

// CoverageClass is one Coverage.class entry (group, plan, ...).
type CoverageClass struct {
	Type  CodeableConcept `json:"type"`
	Value string          `json:"value"`
	Name  string          `json:"name,omitempty"`
}

// CoverageClassSystem is the code system of Coverage.class.type.
const CoverageClassSystem = "http://terminology.hl7.org/CodeSystem/coverage-class"

// ClassValue returns the value of the class with the given coverage-class code
// ("group", "plan", ...), and whether there is one.
func (c Coverage) ClassValue(code string) (string, bool) {
	for _, cl := range c.Class {
		for _, cd := range cl.Type.Coding {
			if cd.Code == code && (cd.System == "" || cd.System == CoverageClassSystem) {
				return cl.Value, true
			}
		}
	}
	return "", false
}

// Appointment is a FHIR R4 Appointment.
type Appointment struct {
	ResourceType    string                   `json:"resourceType"`
	ID              string                   `json:"id,omitempty"`
	Meta            *Meta                    `json:"meta,omitempty"`
	Identifier      []Identifier             `json:"identifier,omitempty"`
	Status          string                   `json:"status,omitempty"`
	ServiceType     []CodeableConcept        `json:"serviceType,omitempty"`
	AppointmentType *CodeableConcept         `json:"appointmentType,omitempty"`
	Start           DateTime                 `json:"start,omitempty"`
	End             DateTime                 `json:"end,omitempty"`
	MinutesDuration int                      `json:"minutesDuration,omitempty"`
	Participant     []AppointmentParticipant `json:"participant,omitempty"`
}

// AppointmentParticipant is one participant of an Appointment.
type AppointmentParticipant struct {
	Type     []CodeableConcept `json:"type,omitempty"`
	Actor    *Reference        `json:"actor,omitempty"`
	Required string            `json:"required,omitempty"`
	Status   string            `json:"status,omitempty"`
}

// ParticipantID returns the id of the first participant whose actor is a resourceType
// ("Patient", "Practitioner", "Location"), and whether there is one.
func (a Appointment) ParticipantID(resourceType string) (string, bool) {
	for _, p := range a.Participant {
		if p.Actor == nil {
			continue
		}
		if typ, id, ok := p.Actor.Target(); ok && typ == resourceType {
			return id, true
		}
	}
	return "", false
}

// Encounter is a FHIR R4 Encounter.
type Encounter struct {
	ResourceType    string            `json:"resourceType"`
	ID              string            `json:"id,omitempty"`
	Meta            *Meta             `json:"meta,omitempty"`
	Identifier      []Identifier      `json:"identifier,omitempty"`
	Status          string            `json:"status,omitempty"`
	Class           *Coding           `json:"class,omitempty"`
	Type            []CodeableConcept `json:"type,omitempty"`
	Subject         *Reference        `json:"subject,omitempty"`
	Appointment     []Reference       `json:"appointment,omitempty"`
	Period          *Period           `json:"period,omitempty"`
	ServiceProvider *Reference        `json:"serviceProvider,omitempty"`
}

// DiagnosticReport is a FHIR R4 DiagnosticReport (a lab result report).
type DiagnosticReport struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Meta              *Meta             `json:"meta,omitempty"`
	Identifier        []Identifier      `json:"identifier,omitempty"`
	BasedOn           []Reference       `json:"basedOn,omitempty"`
	Status            string            `json:"status,omitempty"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime DateTime          `json:"effectiveDateTime,omitempty"`
	Issued            DateTime          `json:"issued,omitempty"`
	Performer         []Reference       `json:"performer,omitempty"`
	Result            []Reference       `json:"result,omitempty"`
	Conclusion        string            `json:"conclusion,omitempty"`
}

// Observation is a FHIR R4 Observation (one lab result value).
type Observation struct {
	ResourceType         string                      `json:"resourceType"`
	ID                   string                      `json:"id,omitempty"`
	Meta                 *Meta                       `json:"meta,omitempty"`
	Identifier           []Identifier                `json:"identifier,omitempty"`
	BasedOn              []Reference                 `json:"basedOn,omitempty"`
	Status               string                      `json:"status,omitempty"`
	Category             []CodeableConcept           `json:"category,omitempty"`
	Code                 CodeableConcept             `json:"code"`
	Subject              *Reference                  `json:"subject,omitempty"`
	Encounter            *Reference                  `json:"encounter,omitempty"`
	EffectiveDateTime    DateTime                    `json:"effectiveDateTime,omitempty"`
	Issued               DateTime                    `json:"issued,omitempty"`
	Performer            []Reference                 `json:"performer,omitempty"`
	ValueQuantity        *Quantity                   `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept            `json:"valueCodeableConcept,omitempty"`
	ValueString          string                      `json:"valueString,omitempty"`
	DataAbsentReason     *CodeableConcept            `json:"dataAbsentReason,omitempty"`
	Interpretation       []CodeableConcept           `json:"interpretation,omitempty"`
	ReferenceRange       []ObservationReferenceRange `json:"referenceRange,omitempty"`
	Note                 []Annotation                `json:"note,omitempty"`
}

// ObservationReferenceRange is the normal range a result is judged against.
type ObservationReferenceRange struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
	Text string    `json:"text,omitempty"`
}

// OperationOutcome is a FHIR R4 OperationOutcome with its free text kept. Do not log it
// or return it to API callers: diagnostics may quote PHI.
type OperationOutcome struct {
	ResourceType string                  `json:"resourceType"`
	Issue        []OperationOutcomeIssue `json:"issue"`
}

// OperationOutcomeIssue is one issue of an OperationOutcome.
type OperationOutcomeIssue struct {
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
	Expression  []string         `json:"expression,omitempty"`
}

// Bundle is a FHIR R4 Bundle; entries keep their resources as raw JSON.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a navigation link of a Bundle ("self", "next", ...).
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one entry of a Bundle.
type BundleEntry struct {
	FullURL  string               `json:"fullUrl,omitempty"`
	Resource json.RawMessage      `json:"resource,omitempty"`
	Search   *BundleEntrySearch   `json:"search,omitempty"`
	Response *BundleEntryResponse `json:"response,omitempty"`
}

// BundleEntrySearch says why a searchset entry is present: "match", "include" or "outcome".
type BundleEntrySearch struct {
	Mode string `json:"mode,omitempty"`
}

// BundleEntryResponse is the outcome of one entry of a batch or transaction.
type BundleEntryResponse struct {
	Status   string `json:"status"`
	Location string `json:"location,omitempty"`
	Etag     string `json:"etag,omitempty"`
}

// fhirType names the FHIR type of each model, so Decode can refuse a mismatched resource.
func (Patient) fhirType() string          { return "Patient" }
func (Coverage) fhirType() string         { return "Coverage" }
func (Appointment) fhirType() string      { return "Appointment" }
func (Encounter) fhirType() string        { return "Encounter" }
func (DiagnosticReport) fhirType() string { return "DiagnosticReport" }
func (Observation) fhirType() string      { return "Observation" }
func (OperationOutcome) fhirType() string { return "OperationOutcome" }
func (Bundle) fhirType() string           { return "Bundle" }
