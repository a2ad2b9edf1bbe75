package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/workflows/laborders"
)

// labNotFound is the 404 detail for lab orders.
const labNotFound = "no lab order with this placer order number"

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

// startLabOrder handles POST /v1/lab-orders: 201 for a new order, 200 with the existing one's
// state for a repeated placer order number (never a second ORM).
func (s *server) startLabOrder(w http.ResponseWriter, r *http.Request) {
	a := s.newAudit(r, Actor(r.Context()), "lab-orders.start")
	a.finish(func() int {
		var in laborders.Input
		if de := decodeStrict(w, r, &in, false); de != nil {
			s.decodeProblem(w, r, de)
			return de.status
		}
		if err := in.Validate(); err != nil {
			return s.validationProblem(w, r, err, "")
		}
		d := s.d.LabDefaults
		in.AckTimeoutSeconds = boundSeconds(in.AckTimeoutSeconds, orDefault(d.AckTimeout, laborders.DefaultAckTimeout))
		in.ResultDeadlineSeconds = boundSeconds(in.ResultDeadlineSeconds, orDefault(d.ResultDeadline, laborders.DefaultResultDeadline))
		in.CorrectionsWindowSeconds = boundSeconds(in.CorrectionsWindowSeconds, orDefault(d.CorrectionsWindow, laborders.DefaultCorrectionsWindow))
		in.EscalationChain = withChain(in.EscalationChain, d.EscalationChain)
		in.EscalationSearchAttribute = d.EscalationSearchAttribute
		in.Carry = nil
		if len(in.CriticalThresholds) == 0 {
			in.CriticalThresholds = d.CriticalThresholds
		}
		wid := laborders.WorkflowID(in.PlacerOrderNumber)
		a.rec.Process = wid
		run, err := s.d.Temporal.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{
			ID: wid, TaskQueue: laborders.TaskQueue,
			// One order per placer number, ever: a repeat must not send a second ORM.
			WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, laborders.WorkflowName, in)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return s.answerLabOrder(w, r, wid, started.RunId, http.StatusOK, in.PlacerOrderNumber)
		}
		if err != nil {
			return s.temporalProblem(w, r, err, labNotFound)
		}
		w.Header().Set("Location", "/v1/lab-orders/"+in.PlacerOrderNumber)
		st, qerr := s.queryLabOrder(r.Context(), wid, run.GetRunID(), startQueryTimeout)
		if qerr != nil {
			st = laborders.State{PlacerOrderNumber: in.PlacerOrderNumber, Status: laborders.StatusOrdering,
				Step: laborders.StepOrder, Results: []laborders.Result{}, Corrections: []laborders.Correction{},
				Escalation: laborders.Escalation{State: laborders.EscalationNone, Pages: []laborders.Page{}}}
		}
		writeJSON(w, http.StatusCreated, LabOrderView{State: st, Temporal: s.ref(wid, run.GetRunID())})
		return http.StatusCreated
	}())
}

func (s *server) answerLabOrder(w http.ResponseWriter, r *http.Request, wid, runID string, status int, id string) int {
	st, err := s.queryLabOrder(r.Context(), wid, runID, queryTimeout)
	if err != nil {
		return s.temporalProblem(w, r, err, labNotFound)
	}
	if status == http.StatusOK {
		w.Header().Set("Content-Location", "/v1/lab-orders/"+id)
	}
	writeJSON(w, status, LabOrderView{State: st, Temporal: s.ref(wid, runID)})
	return status
}

// getLabOrder handles GET /v1/lab-orders/{id}: status, results so far and escalation state.
func (s *server) getLabOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := laborders.ValidatePlacerOrderNumber(id); err != nil {
		s.validationProblem(w, r, err, "id")
		return
	}
	wid := laborders.WorkflowID(id)
	runID, err := s.latestRun(r.Context(), wid)
	if err != nil {
		s.temporalProblem(w, r, err, labNotFound)
		return
	}
	s.answerLabOrder(w, r, wid, runID, http.StatusOK, id)
}

func (s *server) queryLabOrder(ctx context.Context, wid, runID string, timeout time.Duration) (laborders.State, error) {
	return queryWorkflow[laborders.State](ctx, s, wid, runID, laborders.StatusQuery, timeout)
}

// acknowledgeLabOrder handles POST /v1/lab-orders/{id}/acknowledge.
func (s *server) acknowledgeLabOrder(w http.ResponseWriter, r *http.Request) {
	a := s.newAudit(r, Actor(r.Context()), "lab-orders.acknowledge")
	a.finish(func() int {
		id := r.PathValue("id")
		if err := laborders.ValidatePlacerOrderNumber(id); err != nil {
			return s.validationProblem(w, r, err, "id")
		}
		wid := laborders.WorkflowID(id)
		a.rec.Process = wid
		var u laborders.AcknowledgeUpdate
		if de := decodeStrict(w, r, &u, false); de != nil {
			s.decodeProblem(w, r, de)
			return de.status
		}
		ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
		defer cancel()
		h, err := s.d.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid,
			UpdateName: laborders.AcknowledgeUpdateName, Args: []any{u}, WaitForStage: client.WorkflowUpdateStageCompleted})
		var st laborders.State
		if err == nil {
			err = h.Get(ctx, &st)
		}
		if err != nil {
			return s.updateProblem(w, r, err, wid, "lab order", labNotFound)
		}
		writeJSON(w, http.StatusOK, LabOrderView{State: st, Temporal: s.ref(wid, h.RunID())})
		return http.StatusOK
	}())
}
