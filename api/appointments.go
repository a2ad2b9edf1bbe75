package api

import (
	"context"
	"net/http"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

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

// appointmentProcess is how the API reaches appointment syncs.
var appointmentProcess = &process[appointments.State]{
	noun:        "appointment",
	path:        "/v1/appointments",
	notFound:    apptNotFound,
	validateID:  validAppointmentID,
	workflowID:  appointments.WorkflowID,
	taskQueue:   appointments.TaskQueue,
	workflow:    appointments.WorkflowName,
	statusQuery: appointments.StatusQuery,
	view:        appointmentView,
	// GET answers have always named the appointment's URL.
	getContentLocation: true,
}

// validAppointmentID checks an appointment's {id}; the problem repeats the rule, never the id.
func validAppointmentID(id string) error {
	if err := appointments.ValidateID(id); err != nil {
		return &problemError{Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "id " + err.Error()}}
	}
	return nil
}

// appointmentView renders an appointment; empty lists render as [] rather than null.
func appointmentView(st appointments.State, ref TemporalRef) any {
	if st.Conflicts == nil {
		st.Conflicts = []apptsync.Conflict{}
	}
	if st.Decided == nil {
		st.Decided = []apptsync.Conflict{}
	}
	return AppointmentView{State: st, Temporal: ref}
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
		// The contract's messages name fields and rules, never values.
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: err.Error()})
		return
	}
	startWorkflow(s, w, r, a, appointmentProcess, in.AppointmentID, in, func() appointments.State {
		return appointments.State{AppointmentID: in.AppointmentID, Status: appointments.StatusLinking,
			EHR: appointments.SideState{ID: in.EHRID}, PMS: appointments.SideState{ID: in.PMSID}}
	}, func(o *client.StartWorkflowOptions) {
		// A sync that ended (its link failed, or it was cancelled) may be started afresh, as it
		// always could; a running one is never started twice.
		o.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	})
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
		{Route{http.MethodGet, "/v1/appointments/{id}", AuthBearer, read, ""}, getHandler(s, appointmentProcess)},
		{Route{http.MethodPost, "/v1/appointments/{id}/resolve", AuthBearer, write, "appointments.resolve"},
			updateHandler[appointments.State, appointments.ResolveUpdate](s, appointmentProcess, appointments.ResolveUpdateName, nil)},
		{Route{http.MethodPost, "/webhooks/pms", AuthHMACSignature, "", "webhook.pms"}, s.pmsWebhook},
		{Route{http.MethodPost, "/webhooks/fhir", AuthHMACSignature, "", "webhook.fhir"}, s.fhirWebhook},
	}
}
