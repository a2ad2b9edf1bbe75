package fhir

// Annotation is a FHIR R4 Annotation: a text note (Observation.note carries lab comments).
type Annotation struct {
	Text string `json:"text"`
}
