package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/notifications"
	"github.com/careflow/engine/workflows/prescriptions"
)

// processCase is one process as a client sees it through the shared handlers: start, get and
// (when it has any) one update. Every process answers these the same way.
type processCase struct {
	harness func(*testing.T) *harness
	// path is the collection; id the business key; wid its workflow ID.
	path, id, wid   string
	workflow, query string
	startBody       string
	// state is what the status query answers; shows is a fragment of its rendered body.
	state any
	shows string
	// badID is an {id} the process refuses with 400.
	badID string
	// getContentLocation: GET answers name the process's URL too.
	getContentLocation bool
	updates            []updateCase
}

// updateCase is one update of a process.
type updateCase struct {
	action, name, body string
	// arg is the update's argument the workflow receives.
	arg any
	// rejection is the workflow validator's refusal, answered 422.
	rejection error
}

// claimJSON is a valid one-line claim of 125.00 (synthetic data) served two days ago.
func claimJSON(pcn string) string {
	return `{"patientControlNumber":"` + pcn + `","totalCharge":12500,"placeOfService":"11","providerSignature":true,` +
		`"benefitsAssigned":true,"diagnoses":["J06.9"],"billingProvider":{"npi":"1234567893","organizationName":"Careflow Clinic",` +
		`"taxonomy":"207Q00000X","taxId":"123456789","address":{"line1":"100 Main St","city":"Springfield","state":"IL","postalCode":"627011234"}},` +
		`"subscriber":{"memberId":"ACTIVE001","lastName":"Doe","firstName":"Jane","birthDate":"1985-02-14T00:00:00Z","gender":"F",` +
		`"address":{"line1":"12 Oak Ave","city":"Springfield","state":"IL","postalCode":"62704"}},"payer":{"name":"Acme Health Plan","id":"ACME01"},` +
		`"lines":[{"code":"99213","charge":12500,"units":1,"diagnosisPointers":[1],"serviceDate":"` +
		time.Now().UTC().Add(-48*time.Hour).Format(time.RFC3339) + `"}]}`
}

func decodeClaim(t *testing.T, body string) x12.ProfessionalClaim {
	var c x12.ProfessionalClaim
	require.NoError(t, json.Unmarshal([]byte(body), &c))
	return c
}

// processCases are the processes on the shared handlers (payments, check-ins and lab orders
// have tests of their own).
func processCases(t *testing.T) map[string]processCase {
	correction := claimJSON("PCN-1")
	return map[string]processCase{
		"claims": {harness: claimHarness, path: "/v1/claims", id: "PCN-1", wid: "claim:PCN-1",
			workflow: claims.WorkflowName, query: claims.StatusQuery, startBody: claimJSON("PCN-1"),
			state: claims.State{PatientControlNumber: "PCN-1", Status: claims.StatusAwaiting999},
			shows: `"status":"awaiting-999"`, badID: "-bad", getContentLocation: true,
			updates: []updateCase{{action: "correct", name: claims.CorrectUpdateName, body: correction,
				arg:       claims.CorrectUpdate{Claim: decodeClaim(t, correction)},
				rejection: temporal.NewApplicationError("a correction or void is already queued", claims.ErrTypeRejected)},
				{action: "void", name: claims.VoidUpdateName, body: `{"reason":"duplicate"}`, arg: claims.VoidUpdate{Reason: "duplicate"},
					rejection: temporal.NewApplicationError("the claim cannot be voided in status submitting", claims.ErrTypeRejected)}}},
		"appointments": {harness: apptHarness, path: "/v1/appointments", id: "a1", wid: "appointment:a1",
			workflow: appointments.WorkflowName, query: appointments.StatusQuery,
			startBody: `{"appointmentId":"a1","ehrId":"ehr-1","pmsId":"pms-1"}`,
			state:     appointments.State{AppointmentID: "a1", Status: appointments.StatusConflict},
			shows:     `"status":"conflict"`, badID: "bad%20id", getContentLocation: true,
			updates: []updateCase{{action: "resolve", name: appointments.ResolveUpdateName, body: `{"field":"start","side":"pms"}`,
				arg:       appointments.ResolveUpdate{Field: "start", Side: appointments.ResolvePMS},
				rejection: temporal.NewApplicationError("no open conflict on this field", appointments.ErrTypeRejected)}}},
		"prescriptions": {harness: rxHarness, path: "/v1/prescriptions", id: "rx-1", wid: "prescription:rx-1",
			workflow: prescriptions.WorkflowName, query: prescriptions.StatusQuery, startBody: `{"prescriptionId":"rx-1"}`,
			state: prescriptions.State{PrescriptionID: "rx-1", Status: prescriptions.StatusSent},
			shows: `"status":"sent"`, badID: strings.Repeat("x", 36),
			updates: []updateCase{{action: "cancel", name: prescriptions.CancelUpdateName, body: `{"by":"dr.demo","reason":"wrong drug"}`,
				arg:       prescriptions.CancelUpdate{By: "dr.demo", Reason: "wrong drug"},
				rejection: temporal.NewApplicationError("the prescription is already cancelled", prescriptions.ErrTypeRejected)}}},
		"notifications": {harness: func(t *testing.T) *harness { return newHarness(t) }, path: "/v1/notifications", id: "n-1",
			wid: "notification:n-1", workflow: notifications.WorkflowName, query: notifications.StatusQuery,
			startBody: `{"notificationId":"n-1","patientId":"pat-1","scenario":"results-available"}`,
			state:     notifications.State{Status: notifications.StatusDelivered, Attempts: []notifications.Attempt{}},
			shows:     `"status":"delivered"`, badID: "bad%20id", getContentLocation: true},
	}
}

// eachProcess runs f for every process, each with a fresh harness.
func eachProcess(t *testing.T, f func(t *testing.T, c processCase, h *harness)) {
	for name, c := range processCases(t) {
		t.Run(name, func(t *testing.T) { f(t, c, c.harness(t)) })
	}
}

// eachUpdate runs f for every update of every process, each with a fresh harness.
func eachUpdate(t *testing.T, f func(t *testing.T, c processCase, u updateCase, h *harness)) {
	for name, c := range processCases(t) {
		for _, u := range c.updates {
			t.Run(name+"/"+u.action, func(t *testing.T) { f(t, c, u, c.harness(t)) })
		}
	}
}

// resource is the audit action's prefix of a process: "claims" for /v1/claims.
func (c processCase) resource() string { return strings.TrimPrefix(c.path, "/v1/") }

func TestProcessStartCreates(t *testing.T) {
	eachProcess(t, func(t *testing.T, c processCase, h *harness) {
		h.expectStart(c.wid, c.workflow, "run-1", c.query, c.state)

		w := h.do(http.MethodPost, c.path, c.startBody, adminSecret)

		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		assert.Equal(t, c.path+"/"+c.id, w.Header().Get("Location"))
		assert.Contains(t, w.Body.String(), c.shows)
		assert.Equal(t, api.TemporalRef{WorkflowID: c.wid, RunID: "run-1",
			UIURL: "http://ui.test:8233/namespaces/default/workflows/" + c.wid + "/run-1"},
			answer[struct{ Temporal api.TemporalRef }](t, w).Temporal)
		rec := h.store.last(t)
		assert.Equal(t, c.resource()+".start", rec.Action)
		assert.Equal(t, c.wid, rec.Process)
		assert.Equal(t, "201", rec.Code)
	})
}

func TestProcessRepeatedStartAnswersTheExisting(t *testing.T) {
	eachProcess(t, func(t *testing.T, c processCase, h *harness) {
		h.expectStarted(c.wid, c.workflow, "run-0", c.query, c.state)

		w := h.do(http.MethodPost, c.path, c.startBody, adminSecret)

		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Empty(t, w.Header().Get("Location"))
		assert.Equal(t, c.path+"/"+c.id, w.Header().Get("Content-Location"))
		assert.Contains(t, w.Body.String(), c.shows, "the existing process's live state")
		h.temporal.AssertNumberOfCalls(t, "ExecuteWorkflow", 1)
	})
}

func TestProcessGet(t *testing.T) {
	eachProcess(t, func(t *testing.T, c processCase, h *harness) {
		h.expectGet(c.wid, "run-7", c.query, c.state)

		w := h.do(http.MethodGet, c.path+"/"+c.id, "", adminSecret)

		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, w.Body.String(), c.shows)
		assert.Equal(t, "run-7", answer[struct{ Temporal api.TemporalRef }](t, w).Temporal.RunID)
		want := ""
		if c.getContentLocation {
			want = c.path + "/" + c.id
		}
		assert.Equal(t, want, w.Header().Get("Content-Location"))
	})
}

func TestProcessGetUnknownAndInvalid(t *testing.T) {
	eachProcess(t, func(t *testing.T, c processCase, h *harness) {
		h.temporal.On("DescribeWorkflowExecution", mock.Anything, c.wid, "").
			Return(nil, serviceerror.NewNotFound("workflow not found for ID: "+c.wid)).Once()

		w := h.do(http.MethodGet, c.path+"/"+c.id, "", adminSecret)
		require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
		assert.NotContains(t, problem(t, w).Detail, "workflow not found", "no Temporal error text")

		w = h.do(http.MethodGet, c.path+"/"+c.badID, "", adminSecret)
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		assert.Equal(t, api.ProblemValidation, problem(t, w).Type)
	})
}

// TestProcessUpdateIdempotencyKey: the Idempotency-Key, with the action, is the update's ID, so
// a repeated request is the same Temporal update (one effect, the first answer); without a key
// every request is a new update.
func TestProcessUpdateIdempotencyKey(t *testing.T) {
	eachUpdate(t, func(t *testing.T, c processCase, u updateCase, h *harness) {
		sent := captureUpdates(h, 4, c.state)
		path := c.path + "/" + c.id + "/" + u.action
		for i, key := range []string{"key-1", "key-1", "", ""} {
			var headers []string
			if key != "" {
				headers = []string{"Idempotency-Key", key}
			}
			w := h.do(http.MethodPost, path, u.body, adminSecret, headers...)
			require.Equal(t, http.StatusOK, w.Code, "request %d: %s", i, w.Body.String())
			assert.Contains(t, w.Body.String(), c.shows)
			require.Len(t, *sent, i+1)
			o := (*sent)[i]
			assert.Equal(t, c.wid, o.WorkflowID)
			assert.Equal(t, u.name, o.UpdateName)
			assert.Equal(t, client.WorkflowUpdateStageCompleted, o.WaitForStage)
			assert.Equal(t, []any{u.arg}, o.Args)
			rec := h.store.last(t)
			assert.Equal(t, c.resource()+"."+u.action, rec.Action)
			assert.Equal(t, c.wid, rec.Process)
			assert.Equal(t, o.UpdateID, rec.Exchange)
		}
		ids := []string{(*sent)[0].UpdateID, (*sent)[1].UpdateID, (*sent)[2].UpdateID, (*sent)[3].UpdateID}
		assert.Equal(t, "api:"+u.name+":key-1", ids[0])
		assert.Equal(t, ids[0], ids[1], "the same key is the same update")
		assert.NotEqual(t, ids[2], ids[3], "without a key every request is a new update")

		w := h.do(http.MethodPost, path, u.body, adminSecret, "Idempotency-Key", "has space")
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		assert.Equal(t, "Idempotency-Key", problem(t, w).InvalidParams[0].Name)
	})
}

func TestProcessUpdateRejectedIs422(t *testing.T) {
	eachUpdate(t, func(t *testing.T, c processCase, u updateCase, h *harness) {
		h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, u.rejection).Once()

		w := h.do(http.MethodPost, c.path+"/"+c.id+"/"+u.action, u.body, adminSecret, "Idempotency-Key", "key-2")

		require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
		p := problem(t, w)
		assert.Equal(t, api.ProblemUpdateRejected, p.Type)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, u.rejection, &appErr)
		assert.Equal(t, appErr.Message(), p.Detail, "the workflow's own fixed text")
		assert.Equal(t, audit.OutcomeRejected, h.store.last(t).Outcome)
	})
}

// A correction is the claim itself: checked against the 837P rules before it is sent (422
// naming each rule), and required (an empty body is malformed, not a zero claim).
func TestClaimCorrectionChecksTheClaim(t *testing.T) {
	h := claimHarness(t) // no UpdateWorkflow expectation: an update fails the test
	bad := strings.Replace(claimJSON("PCN-1"), `"totalCharge":12500`, `"totalCharge":1`, 1)
	w := h.do(http.MethodPost, "/v1/claims/PCN-1/correct", bad, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	p := problem(t, w)
	assert.Equal(t, api.ProblemValidation, p.Type)
	require.NotEmpty(t, p.InvalidParams)
	assert.Contains(t, p.InvalidParams[0].Reason, "total-equals-sum-of-lines")

	w = h.do(http.MethodPost, "/v1/claims/PCN-1/correct", "", adminSecret)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.Equal(t, api.ProblemMalformedJSON, problem(t, w).Type)
}

// A claim's start publishes its status in the search attribute from the start, for the work
// list, and is one claim per patient control number, ever.
func TestClaimStartOptions(t *testing.T) {
	h := claimHarness(t)
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		v, ok := o.TypedSearchAttributes.GetKeyword(temporal.NewSearchAttributeKeyKeyword(claims.StatusSearchAttribute))
		return o.ID == "claim:PCN-1" && o.TaskQueue == claims.TaskQueue && ok && v == claims.StatusSubmitting &&
			o.WorkflowExecutionErrorWhenAlreadyStarted && o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	}), claims.WorkflowName, mock.Anything).Return(runMock(t, "run-1"), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "claim:PCN-1", "run-1", claims.StatusQuery).
		Return(nil, serviceerror.NewFailedPrecondition("no poller seen for task queue recently")).Once()

	w := h.do(http.MethodPost, "/v1/claims", claimJSON("PCN-1"), adminSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	v := answer[api.ClaimView](t, w)
	assert.Equal(t, claims.StatusSubmitting, v.Status, "before the worker ran: the initial state")
	assert.Equal(t, "PCN-1", v.PatientControlNumber)
}
