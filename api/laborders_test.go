package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
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
