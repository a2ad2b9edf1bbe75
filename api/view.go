package api

import (
	"net/url"
	"strings"

	"github.com/careflow/engine/workflows/payments"
)

// PaymentView is the body of every payment response: the workflow's State plus where to find
// the process in Temporal.
type PaymentView struct {
	payments.State
	Temporal TemporalRef `json:"temporal"`
}

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

// view combines a State with its TemporalRef; empty lists render as [] rather than null so
// clients can iterate without checks.
func (s *server) view(st payments.State, workflowID, runID string) PaymentView {
	if st.Refunds == nil {
		st.Refunds = []payments.Refund{}
	}
	if st.Disputes == nil {
		st.Disputes = []payments.Dispute{}
	}
	return PaymentView{State: st, Temporal: s.ref(workflowID, runID)}
}

// initialState is what a just-started payment looks like before its first workflow task ran.
func initialState(in payments.Input) payments.State {
	return payments.State{
		PaymentID: in.PaymentID,
		Status:    payments.StatusAuthorizing,
		Step:      payments.StepAuthorize,
		Amount:    in.Amount,
		Currency:  in.Currency,
	}
}
