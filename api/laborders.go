package api

import (
	"net/http"
	"time"

	"github.com/careflow/engine/workflows/laborders"
)

// LabDefaults configure new lab orders: timeouts bound what a request may ask for; the chain
// and thresholds apply when a request names none.
type LabDefaults struct {
	AckTimeout         time.Duration
	ResultDeadline     time.Duration
	CorrectionsWindow  time.Duration
	EscalationChain    []laborders.Contact
	CriticalThresholds map[string]laborders.Threshold
	// EscalationSearchAttribute is the registered keyword search attribute for the escalation
	// state; empty when the namespace has none.
	EscalationSearchAttribute string
}

// withChain appends the configured chain after the order's own contacts, skipping numbers the
// order already pages: the configured roles are always reached, never replaced.
func withChain(own, configured []laborders.Contact) []laborders.Contact {
	out := append([]laborders.Contact{}, own...)
	for _, c := range configured {
		dup := false
		for _, o := range out {
			dup = dup || o.Phone == c.Phone
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// LabOrderView is the body of every lab-order response.
type LabOrderView struct {
	laborders.State
	Temporal TemporalRef `json:"temporal"`
}

func labOrderView(st laborders.State, ref TemporalRef) any {
	return LabOrderView{State: st, Temporal: ref}
}

// labOrderProcess is how the API reaches lab-order workflows.
var labOrderProcess = &process[laborders.State]{
	noun:        "lab order",
	path:        "/v1/lab-orders",
	notFound:    "no lab order with this placer order number",
	validateID:  laborders.ValidatePlacerOrderNumber,
	workflowID:  laborders.WorkflowID,
	taskQueue:   laborders.TaskQueue,
	workflow:    laborders.WorkflowName,
	statusQuery: laborders.StatusQuery,
	view:        labOrderView,
}

// labOrderRoutes are the lab-order process's routes; results arrive over MLLP (mllp.go).
func (s *server) labOrderRoutes() []routeEntry {
	const read, write = "lab-orders.read", "lab-orders.write"
	p := labOrderProcess
	return []routeEntry{
		{Route{http.MethodPost, "/v1/lab-orders", AuthBearer, write, "lab-orders.start"}, s.startLabOrder},
		{Route{http.MethodGet, "/v1/lab-orders/{id}", AuthBearer, read, ""}, getHandler(s, p)},
		{Route{http.MethodPost, "/v1/lab-orders/{id}/acknowledge", AuthBearer, write, "lab-orders.acknowledge"},
			updateHandler[laborders.State, laborders.AcknowledgeUpdate](s, p, laborders.AcknowledgeUpdateName, nil)},
	}
}

// startLabOrder handles POST /v1/lab-orders: one order per placer order number, ever, so a
// repeat never sends a second ORM.
func (s *server) startLabOrder(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	var in laborders.Input
	if !s.decodeValid(w, r, &in) {
		return
	}
	d := s.d.LabDefaults
	in.AckTimeoutSeconds = boundSeconds(in.AckTimeoutSeconds, orDefault(d.AckTimeout, laborders.DefaultAckTimeout))
	in.ResultDeadlineSeconds = boundSeconds(in.ResultDeadlineSeconds, orDefault(d.ResultDeadline, laborders.DefaultResultDeadline))
	in.CorrectionsWindowSeconds = boundSeconds(in.CorrectionsWindowSeconds, orDefault(d.CorrectionsWindow, laborders.DefaultCorrectionsWindow))
	in.EscalationChain = withChain(in.EscalationChain, d.EscalationChain)
	in.EscalationSearchAttribute = d.EscalationSearchAttribute
	// Continue-as-new state is the workflow's own, never a caller's.
	in.Carry = nil
	if len(in.CriticalThresholds) == 0 {
		in.CriticalThresholds = d.CriticalThresholds
	}
	startWorkflow(s, w, r, a, labOrderProcess, in.PlacerOrderNumber, in, func() laborders.State {
		return laborders.State{PlacerOrderNumber: in.PlacerOrderNumber, Status: laborders.StatusOrdering,
			Step: laborders.StepOrder, Results: []laborders.Result{}, Corrections: []laborders.Correction{},
			Escalation: laborders.Escalation{State: laborders.EscalationNone, Pages: []laborders.Page{}}}
	})
}
