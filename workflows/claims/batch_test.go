package claims_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/claims"
)

func batchedInput() claims.Input {
	in := input()
	in.BatchWindow = 30 * time.Second
	return in
}

// expectReady mocks the signal-with-start to the batcher and records each ready claim.
func expectReady(t *testing.T, env *testsuite.TestWorkflowEnvironment) *[]claims.ReadySignal {
	wftest.StubNoResult[billing.SignalWithStartInput](env, billing.SignalWithStartName)
	var got []claims.ReadySignal
	env.OnActivity(billing.SignalWithStartName, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in billing.SignalWithStartInput) error {
			assert.Equal(t, claims.BatcherWorkflowID, in.WorkflowID)
			assert.Equal(t, claims.BatcherWorkflowName, in.Workflow)
			assert.Equal(t, claims.ReadySignalName, in.Signal)
			var r claims.ReadySignal
			require.NoError(t, json.Unmarshal(in.SignalArg, &r))
			got = append(got, r)
			return nil
		})
	return &got
}

// TestBatchedClaimTakesItsOwnSetVerdict: a claim sent through the batcher shares its
// interchange with another claim; the 999 verdict on the other set is not its own.
func TestBatchedClaimTakesItsOwnSetVerdict(t *testing.T) {
	env := newEnv(t)
	ready := expectReady(t, env)
	signalAt(env, 31*time.Second, claims.BatchedSignalName,
		claims.BatchedSignal{PayloadKey: wfID + "/submit/0", ControlNumber: 2001, SetControlNumber: "0002"})
	signalAt(env, time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 2001, SetControlNumber: "0001",
		Accepted: false, Reasons: []claims.Reason{{Source: "999", Code: "IK5:5"}}})
	signalAt(env, 2*time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 2001, SetControlNumber: "0002", Accepted: true})
	env.RegisterDelayedCallback(func() {
		s := query(t, env)
		assert.Equal(t, claims.StatusAwaiting277CA, s.Status)
		assert.Empty(t, s.Reasons)
	}, 3*time.Hour)
	signalAt(env, 5*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	signalAt(env, 20*day, claims.RemitSignalName, remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 12500}))
	env.ExecuteWorkflow(claims.WorkflowName, batchedInput())
	s := result(t, env)
	assert.Equal(t, claims.StatusPaid, s.Status)
	assert.Equal(t, int64(2001), s.ControlNumber)
	assert.Equal(t, "0002", s.SetControlNumber)
	require.Len(t, *ready, 1)
	assert.Equal(t, claims.ReadySignal{WorkflowID: wfID, Claim: (*ready)[0].Claim, PayloadKey: wfID + "/submit/0",
		Window: 30 * time.Second}, (*ready)[0])
	assert.Equal(t, pcn, (*ready)[0].Claim.PatientControlNumber)
}

// TestBatchedClaimCorrectionIsBatchedAgain: after a 999 rejection of its set, the corrected
// claim goes to the batcher under a new payload key and the earlier answers do not count.
func TestBatchedClaimCorrectionIsBatchedAgain(t *testing.T) {
	env := newEnv(t)
	ready := expectReady(t, env)
	signalAt(env, 31*time.Second, claims.BatchedSignalName,
		claims.BatchedSignal{PayloadKey: wfID + "/submit/0", ControlNumber: 2001, SetControlNumber: "0001"})
	signalAt(env, time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 2001, SetControlNumber: "0001", Accepted: false})
	env.RegisterDelayedCallback(func() {
		assert.Equal(t, claims.StatusNeedsCorrection, query(t, env).Status)
		env.UpdateWorkflow(claims.CorrectUpdateName, "u1", accept(t), claims.CorrectUpdate{Claim: claim()})
	}, day)
	// A stale answer of the first batch and the real one.
	signalAt(env, day+10*time.Second, claims.BatchedSignalName,
		claims.BatchedSignal{PayloadKey: wfID + "/submit/0", ControlNumber: 2001, SetControlNumber: "0001"})
	signalAt(env, day+31*time.Second, claims.BatchedSignalName,
		claims.BatchedSignal{PayloadKey: wfID + "/submit/1", ControlNumber: 2005, SetControlNumber: "0003"})
	signalAt(env, day+time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 2005, SetControlNumber: "0003", Accepted: true})
	signalAt(env, day+2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	signalAt(env, 20*day, claims.RemitSignalName, remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 10000}))
	env.ExecuteWorkflow(claims.WorkflowName, batchedInput())
	s := result(t, env)
	assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
	assert.Equal(t, int64(2005), s.ControlNumber)
	assert.Equal(t, 2, s.Submissions)
	require.Len(t, *ready, 2)
	assert.Equal(t, wfID+"/submit/1", (*ready)[1].PayloadKey)
}

func TestBatchedClaimTheBatcherCouldNotSendFails(t *testing.T) {
	env := newEnv(t)
	expectReady(t, env)
	signalAt(env, 31*time.Second, claims.BatchedSignalName,
		claims.BatchedSignal{PayloadKey: wfID + "/submit/0", Error: billing.ErrTypeInvalidClaim})
	env.ExecuteWorkflow(claims.WorkflowName, batchedInput())
	s := result(t, env)
	assert.Equal(t, claims.StatusFailed, s.Status)
	assert.Equal(t, billing.ErrTypeInvalidClaim, s.Error)
}

func TestBatchedClaimWithoutAnAnswerFails(t *testing.T) {
	env := newEnv(t)
	expectReady(t, env)
	env.ExecuteWorkflow(claims.WorkflowName, batchedInput())
	s := result(t, env)
	assert.Equal(t, claims.StatusFailed, s.Status)
	assert.Equal(t, "batch-timeout", s.Error)
}

func ready(pcn string) claims.ReadySignal {
	c := claim()
	c.PatientControlNumber = pcn
	return claims.ReadySignal{WorkflowID: claims.WorkflowID(pcn), Claim: c, PayloadKey: claims.WorkflowID(pcn) + "/submit/0",
		Window: 30 * time.Second}
}

// TestBatcherCollectsClaimsReadyWithinTheWindow: claims ready within the window of the first
// share an interchange (a repeated ready signal counts once); a later one opens the next
// batch; a claim the batch left out is told why.
func TestBatcherCollectsClaimsReadyWithinTheWindow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: claims.BatcherWorkflowID, TaskQueue: claims.TaskQueue})
	claims.Register(env)
	wftest.Stub[billing.AllocateInput, billing.AllocateResult](env, billing.AllocateControlNumberName)
	wftest.Stub[billing.SubmitBatchInput, billing.SubmitBatchResult](env, billing.SubmitBatchName)
	next := int64(500)
	env.OnActivity(billing.AllocateControlNumberName, mock.Anything, billing.AllocateInput{WorkflowID: claims.BatcherWorkflowID}).
		Return(func(context.Context, billing.AllocateInput) (billing.AllocateResult, error) {
			next++
			return billing.AllocateResult{ControlNumber: next}, nil
		})
	var batches []billing.SubmitBatchInput
	env.OnActivity(billing.SubmitBatchName, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in billing.SubmitBatchInput) (billing.SubmitBatchResult, error) {
			batches = append(batches, in)
			res := billing.SubmitBatchResult{PayloadID: "p", ControlNumber: in.ControlNumber}
			n := 0
			for _, c := range in.Claims {
				set := billing.BatchSet{WorkflowID: c.WorkflowID}
				if c.Claim.PatientControlNumber == "BAD-1" {
					set.Error = billing.ErrTypeInvalidClaim
				} else if c.Claim.PatientControlNumber == "DUP-1" {
					set.Duplicate = true
				} else {
					n++
					set.SetControlNumber = "000" + string(rune('0'+n))
				}
				res.Sets = append(res.Sets, set)
			}
			return res, nil
		}).After(20 * time.Second) // C-1 becomes ready while the first batch is being sent
	answers := expectAnswers(env)
	signalAt(env, 10*time.Second, claims.ReadySignalName, ready("B-1"))
	signalAt(env, 20*time.Second, claims.ReadySignalName, ready("A-1")) // repeated by a retried activity
	signalAt(env, 25*time.Second, claims.ReadySignalName, ready("BAD-1"))
	signalAt(env, 40*time.Second, claims.ReadySignalName, ready("C-1"))
	signalAt(env, 41*time.Second, claims.ReadySignalName, ready("DUP-1")) // sent by an earlier run
	env.ExecuteWorkflow(claims.BatcherWorkflowName, claims.BatcherInput{Pending: []claims.ReadySignal{ready("A-1")}})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	require.Len(t, batches, 2)
	var first, second []string
	for _, c := range batches[0].Claims {
		first = append(first, c.WorkflowID)
	}
	for _, c := range batches[1].Claims {
		second = append(second, c.WorkflowID)
	}
	assert.Equal(t, []string{"claim:A-1", "claim:B-1", "claim:BAD-1"}, first)
	assert.Equal(t, []string{"claim:C-1", "claim:DUP-1"}, second)
	assert.Equal(t, int64(501), batches[0].ControlNumber)
	assert.NotEqual(t, batches[0].PayloadKey, batches[1].PayloadKey)
	assert.Equal(t, map[string]claims.BatchedSignal{
		"claim:A-1":   {PayloadKey: "claim:A-1/submit/0", ControlNumber: 501, SetControlNumber: "0001"},
		"claim:B-1":   {PayloadKey: "claim:B-1/submit/0", ControlNumber: 501, SetControlNumber: "0002"},
		"claim:BAD-1": {PayloadKey: "claim:BAD-1/submit/0", Error: billing.ErrTypeInvalidClaim},
		"claim:C-1":   {PayloadKey: "claim:C-1/submit/0", ControlNumber: 502, SetControlNumber: "0001"},
	}, answers)
}

// TestBatcherTellsEveryClaimWhenTheSubmissionFails: a refused batch fails each claim with
// the error type.
func TestBatcherTellsEveryClaimWhenTheSubmissionFails(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: claims.BatcherWorkflowID, TaskQueue: claims.TaskQueue})
	claims.Register(env)
	wftest.Stub[billing.AllocateInput, billing.AllocateResult](env, billing.AllocateControlNumberName)
	wftest.Stub[billing.SubmitBatchInput, billing.SubmitBatchResult](env, billing.SubmitBatchName)
	env.OnActivity(billing.AllocateControlNumberName, mock.Anything, mock.Anything).Return(billing.AllocateResult{ControlNumber: 9}, nil)
	env.OnActivity(billing.SubmitBatchName, mock.Anything, mock.Anything).Return(billing.SubmitBatchResult{},
		wftestRejected())
	answers := expectAnswers(env)
	env.ExecuteWorkflow(claims.BatcherWorkflowName, claims.BatcherInput{Pending: []claims.ReadySignal{ready("A-1"), ready("B-1")}})
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, billing.ErrTypeRejected, answers["claim:A-1"].Error)
	assert.Equal(t, billing.ErrTypeRejected, answers["claim:B-1"].Error)
}

func wftestRejected() error {
	return temporal.NewNonRetryableApplicationError("code 401", billing.ErrTypeRejected, nil)
}

// expectAnswers records the batcher's answers by claim workflow ID (the mock is called
// concurrently: the batcher signals in parallel).
func expectAnswers(env *testsuite.TestWorkflowEnvironment) map[string]claims.BatchedSignal {
	var mu sync.Mutex
	answers := map[string]claims.BatchedSignal{}
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", claims.BatchedSignalName, mock.Anything).Return(
		func(_, workflowID, _, _ string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			answers[workflowID] = arg.(claims.BatchedSignal)
			return nil
		})
	return answers
}

// TestBatcherContinuesAsNewWithTheWaitingClaims: after BatchesPerRun batches the batcher
// continues as new, carrying the claims still waiting.
func TestBatcherContinuesAsNewWithTheWaitingClaims(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: claims.BatcherWorkflowID, TaskQueue: claims.TaskQueue})
	claims.Register(env)
	wftest.Stub[billing.AllocateInput, billing.AllocateResult](env, billing.AllocateControlNumberName)
	wftest.Stub[billing.SubmitBatchInput, billing.SubmitBatchResult](env, billing.SubmitBatchName)
	env.OnActivity(billing.AllocateControlNumberName, mock.Anything, mock.Anything).Return(billing.AllocateResult{ControlNumber: 9}, nil)
	env.OnActivity(billing.SubmitBatchName, mock.Anything, mock.Anything).Return(billing.SubmitBatchResult{ControlNumber: 9,
		Sets: []billing.BatchSet{{WorkflowID: "claim:A-1", SetControlNumber: "0001"}}}, nil).After(20 * time.Second)
	answers := expectAnswers(env)
	signalAt(env, 40*time.Second, claims.ReadySignalName, ready("B-1"))
	env.ExecuteWorkflow(claims.BatcherWorkflowName, claims.BatcherInput{Pending: []claims.ReadySignal{ready("A-1")}, BatchesPerRun: 1})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	var next claims.BatcherInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.Pending, 1)
	assert.Equal(t, "claim:B-1", next.Pending[0].WorkflowID)
	assert.Equal(t, 1, next.BatchesPerRun)
	assert.Contains(t, answers, "claim:A-1")
}
