package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/workflows/prescriptions"
)

// rxNotFound is the 404 detail for prescriptions.
const rxNotFound = "no prescription with this id"

// PrescriptionDeps configure the prescription routes and the pharmacy webhook.
type PrescriptionDeps struct {
	// WebhookSecret verifies X-Pharmacy-Signature (PHARMACY_WEBHOOK_SECRET); empty refuses
	// every pharmacy webhook.
	WebhookSecret string
	// ReviewTimeout and FollowWindow bound what a start request may ask for.
	ReviewTimeout time.Duration
	FollowWindow  time.Duration
	// Now is the webhook clock (timestamp tolerance); nil means time.Now.
	Now func() time.Time
}

// PrescriptionView is the body of every prescription response.
type PrescriptionView struct {
	prescriptions.State
	Temporal TemporalRef `json:"temporal"`
}

// startPrescription handles POST /v1/prescriptions: 201 for a new prescription, 200 with the
// existing one's state for a repeated prescription id (never a second NewRx).
func (s *server) startPrescription(w http.ResponseWriter, r *http.Request) {
	a := s.newAudit(r, Actor(r.Context()), "prescriptions.start")
	a.finish(func() int {
		var in prescriptions.Input
		if de := decodeStrict(w, r, &in, false); de != nil {
			s.decodeProblem(w, r, de)
			return de.status
		}
		if err := in.Validate(); err != nil {
			return s.rxValidationProblem(w, r, err, "")
		}
		d := s.d.Prescriptions
		in.ReviewTimeoutSeconds = boundSeconds(in.ReviewTimeoutSeconds, orDefault(d.ReviewTimeout, prescriptions.DefaultReviewTimeout))
		in.FollowWindowSeconds = boundSeconds(in.FollowWindowSeconds, orDefault(d.FollowWindow, prescriptions.DefaultFollowWindow))
		wid := prescriptions.WorkflowID(in.PrescriptionID)
		a.rec.Process = wid
		run, err := s.d.Temporal.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{
			ID: wid, TaskQueue: prescriptions.TaskQueue,
			// One prescription per id, ever: a repeat must not send a second NewRx.
			WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, prescriptions.WorkflowName, in)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return s.answerPrescription(w, r, wid, started.RunId, http.StatusOK, in.PrescriptionID)
		}
		if err != nil {
			return s.temporalProblem(w, r, err, rxNotFound)
		}
		w.Header().Set("Location", "/v1/prescriptions/"+in.PrescriptionID)
		st, qerr := s.queryPrescription(r.Context(), wid, run.GetRunID(), startQueryTimeout)
		if qerr != nil {
			st = prescriptions.InitialState(in)
		}
		writeJSON(w, http.StatusCreated, PrescriptionView{State: st, Temporal: s.ref(wid, run.GetRunID())})
		return http.StatusCreated
	}())
}

func (s *server) answerPrescription(w http.ResponseWriter, r *http.Request, wid, runID string, status int, id string) int {
	st, err := s.queryPrescription(r.Context(), wid, runID, queryTimeout)
	if err != nil {
		return s.temporalProblem(w, r, err, rxNotFound)
	}
	if status == http.StatusOK {
		w.Header().Set("Content-Location", "/v1/prescriptions/"+id)
	}
	writeJSON(w, status, PrescriptionView{State: st, Temporal: s.ref(wid, runID)})
	return status
}

// getPrescription handles GET /v1/prescriptions/{id}.
func (s *server) getPrescription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := prescriptions.ValidatePrescriptionID(id); err != nil {
		s.rxValidationProblem(w, r, err, "id")
		return
	}
	wid := prescriptions.WorkflowID(id)
	runID, err := s.latestRun(r.Context(), wid)
	if err != nil {
		s.temporalProblem(w, r, err, rxNotFound)
		return
	}
	s.answerPrescription(w, r, wid, runID, http.StatusOK, id)
}

func (s *server) queryPrescription(ctx context.Context, wid, runID string, timeout time.Duration) (prescriptions.State, error) {
	return queryWorkflow[prescriptions.State](ctx, s, wid, runID, prescriptions.StatusQuery, timeout)
}

// prescriptionUpdate returns the handler of one prescription update; T is its body.
func prescriptionUpdate[T any](s *server, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := s.newAudit(r, Actor(r.Context()), "prescriptions."+name)
		a.finish(func() int {
			id := r.PathValue("id")
			if err := prescriptions.ValidatePrescriptionID(id); err != nil {
				return s.rxValidationProblem(w, r, err, "id")
			}
			wid := prescriptions.WorkflowID(id)
			a.rec.Process = wid
			var u T
			if de := decodeStrict(w, r, &u, false); de != nil {
				s.decodeProblem(w, r, de)
				return de.status
			}
			ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
			defer cancel()
			h, err := s.d.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid,
				UpdateName: name, Args: []any{u}, WaitForStage: client.WorkflowUpdateStageCompleted})
			var st prescriptions.State
			if err == nil {
				err = h.Get(ctx, &st)
			}
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) && appErr.Type() == prescriptions.ErrTypeRejected {
				// Validator messages are written by the workflow and name states, never PHI.
				p := Problem{Status: http.StatusUnprocessableEntity, Type: ProblemUpdateRejected, Detail: appErr.Message()}
				s.problem(w, r, p)
				return p.Status
			}
			if err != nil {
				return s.updateProblem(w, r, err, wid, "prescription", rxNotFound)
			}
			writeJSON(w, http.StatusOK, PrescriptionView{State: st, Temporal: s.ref(wid, h.RunID())})
			return http.StatusOK
		}())
	}
}

// rxValidationProblem answers 400 naming the invalid field (reasons never echo values).
func (s *server) rxValidationProblem(w http.ResponseWriter, r *http.Request, err error, name string) int {
	p := Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid"}
	var fe *prescriptions.FieldError
	if errors.As(err, &fe) {
		if name == "" {
			name = fe.Field
		}
		p.InvalidParams = []InvalidParam{{Name: name, Reason: fe.Reason}}
	}
	s.problem(w, r, p)
	return p.Status
}
