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

	"github.com/careflow/engine/workflows/checkins"
)

// CheckInView is the body of every check-in response.
type CheckInView struct {
	checkins.State
	Temporal TemporalRef `json:"temporal"`
}

func checkInView(st checkins.State, ref TemporalRef) any {
	return CheckInView{State: st, Temporal: ref}
}

// checkInProcess is how the API reaches check-in workflows.
var checkInProcess = &process[checkins.State]{
	noun:        "check-in",
	path:        "/v1/checkins",
	notFound:    "no appointment or patient with this id",
	validateID:  checkins.ValidateAppointmentID,
	workflowID:  checkins.WorkflowID,
	statusQuery: checkins.StatusQuery,
	view:        checkInView,
	// A check-in that found no appointment stands for nothing the caller can address.
	absent: func(st checkins.State) bool { return st.FailureCode == "not-found" },
}

// checkInRoutes are the check-in process's routes.
func (s *server) checkInRoutes() []routeEntry {
	const read, write = "checkins.read", "checkins.write"
	p := checkInProcess
	return []routeEntry{
		{Route{http.MethodPost, "/v1/checkins", AuthBearer, write, "checkins.start"}, s.startCheckIn},
		{Route{http.MethodGet, "/v1/checkins/{id}", AuthBearer, read, ""}, getHandler(s, p)},
		{Route{http.MethodPost, "/v1/checkins/{id}/self-pay", AuthBearer, write, "checkins.self-pay"},
			updateHandler[checkins.State, checkins.SelfPayUpdate](s, p, checkins.SelfPayUpdateName, nil)},
		{Route{http.MethodPost, "/v1/checkins/{id}/override", AuthBearer, write, "checkins.override"},
			updateHandler[checkins.State, checkins.OverrideUpdate](s, p, checkins.OverrideUpdateName, nil)},
	}
}

// startCheckIn handles POST /v1/checkins with Update-with-Start: one round trip starts the
// workflow (or joins the running one) and returns the eligibility verdict, "pending" when the
// payer is slow, within the workflow's VerdictWait.
func (s *server) startCheckIn(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	p := checkInProcess
	var in checkins.Input
	if !s.decodeValid(w, r, &in) {
		return
	}
	d := s.d.CheckInDefaults
	in.PayerWindowSeconds = boundSeconds(in.PayerWindowSeconds, orDefault(d.PayerWindow, checkins.DefaultPayerWindow))
	in.AttentionTimeoutSeconds = boundSeconds(in.AttentionTimeoutSeconds, orDefault(d.AttentionTimeout, checkins.DefaultAttentionTimeout))
	if in.ProviderNPI == "" {
		in.ProviderNPI, in.ProviderName = d.ProviderNPI, d.ProviderName
	}
	in.WindowBeforeSeconds = int64(orDefault(d.WindowBefore, checkins.DefaultWindowBefore) / time.Second)
	in.WindowAfterSeconds = int64(orDefault(d.WindowAfter, checkins.DefaultWindowAfter) / time.Second)
	wid := p.workflowID(in.AppointmentID)
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
		TaskQueue: checkins.TaskQueue,
		// A running check-in is joined, so a repeated request gets the same verdict; a closed
		// one is never started again for the same appointment, except a refused one (it
		// fails with ErrTypeRefused): a request inside the window or with an override may
		// start afresh, and the guards decide again.
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}, checkins.WorkflowName, in)
	h, err := s.d.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   checkins.VerdictUpdateName,
			Args:         []any{checkins.VerdictRequest{}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var resp checkins.VerdictResponse
	if err == nil {
		err = h.Get(ctx, &resp)
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &started):
		// The check-in already ran to its end: answer with how it ended.
		p.answer(s, w, r, wid, started.RunId, in.AppointmentID, http.StatusOK)
		return
	case errors.As(err, &appErr) && appErr.Type() == checkins.ErrTypeNotFound:
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: p.notFound})
		return
	case errors.As(err, &appErr) && appErr.Type() == checkins.ErrTypeRefused:
		s.refusalProblem(w, r, appErr)
		return
	case err != nil:
		s.temporalProblem(w, r, err, p.notFound)
		return
	}
	status := http.StatusOK
	if resp.Requests == 1 {
		status = http.StatusCreated
		w.Header().Set("Location", p.path+"/"+in.AppointmentID)
	}
	var st checkins.State
	if resp.State != nil {
		// The state came with the verdict: no query round trip (under load, a query waits
		// behind the check-in's own workflow tasks).
		st = *resp.State
	} else if q, qerr := p.query(r.Context(), s, wid, h.RunID(), queryTimeout); qerr == nil {
		st = q
	} else {
		st = checkins.State{AppointmentID: in.AppointmentID, Status: checkins.StatusInProgress}
	}
	// The verdict the update returned is the one this request answers with.
	st.Verdict = resp.Verdict
	writeJSON(w, status, p.view(st, s.ref(wid, h.RunID())))
}

// refusalProblem answers a refused check-in with 422 naming the status or the window; the
// refusal's detail is written by the guards from codes and durations, never from the chart.
func (s *server) refusalProblem(w http.ResponseWriter, r *http.Request, appErr *temporal.ApplicationError) {
	var ref checkins.Refusal
	p := Problem{Status: http.StatusUnprocessableEntity, Title: "Check-in refused",
		Detail: "the appointment cannot be checked in"}
	if appErr.Details(&ref) == nil && ref.Detail != "" {
		p.Detail = ref.Detail
	}
	s.problem(w, r, p)
}
