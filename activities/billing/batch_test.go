package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
)

// TestSubmitBatchOneInterchangeSetPerClaim: two valid claims go out as one interchange
// with a transaction set each, an invalid one is left out, and each set's 999 verdict is
// routable to its own claim.
func TestSubmitBatchOneInterchangeSetPerClaim(t *testing.T) {
	_, srv, env := newActs(t)
	bad := claim("BAD-1")
	bad.TotalCharge = 1
	in := billing.SubmitBatchInput{ControlNumber: 77, PayloadKey: "claims-batcher/batch/77", Claims: []billing.BatchClaim{
		{WorkflowID: "claim:OK-1", Claim: claim("OK-1")},
		{WorkflowID: "claim:BAD-1", Claim: bad},
		{WorkflowID: "claim:REJ999-1", Claim: claim("REJ999-1")},
	}}
	v, err := env.ExecuteActivity(billing.SubmitBatchName, in)
	require.NoError(t, err)
	var res billing.SubmitBatchResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, []billing.BatchSet{
		{WorkflowID: "claim:OK-1", SetControlNumber: x12.SetControlNumber(0)},
		{WorkflowID: "claim:BAD-1", Error: billing.ErrTypeInvalidClaim},
		{WorkflowID: "claim:REJ999-1", SetControlNumber: x12.SetControlNumber(1)},
	}, res.Sets)
	assert.NotEmpty(t, res.PayloadID)
	_, err = env.ExecuteActivity(billing.SubmitBatchName, in) // a retry: the same batch
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Sim.Stats().Batches)

	v, err = env.ExecuteActivity(billing.RetrieveResultsName, billing.RetrieveInput{PayloadType: clearinghouse.PayloadType999Retrieval,
		PayloadKey: "poll-1/999", Max: 5})
	require.NoError(t, err)
	var got billing.RetrieveResult
	require.NoError(t, v.Get(&got))
	require.Len(t, got.Files, 1)
	ack, err := x12.Parse999(got.Files[0].Payload)
	require.NoError(t, err)
	assert.Equal(t, int64(77), ack.GroupControlNumber)
	require.Len(t, ack.SetResponses, 2)
	verdicts := map[string]bool{}
	for _, r := range ack.SetResponses {
		v, err := env.ExecuteActivity(billing.LookupInterchangeName, billing.LookupInput{ControlNumber: 77, SetControlNumber: r.ControlNumber})
		require.NoError(t, err)
		var lk billing.LookupResult
		require.NoError(t, v.Get(&lk))
		verdicts[lk.WorkflowID] = r.Accepted
	}
	assert.Equal(t, map[string]bool{"claim:OK-1": true, "claim:REJ999-1": false}, verdicts)

	// Only invalid claims: nothing is sent.
	v, err = env.ExecuteActivity(billing.SubmitBatchName, billing.SubmitBatchInput{ControlNumber: 78, PayloadKey: "k78",
		Claims: []billing.BatchClaim{{WorkflowID: "claim:BAD-1", Claim: bad}}})
	require.NoError(t, err)
	var none billing.SubmitBatchResult
	require.NoError(t, v.Get(&none))
	assert.Empty(t, none.PayloadID)
	assert.Equal(t, 1, srv.Sim.Stats().Batches)
}

func TestSignalWithStartNeedsAClient(t *testing.T) {
	_, _, env := newActs(t)
	_, err := env.ExecuteActivity(billing.SignalWithStartName, billing.SignalWithStartInput{WorkflowID: "b", Signal: "s"})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.NonRetryable())
}

// TestSubmitBatchNeverSendsASubmissionTwice: a ready claim repeated into a later batch (a
// retried signal-with-start) is left out as a duplicate; a retry of its own batch is not.
func TestSubmitBatchNeverSendsASubmissionTwice(t *testing.T) {
	_, srv, env := newActs(t)
	first := billing.SubmitBatchInput{ControlNumber: 90, PayloadKey: "b/90", Claims: []billing.BatchClaim{
		{WorkflowID: "claim:OK-1", Claim: claim("OK-1"), SubmissionKey: "claim:OK-1/submit/0"}}}
	_, err := env.ExecuteActivity(billing.SubmitBatchName, first)
	require.NoError(t, err)
	v, err := env.ExecuteActivity(billing.SubmitBatchName, first) // the same batch retried
	require.NoError(t, err)
	var again billing.SubmitBatchResult
	require.NoError(t, v.Get(&again))
	assert.Equal(t, []billing.BatchSet{{WorkflowID: "claim:OK-1", SetControlNumber: "0001"}}, again.Sets)

	v, err = env.ExecuteActivity(billing.SubmitBatchName, billing.SubmitBatchInput{ControlNumber: 91, PayloadKey: "b/91",
		Claims: []billing.BatchClaim{
			{WorkflowID: "claim:OK-1", Claim: claim("OK-1"), SubmissionKey: "claim:OK-1/submit/0"},
			{WorkflowID: "claim:OK-2", Claim: claim("OK-2"), SubmissionKey: "claim:OK-2/submit/0"}}})
	require.NoError(t, err)
	var later billing.SubmitBatchResult
	require.NoError(t, v.Get(&later))
	assert.Equal(t, []billing.BatchSet{{WorkflowID: "claim:OK-1", Duplicate: true},
		{WorkflowID: "claim:OK-2", SetControlNumber: "0001"}}, later.Sets)
	subs := srv.Sim.Submissions()
	require.Len(t, subs, 2)
	assert.Equal(t, []string{"OK-2"}, subs[1].PatientControlNumbers)
}
