package api

import (
	"net/http"
	"time"

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

// prescriptionProcess describes the prescription process to the shared handlers.
var prescriptionProcess = &process[prescriptions.State]{
	noun:        "prescription",
	path:        "/v1/prescriptions",
	notFound:    rxNotFound,
	validateID:  prescriptions.ValidatePrescriptionID,
	workflowID:  prescriptions.WorkflowID,
	taskQueue:   prescriptions.TaskQueue,
	workflow:    prescriptions.WorkflowName,
	statusQuery: prescriptions.StatusQuery,
	view: func(st prescriptions.State, ref TemporalRef) any {
		return PrescriptionView{State: st, Temporal: ref}
	},
}

// prescriptionRoutes are the prescription process's routes and the pharmacy webhook.
func (s *server) prescriptionRoutes() []routeEntry {
	const read, write = "prescriptions.read", "prescriptions.write"
	p := prescriptionProcess
	return []routeEntry{
		{Route{http.MethodPost, "/v1/prescriptions", AuthBearer, write, "prescriptions.start"}, s.startPrescription},
		{Route{http.MethodGet, "/v1/prescriptions/{id}", AuthBearer, read, ""}, getHandler(s, p)},
		{Route{http.MethodPost, "/v1/prescriptions/{id}/override", AuthBearer, write, "prescriptions." + prescriptions.OverrideUpdateName},
			updateHandler[prescriptions.State, prescriptions.OverrideUpdate](s, p, prescriptions.OverrideUpdateName, nil)},
		{Route{http.MethodPost, "/v1/prescriptions/{id}/cancel", AuthBearer, write, "prescriptions." + prescriptions.CancelUpdateName},
			updateHandler[prescriptions.State, prescriptions.CancelUpdate](s, p, prescriptions.CancelUpdateName, nil)},
		{Route{http.MethodPost, "/v1/prescriptions/{id}/approve", AuthBearer, write, "prescriptions." + prescriptions.ApproveUpdateName},
			updateHandler[prescriptions.State, prescriptions.DecisionUpdate](s, p, prescriptions.ApproveUpdateName, nil)},
		{Route{http.MethodPost, "/v1/prescriptions/{id}/deny", AuthBearer, write, "prescriptions." + prescriptions.DenyUpdateName},
			updateHandler[prescriptions.State, prescriptions.DecisionUpdate](s, p, prescriptions.DenyUpdateName, nil)},
		{Route{http.MethodPost, "/webhooks/pharmacy", AuthPharmacySignature, "", "webhook.pharmacy"}, s.pharmacyWebhook},
	}
}

// startPrescription handles POST /v1/prescriptions: 201 for a new prescription, 200 with the
// existing one's state for a repeated prescription id (never a second NewRx).
func (s *server) startPrescription(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	var in prescriptions.Input
	if !s.decodeValid(w, r, &in) {
		return
	}
	d := s.d.Prescriptions
	in.ReviewTimeoutSeconds = boundSeconds(in.ReviewTimeoutSeconds, orDefault(d.ReviewTimeout, prescriptions.DefaultReviewTimeout))
	in.FollowWindowSeconds = boundSeconds(in.FollowWindowSeconds, orDefault(d.FollowWindow, prescriptions.DefaultFollowWindow))
	startWorkflow(s, w, r, a, prescriptionProcess, in.PrescriptionID, in, func() prescriptions.State {
		return prescriptions.InitialState(in)
	})
}
