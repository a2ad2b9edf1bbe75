package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/laborders"
)

// TestLabOrderStartAppendsTheConfiguredChain: the configured chain always follows the order's
// own contacts (never replaced by them), the engine's search attribute is passed, and a caller
// cannot smuggle in continue-as-new state.
func TestLabOrderStartAppendsTheConfiguredChain(t *testing.T) {
	h := newHarness(t, func(d *api.Deps) {
		d.LabDefaults = api.LabDefaults{EscalationSearchAttribute: laborders.EscalationSearchAttribute,
			EscalationChain: []laborders.Contact{{Role: "charge-nurse", Phone: "+15550000002"}, {Role: "on-call", Phone: "+15550000009"}}}
	})
	var got laborders.Input
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, laborders.WorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { got = args.Get(3).(laborders.Input) }).
		Return(runMock(t, "run-1"), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "laborder:LAB-1", "run-1", laborders.StatusQuery).
		Return(encoded(t, laborders.State{PlacerOrderNumber: "LAB-1", Status: laborders.StatusOrdering}), nil)
	body := `{"placerOrderNumber":"LAB-1","patientRef":"pat-1001","orderingProviderId":"1234567893",
		"orderingProvider":{"role":"ordering-provider","phone":"+15550000001"},"tests":["2823-3"],
		"escalationChain":[{"role":"resident","phone":"+15550000005"},{"role":"nurse","phone":"+15550000002"}],
		"escalationSearchAttribute":"Other","carry":{"phase":"done"}}`
	w := h.do(http.MethodPost, "/v1/lab-orders", body, adminSecret)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	roles := []string{}
	for _, c := range got.EscalationChain {
		roles = append(roles, c.Role)
	}
	assert.Equal(t, []string{"resident", "nurse", "on-call"}, roles, "the order's contacts, then the configured ones not already paged")
	assert.Equal(t, laborders.EscalationSearchAttribute, got.EscalationSearchAttribute)
	assert.Nil(t, got.Carry)
}

const labBody = `{"placerOrderNumber":"LAB-1","patientRef":"pat-1001","orderingProviderId":"1234567893",
	"orderingProvider":{"role":"ordering-provider","phone":"+15550000001"},"tests":["2823-3"]}`

// TestLabOrderStartIsOnePerPlacerNumber: a repeated placer order number answers 200 with the
// existing order and its URL, never a second workflow.
func TestLabOrderStartIsOnePerPlacerNumber(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == "laborder:LAB-1" && o.TaskQueue == laborders.TaskQueue &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE && o.WorkflowExecutionErrorWhenAlreadyStarted
	}), laborders.WorkflowName, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "run-0")).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "laborder:LAB-1", "run-0", laborders.StatusQuery).
		Return(encoded(t, laborders.State{PlacerOrderNumber: "LAB-1", Status: laborders.StatusOrdering}), nil).Once()

	w := h.do(http.MethodPost, "/v1/lab-orders", labBody, adminSecret)

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "/v1/lab-orders/LAB-1", w.Header().Get("Content-Location"))
	assert.Equal(t, "run-0", answer[api.LabOrderView](t, w).Temporal.RunID)
	rec := h.store.last(t)
	assert.Equal(t, audit.Record{ID: rec.ID, Actor: "admin", Action: "lab-orders.start", Process: "laborder:LAB-1",
		Outcome: audit.OutcomeOK, Code: "200", Latency: rec.Latency}, rec)
}

// A new order whose worker has not run yet answers 201 with the initial state.
func TestLabOrderStartBeforeTheWorkerRan(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, laborders.WorkflowName, mock.Anything).
		Return(runMock(t, "run-1"), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "laborder:LAB-1", "run-1", laborders.StatusQuery).
		Return(nil, serviceerror.NewDeadlineExceeded("no worker")).Once()

	w := h.do(http.MethodPost, "/v1/lab-orders", labBody, adminSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "/v1/lab-orders/LAB-1", w.Header().Get("Location"))
	v := answer[api.LabOrderView](t, w)
	assert.Equal(t, laborders.StatusOrdering, v.Status)
	assert.Contains(t, w.Body.String(), `"results":[]`)
}

func TestGetLabOrder(t *testing.T) {
	h := newHarness(t)
	h.expectGet("laborder:LAB-1", "run-5", laborders.StatusQuery, laborders.State{PlacerOrderNumber: "LAB-1", Status: laborders.StatusFinal})

	w := h.do(http.MethodGet, "/v1/lab-orders/LAB-1", "", adminSecret)

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	v := answer[api.LabOrderView](t, w)
	assert.Equal(t, laborders.StatusFinal, v.Status)
	assert.Equal(t, api.TemporalRef{WorkflowID: "laborder:LAB-1", RunID: "run-5",
		UIURL: "http://ui.test:8233/namespaces/default/workflows/laborder:LAB-1/run-5"}, v.Temporal)
}

func TestGetUnknownLabOrder(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "laborder:LAB-9", "").
		Return(nil, serviceerror.NewNotFound("workflow not found for ID: laborder:LAB-9")).Once()
	w := h.do(http.MethodGet, "/v1/lab-orders/LAB-9", "", adminSecret)
	require.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "no lab order with this placer order number", problem(t, w).Detail)
}

// TestLabOrderAcknowledge: the acknowledgment is an update keyed by the Idempotency-Key; the
// workflow's refusal (nothing to acknowledge) is a 422 with its own text.
func TestLabOrderAcknowledge(t *testing.T) {
	h := newHarness(t)
	expectUpdate(h, func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == "laborder:LAB-1" && o.UpdateName == laborders.AcknowledgeUpdateName &&
			o.UpdateID == "api:acknowledge:ack-1" && o.Args[0] == laborders.AcknowledgeUpdate{By: "dr-who"}
	}, laborders.State{PlacerOrderNumber: "LAB-1", Status: laborders.StatusFinal}, nil)

	w := h.do(http.MethodPost, "/v1/lab-orders/LAB-1/acknowledge", `{"by":"dr-who"}`, adminSecret, "Idempotency-Key", "ack-1")

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "run-1", answer[api.LabOrderView](t, w).Temporal.RunID)
	rec := h.store.last(t)
	assert.Equal(t, "lab-orders.acknowledge", rec.Action)
	assert.Equal(t, "api:acknowledge:ack-1", rec.Exchange)

	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, temporal.NewApplicationError("nothing to acknowledge", laborders.ErrTypeRejected)).Once()
	w = h.do(http.MethodPost, "/v1/lab-orders/LAB-1/acknowledge", `{"by":"dr-who"}`, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	assert.Equal(t, "nothing to acknowledge", problem(t, w).Detail)
	assert.Equal(t, audit.OutcomeRejected, h.store.last(t).Outcome)
}
