package laborders

import (
	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/notify/templates"
)

// pageText is the critical-value page: the order number and the reply code, never the patient
// or the value. Clinicians are paged in English (the chart records no language for them).
func pageText(orderNumber, code string) string {
	// text/template ranges over maps while parsing its function table (order-free) and sorts map
	// keys when executing; these structs hold strings only, so the text is deterministic.
	data := templates.CriticalPageData{OrderNumber: orderNumber, ReplyCode: code}
	text, err := templates.Render(templates.CriticalPage, templates.English, data) //workflowcheck:ignore
	if err != nil {
		// Unreachable once templates.Check passed at start-up; the page must still go out.
		return "CRITICAL lab result for order " + orderNumber + ". Reply " + code + " to acknowledge."
	}
	return text
}

// resultsNotice is the patient's "results available" SMS in their preferred language: first
// name only, never the results.
func resultsNotice(pc ehr.PatientContact) string {
	data := templates.ResultsAvailableData{FirstName: pc.FirstName}
	// Deterministic for the same reason as pageText's.
	text, err := templates.Render(templates.ResultsAvailable, pc.Language, data) //workflowcheck:ignore
	if err != nil {
		// Unreachable once templates.Check passed at start-up; a plain sentence beats no text.
		return "Your lab results are available. Please check your patient portal or call the clinic."
	}
	return text
}
