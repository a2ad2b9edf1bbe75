package api

import (
	"context"
	"errors"
	"net/http"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/workflows/appointments"
)

// apptNotFound is the 404 detail for appointments.
const apptNotFound = "no appointment with this id"

// AppointmentDefaults configure the appointment sync's API side.
type AppointmentDefaults struct {
	// PMSWebhookSecret verifies X-PMS-Signature; empty refuses every PMS webhook.
	PMSWebhookSecret string
	// FHIRWebhookSecret verifies X-Signature of FHIR notifications; empty refuses them.
	FHIRWebhookSecret string
	// ConflictSearchAttribute is the registered conflict search attribute; empty when the
	// namespace has none (then GET /v1/appointments?conflict=true answers 503).
	ConflictSearchAttribute string
}

// AppointmentView is the body of every appointment response.
type AppointmentView struct {
	appointments.State
	Temporal TemporalRef `json:"temporal"`
}

// AppointmentRequest is the body of POST /v1/appointments: link ehrId and pmsId, or give one
// of them and the engine creates the appointment on the other side.
type AppointmentRequest struct {
	AppointmentID string `json:"appointmentId"`
	EHRID         string `json:"ehrId,omitempty"`
	PMSID         string `json:"pmsId,omitempty"`
}

// AppointmentList is the body of GET /v1/appointments.
type AppointmentList struct {
	Appointments []AppointmentListItem `json:"appointments"`
}

// AppointmentListItem names one listed appointment (ids only, no PHI).
type AppointmentListItem struct {
	AppointmentID string      `json:"appointmentId"`
	Temporal      TemporalRef `json:"temporal"`
}

func (s *server) notifier() *appointments.Notifier {
	return &appointments.Notifier{Temporal: s.d.Temporal, Crosswalk: s.d.Records,
		SearchAttribute: s.d.Appointments.ConflictSearchAttribute}
}

// startAppointment handles POST /v1/appointments: 201 for a new sync, 200 with the existing
// one's state for a repeated appointment id.
func (s *server) startAppointment(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	var req AppointmentRequest
	if de := decodeStrict(w, r, &req, false); de != nil {
		s.decodeProblem(w, r, de)
		return
	}
	in := appointments.Input{AppointmentID: req.AppointmentID, EHRID: req.EHRID, PMSID: req.PMSID,
		ConflictSearchAttribute: s.d.Appointments.ConflictSearchAttribute}
	if err := in.Validate(); err != nil {
		p := Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: err.Error()}
		s.problem(w, r, p)
		return
	}
	wid := appointments.WorkflowID(in.AppointmentID)
	a.rec.Process = wid
	run, err := s.d.Temporal.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{
		ID: wid, TaskQueue: appointments.TaskQueue, WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, appointments.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		s.answerAppointment(w, r, wid, started.RunId, http.StatusOK, in.AppointmentID)
		return
	}
	if err != nil {
		s.temporalProblem(w, r, err, apptNotFound)
		return
	}
	w.Header().Set("Location", "/v1/appointments/"+in.AppointmentID)
	st, qerr := queryWorkflow[appointments.State](r.Context(), s, wid, run.GetRunID(), appointments.StatusQuery, startQueryTimeout)
	if qerr != nil {
		st = appointments.State{AppointmentID: in.AppointmentID, Status: appointments.StatusLinking,
			EHR: appointments.SideState{ID: in.EHRID}, PMS: appointments.SideState{ID: in.PMSID}}
	}
	writeJSON(w, http.StatusCreated, s.appointmentView(st, wid, run.GetRunID()))
}

func (s *server) appointmentView(st appointments.State, wid, runID string) AppointmentView {
	if st.Conflicts == nil {
		st.Conflicts = []apptsync.Conflict{}
	}
	if st.Decided == nil {
		st.Decided = []apptsync.Conflict{}
	}
	return AppointmentView{State: st, Temporal: s.ref(wid, runID)}
}

func (s *server) answerAppointment(w http.ResponseWriter, r *http.Request, wid, runID string, status int, id string) {
	st, err := queryWorkflow[appointments.State](r.Context(), s, wid, runID, appointments.StatusQuery, queryTimeout)
	if err != nil {
		s.temporalProblem(w, r, err, apptNotFound)
		return
	}
	if status == http.StatusOK {
		w.Header().Set("Content-Location", "/v1/appointments/"+id)
	}
	writeJSON(w, status, s.appointmentView(st, wid, runID))
}

// getAppointment handles GET /v1/appointments/{id}: both sides' versions, the merged view,
// open conflicts and the Temporal link.
func (s *server) getAppointment(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	id := r.PathValue("id")
	if err := appointments.ValidateID(id); err != nil {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "id " + err.Error()})
		return
	}
	wid := appointments.WorkflowID(id)
	runID, err := s.latestRun(r.Context(), wid)
	if err != nil {
		s.temporalProblem(w, r, err, apptNotFound)
		return
	}
	s.answerAppointment(w, r, wid, runID, http.StatusOK, id)
}

// resolveAppointment handles POST /v1/appointments/{id}/resolve (update; 422 when the
// validator refuses it).
func (s *server) resolveAppointment(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	id := r.PathValue("id")
	if err := appointments.ValidateID(id); err != nil {
		p := Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "id " + err.Error()}
		s.problem(w, r, p)
		return
	}
	wid := appointments.WorkflowID(id)
	a.rec.Process = wid
	var u appointments.ResolveUpdate
	if de := decodeStrict(w, r, &u, false); de != nil {
		s.decodeProblem(w, r, de)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
	defer cancel()
	h, err := s.d.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid,
		UpdateName: appointments.ResolveUpdateName, Args: []any{u}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var st appointments.State
	if err == nil {
		err = h.Get(ctx, &st)
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() == appointments.ErrTypeRejected {
		// The validator's and handler's messages are fixed texts without request content.
		p := Problem{Status: http.StatusUnprocessableEntity, Type: ProblemUpdateRejected, Detail: ae.Message()}
		s.problem(w, r, p)
		return
	}
	if err != nil {
		s.updateProblem(w, r, err, wid, "appointment", apptNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.appointmentView(st, wid, h.RunID()))
}

// listAppointments handles GET /v1/appointments?conflict=true: running appointments with open
// conflicts, from the conflict search attribute.
func (s *server) listAppointments(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	if r.URL.Query().Get("conflict") != "true" {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation,
			Detail: "only conflict=true listings are supported"})
		return
	}
	sa := s.d.Appointments.ConflictSearchAttribute
	if sa == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable,
			Detail: "the conflict search attribute is not registered in this namespace"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	q := "WorkflowType = '" + appointments.WorkflowName + "' AND ExecutionStatus = 'Running' AND " +
		sa + " = '" + appointments.ConflictOpen + "'"
	out := AppointmentList{Appointments: []AppointmentListItem{}}
	var token []byte
	for {
		resp, err := s.d.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.d.Namespace, Query: q, PageSize: 500, NextPageToken: token})
		if err != nil {
			s.temporalProblem(w, r, err, apptNotFound)
			return
		}
		for _, e := range resp.GetExecutions() {
			wid := e.GetExecution().GetWorkflowId()
			out.Appointments = append(out.Appointments, AppointmentListItem{
				AppointmentID: appointments.AppointmentIDFromWorkflowID(wid), Temporal: s.ref(wid, e.GetExecution().GetRunId())})
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 || len(out.Appointments) >= 5000 {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// notifyTimeout bounds the Temporal calls a webhook makes before it answers.
const notifyTimeout = signalTimeout

// appointmentRoutes are the appointment sync's routes and its two webhooks.
func (s *server) appointmentRoutes() []routeEntry {
	const read, write = "appointments.read", "appointments.write"
	return []routeEntry{
		{Route{http.MethodPost, "/v1/appointments", AuthBearer, write, "appointments.start"}, s.startAppointment},
		{Route{http.MethodGet, "/v1/appointments", AuthBearer, read, ""}, s.listAppointments},
		{Route{http.MethodGet, "/v1/appointments/{id}", AuthBearer, read, ""}, s.getAppointment},
		{Route{http.MethodPost, "/v1/appointments/{id}/resolve", AuthBearer, write, "appointments.resolve"}, s.resolveAppointment},
		{Route{http.MethodPost, "/webhooks/pms", AuthHMACSignature, "", "webhook.pms"}, s.pmsWebhook},
		{Route{http.MethodPost, "/webhooks/fhir", AuthHMACSignature, "", "webhook.fhir"}, s.fhirWebhook},
	}
}
