package erxcheck

// RxNormSystem is the FHIR code system URI of RxNorm.
const RxNormSystem = "http://www.nlm.nih.gov/research/umls/rxnorm"

// Terminology systems of AllergyIntolerance status codes.
const (
	ClinicalStatusSystem     = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	VerificationStatusSystem = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
)

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Code returns the code of the first coding in system, or "".
func (c *CodeableConcept) Code(system string) string {
	if c == nil {
		return ""
	}
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd.Code
		}
	}
	return ""
}

// codes returns every code of system.
func (c *CodeableConcept) codes(system string) []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code != "" {
			out = append(out, cd.Code)
		}
	}
	return out
}

// AllergyIntolerance is the part of a FHIR R4 AllergyIntolerance the
// allergy check reads.
type AllergyIntolerance struct {
	ResourceType       string           `json:"resourceType,omitempty"`
	ID                 string           `json:"id,omitempty"`
	ClinicalStatus     *CodeableConcept `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept `json:"verificationStatus,omitempty"`
	Type               string           `json:"type,omitempty"`
	Category           []string         `json:"category,omitempty"`
	Criticality        string           `json:"criticality,omitempty"`
	Code               *CodeableConcept `json:"code,omitempty"`
}

// Active reports whether the allergy counts: clinicalStatus active (an
// absent clinicalStatus counts too, as FHIR requires it unless the record
// is entered-in-error) and verificationStatus neither refuted nor
// entered-in-error.
func (a *AllergyIntolerance) Active() bool {
	switch a.VerificationStatus.Code(VerificationStatusSystem) {
	case "refuted", "entered-in-error":
		return false
	}
	cs := a.ClinicalStatus.Code(ClinicalStatusSystem)
	return cs == "" || cs == "active"
}

// MedicationRequest is the part of a FHIR R4 MedicationRequest the checks
// read: its RxNorm-coded medication.
type MedicationRequest struct {
	ResourceType              string           `json:"resourceType,omitempty"`
	ID                        string           `json:"id,omitempty"`
	Status                    string           `json:"status,omitempty"`
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
}

// RxCUI returns the medication's RxNorm code, or "".
func (m *MedicationRequest) RxCUI() string { return m.MedicationCodeableConcept.Code(RxNormSystem) }
