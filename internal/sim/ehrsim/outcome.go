package ehrsim

import (
	"net/http"
)

// FHIR IssueType codes (http://hl7.org/fhir/issue-type) the simulator uses.
const (
	codeInvalid      = "invalid"
	codeRequired     = "required"
	codeCodeInvalid  = "code-invalid"
	codeNotFound     = "not-found"
	codeNotSupported = "not-supported"
	codeConflict     = "conflict"
	codeDuplicate    = "duplicate"
	codeSecurity     = "security"
	codeForbidden    = "forbidden"
	codeThrottled    = "throttled"
	codeException    = "exception"
)

// fhirContentType is the FHIR JSON media type of every FHIR answer.
const fhirContentType = "application/fhir+json; charset=utf-8"

// operationOutcome is the FHIR error resource.
type operationOutcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []outcomeIssue `json:"issue"`
}

// outcomeIssue is one OperationOutcome.issue.
type outcomeIssue struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	Diagnostics string `json:"diagnostics,omitempty"`
}

// writeOutcome answers with a one-issue OperationOutcome. Diagnostics name
// only resource types, ids, element paths and versions, never resource
// content, so no PHI reaches a caller's logs through them.
func writeOutcome(w http.ResponseWriter, status int, code, diagnostics string) {
	severity := "error"
	if status >= 500 {
		severity = "fatal"
	}
	writeJSON(w, status, fhirContentType, operationOutcome{
		ResourceType: "OperationOutcome",
		Issue:        []outcomeIssue{{Severity: severity, Code: code, Diagnostics: diagnostics}},
	})
}
