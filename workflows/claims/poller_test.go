package claims_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/claims"
)

func TestPollerSignalsClaimsAndKeepsTheRest(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	claims.Register(env)
	wftest.Stub[billing.RetrieveInput, billing.RetrieveResult](env, billing.RetrieveResultsName)
	wftest.Stub[billing.LookupInput, billing.LookupResult](env, billing.LookupInterchangeName)
	wftest.StubNoResult[billing.KeepInput](env, billing.KeepUnmatchedName)

	files := map[string][]billing.File{
		clearinghouse.PayloadType999Retrieval:   {{Payload: readX12(t, "999/rejected.x12")}},
		clearinghouse.PayloadType277CARetrieval: {{Payload: readX12(t, "277ca/accepted_and_rejected.x12")}},
		clearinghouse.PayloadType835Retrieval:   {{Payload: readX12(t, "835/reversal_plb.x12")}, {Payload: []byte("ISA*broken~")}},
	}
	env.OnActivity(billing.RetrieveResultsName, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in billing.RetrieveInput) (billing.RetrieveResult, error) {
			return billing.RetrieveResult{Files: files[in.PayloadType]}, nil
		})
	env.OnActivity(billing.LookupInterchangeName, mock.Anything, billing.LookupInput{ControlNumber: 102, SetControlNumber: "0102"}).
		Return(billing.LookupResult{WorkflowID: "claim:PCN-0102"}, nil)
	var kept []billing.KeepInput
	env.OnActivity(billing.KeepUnmatchedName, mock.Anything, mock.Anything).Return(func(_ context.Context, in billing.KeepInput) error {
		kept = append(kept, in)
		return nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, "claim:PCN-0102", "", claims.AckSignalName, mock.Anything).Return(nil)
	env.OnSignalExternalWorkflow(mock.Anything, "claim:PCN-1001", "", claims.ClaimAckSignalName, mock.Anything).Return(nil)
	env.OnSignalExternalWorkflow(mock.Anything, "claim:PCN-1002", "", claims.ClaimAckSignalName, mock.Anything).
		Return(errors.New("workflow not found"))
	env.OnSignalExternalWorkflow(mock.Anything, "claim:PCN-1001", "", claims.RemitSignalName, mock.Anything).Return(nil)

	env.ExecuteWorkflow(claims.PollerWorkflowName, claims.PollerInput{})
	require.NoError(t, env.GetWorkflowError())
	var res claims.PollerResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, claims.PollerResult{Files: 4, Signalled: 3, Unmatched: 1, Malformed: 1}, res)
	require.Len(t, kept, 2)
	assert.Equal(t, billing.KeepInput{Reason: "unmatched", Kind: "277CA", Key: "PCN-1002",
		Payload: readX12(t, "277ca/accepted_and_rejected.x12")}, kept[0])
	assert.Equal(t, "malformed", kept[1].Reason)
	assert.Equal(t, "835", kept[1].Kind)
}
