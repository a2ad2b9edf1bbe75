package api

import (
	"net/url"
	"strings"
)

// TemporalRef locates a process in Temporal and its Web UI.
type TemporalRef struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId,omitempty"`
	UIURL      string `json:"uiUrl,omitempty"`
}

// ref builds the TemporalRef for a workflow run.
func (s *server) ref(workflowID, runID string) TemporalRef {
	t := TemporalRef{WorkflowID: workflowID, RunID: runID}
	if s.d.UIURL != "" {
		t.UIURL = strings.TrimRight(s.d.UIURL, "/") + "/namespaces/" + url.PathEscape(s.d.Namespace) +
			"/workflows/" + url.PathEscape(workflowID)
		if runID != "" {
			t.UIURL += "/" + url.PathEscape(runID)
		}
	}
	return t
}
