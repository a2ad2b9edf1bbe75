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

	"github.com/careflow/engine/workflows/checkin"
)

// checkInNotFound is the 404 detail for check-ins; it names nothing from the request.
const checkInNotFound = "no appointment or patient with this id"

// CheckInView is the body of every check-in response.
type CheckInView struct {
	checkin.State
	Temporal TemporalRef `json:"temporal"`
}

// startCheckIn handles POST /v1/checkins with Update-with-Start: one round trip starts the
// workflow (or joins the running one) and returns the eligibility verdict, "pending" when the
// payer is slow, within the workflow's VerdictWait.
func (s *server) startCheckIn(w http.ResponseWriter, r *http.Request) {
	a := s.newAudit(r, Actor(r.Context()), "checkins.start")
	a.finish(s.doStartCheckIn(w, r, a))
}

func (s *server) doStartCheckIn(w http.ResponseWriter, r *http.Request, a *auditEntry) int {
	var in checkin.Input
	if de := decodeStrict(w, r, &in, false); de != nil {
		s.decodeProblem(w, r, de)
		return de.status
	}
	if err := in.Validate(); err != nil {
		return s.validationProblem(w, r, err, "")
	}
	d := s.d.CheckInDefaults
	in.PayerWindowSeconds = boundSeconds(in.PayerWindowSeconds, orDefault(d.PayerWindow, checkin.DefaultPayerWindow))
	in.AttentionTimeoutSeconds = boundSeconds(in.AttentionTimeoutSeconds, orDefault(d.AttentionTimeout, checkin.DefaultAttentionTimeout))
	if in.ProviderNPI == "" {
		in.ProviderNPI, in.ProviderName = d.ProviderNPI, d.ProviderName
	}
	in.WindowBeforeSeconds = int64(orDefault(d.WindowBefore, checkin.DefaultWindowBefore) / time.Second)
	in.WindowAfterSeconds = int64(orDefault(d.WindowAfter, checkin.DefaultWindowAfter) / time.Second)
	wid := checkin.WorkflowID(in.AppointmentID)
	a.rec.Process = wid
	if in.Override != nil {
		// The override is audited as an action of its own; who and why stay in the
		// check-in's state and history, which are encrypted.
		a.rec.Action = "checkins.start-window-override"
	}
	ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
	defer cancel()
	startOp := s.d.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:        wid,
		TaskQueue: checkin.TaskQueue,
		// A running check-in is joined, so a repeated request gets the same verdict; a closed
		// one is never started again for the same appointment, except a refused one (it
		// fails with ErrTypeRefused): a request inside the window or with an override may
		// start afresh, and the guards decide again.
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}, checkin.WorkflowName, in)
	h, err := s.d.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   checkin.VerdictUpdateName,
			Args:         []any{checkin.VerdictRequest{}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var resp checkin.VerdictResponse
	if err == nil {
		err = h.Get(ctx, &resp)
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &started):
		// The check-in already ran to its end: answer with how it ended.
		return s.answerCheckIn(w, r, wid, started.RunId, http.StatusOK, in.AppointmentID)
	case errors.As(err, &appErr) && appErr.Type() == checkin.ErrTypeNotFound:
		p := Problem{Status: http.StatusNotFound, Detail: checkInNotFound}
		s.problem(w, r, p)
		return p.Status
	case errors.As(err, &appErr) && appErr.Type() == checkin.ErrTypeRefused:
		return s.refusalProblem(w, r, appErr)
	case err != nil:
		return s.temporalProblem(w, r, err, checkInNotFound)
	}
	status := http.StatusOK
	if resp.Requests == 1 {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/checkins/"+in.AppointmentID)
	}
	st, qerr := s.queryCheckIn(r.Context(), wid, h.RunID())
	if qerr != nil {
		st = checkin.State{AppointmentID: in.AppointmentID, Status: checkin.StatusInProgress}
	}
	// The verdict the update returned is the one this request answers with.
	st.Verdict = resp.Verdict
	writeJSON(w, status, CheckInView{State: st, Temporal: s.ref(wid, h.RunID())})
	return status
}

// refusalProblem answers a refused check-in with 422 naming the status or the window; the
// refusal's detail is written by the guards from codes and durations, never from the chart.
func (s *server) refusalProblem(w http.ResponseWriter, r *http.Request, appErr *temporal.ApplicationError) int {
	var ref checkin.Refusal
	p := Problem{Status: http.StatusUnprocessableEntity, Title: "Check-in refused",
		Detail: "the appointment cannot be checked in"}
	if appErr.Details(&ref) == nil && ref.Detail != "" {
		p.Detail = ref.Detail
	}
	s.problem(w, r, p)
	return p.Status
}

// answerCheckIn writes the check-in's current state; a check-in that found no appointment
// answers 404.
func (s *server) answerCheckIn(w http.ResponseWriter, r *http.Request, wid, runID string, status int, id string) int {
	st, err := s.queryCheckIn(r.Context(), wid, runID)
	if err != nil {
		return s.temporalProblem(w, r, err, checkInNotFound)
	}
	if st.FailureCode == "not-found" {
		p := Problem{Status: http.StatusNotFound, Detail: checkInNotFound}
		s.problem(w, r, p)
		return p.Status
	}
	if status == http.StatusOK {
		w.Header().Set("Content-Location", "/v1/checkins/"+id)
	}
	writeJSON(w, status, CheckInView{State: st, Temporal: s.ref(wid, runID)})
	return status
}

// getCheckIn handles GET /v1/checkins/{id}: the current step and verdict.
func (s *server) getCheckIn(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := checkin.ValidateAppointmentID(id); err != nil {
		s.validationProblem(w, r, err, "id")
		return
	}
	wid := checkin.WorkflowID(id)
	runID, err := s.latestRun(r.Context(), wid)
	if err != nil {
		s.temporalProblem(w, r, err, checkInNotFound)
		return
	}
	s.answerCheckIn(w, r, wid, runID, http.StatusOK, id)
}

func (s *server) queryCheckIn(ctx context.Context, wid, runID string) (checkin.State, error) {
	return queryWorkflow[checkin.State](ctx, s, wid, runID, checkin.StatusQuery, queryTimeout)
}

// selfPayCheckIn handles POST /v1/checkins/{id}/self-pay.
func (s *server) selfPayCheckIn(w http.ResponseWriter, r *http.Request) {
	var u checkin.SelfPayUpdate
	s.checkInUpdate(w, r, checkin.SelfPayUpdateName, &u)
}

// overrideCheckIn handles POST /v1/checkins/{id}/override.
func (s *server) overrideCheckIn(w http.ResponseWriter, r *http.Request) {
	var u checkin.OverrideUpdate
	s.checkInUpdate(w, r, checkin.OverrideUpdateName, &u)
}

// checkInUpdate decodes the body into u and sends it as the named update; the workflow's
// validator decides (422 when it refuses).
func (s *server) checkInUpdate(w http.ResponseWriter, r *http.Request, name string, u any) {
	a := s.newAudit(r, Actor(r.Context()), "checkins."+name)
	a.finish(func() int {
		id := r.PathValue("id")
		if err := checkin.ValidateAppointmentID(id); err != nil {
			return s.validationProblem(w, r, err, "id")
		}
		wid := checkin.WorkflowID(id)
		a.rec.Process = wid
		if de := decodeStrict(w, r, u, false); de != nil {
			s.decodeProblem(w, r, de)
			return de.status
		}
		ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
		defer cancel()
		h, err := s.d.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wid, UpdateName: name, Args: []any{u}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var st checkin.State
		if err == nil {
			err = h.Get(ctx, &st)
		}
		if err != nil {
			return s.updateProblem(w, r, err, wid, "check-in", checkInNotFound)
		}
		writeJSON(w, http.StatusOK, CheckInView{State: st, Temporal: s.ref(wid, h.RunID())})
		return http.StatusOK
	}())
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
