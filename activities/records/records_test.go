package records_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/internal/audit"
)

func TestRecordAppendsForTheCallingWorkflow(t *testing.T) {
	store := audit.NewMemory()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&records.Activities{Records: store})
	_, err := env.ExecuteActivity(records.RecordName, records.RecordInput{Action: "lab.acknowledge", Actor: "api:dr.b",
		Exchange: "LAB1", Code: "api", Outcome: audit.OutcomeOK, LatencyMS: 1500})
	require.NoError(t, err)
	recs, err := store.List(context.Background(), audit.Filter{Action: "lab.acknowledge"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "api:dr.b", recs[0].Actor)
	require.Equal(t, "LAB1", recs[0].Exchange)
	require.EqualValues(t, 1500, recs[0].Latency.Milliseconds())
	require.NotEmpty(t, recs[0].Process, "the calling workflow's ID is recorded")

}

func TestRecordWithoutStoreIsANoOp(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&records.Activities{})
	_, err := env.ExecuteActivity(records.RecordName, records.RecordInput{Action: "lab.escalation", Outcome: audit.OutcomeError})
	require.NoError(t, err)
}
