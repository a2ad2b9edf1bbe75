package claims_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
)

const pcn = "PCN-1001"

var (
	wfID  = claims.WorkflowID(pcn)
	start = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	day   = 24 * time.Hour
)

// claim is a valid one-line claim of 125.00.
func claim() x12.ProfessionalClaim {
	return x12.ProfessionalClaim{
		BillingProvider: x12.BillingProvider{NPI: "1234567893", OrganizationName: "Riverside Clinic",
			Taxonomy: "207Q00000X", TaxID: "123456789",
			Address: x12.Address{Line1: "100 Main St", City: "Springfield", State: "IL", PostalCode: "627011234"}},
		Subscriber: x12.ClaimSubscriber{MemberID: "W1", LastName: "Doe", FirstName: "Jane",
			BirthDate: time.Date(1985, 2, 14, 0, 0, 0, 0, time.UTC), Gender: "F",
			Address: &x12.Address{Line1: "12 Oak Ave", City: "Springfield", State: "IL", PostalCode: "62704"}},
		Payer:                x12.ClaimPayer{Name: "Acme", ID: "ACME01"},
		PatientControlNumber: pcn, TotalCharge: 12500, PlaceOfService: "11", ProviderSignature: true,
		BenefitsAssigned: true, Diagnoses: []string{"J06.9"},
		Lines: []x12.ServiceLine{{Code: "99213", Charge: 12500, Units: 1, DiagnosisPointers: []int{1},
			ServiceDate: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}},
	}
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID, TaskQueue: claims.TaskQueue})
	claims.Register(env)
	wftest.Stub[billing.AllocateInput, billing.AllocateResult](env, billing.AllocateControlNumberName)
	wftest.Stub[billing.SubmitInput, billing.SubmitResult](env, billing.SubmitClaimName)
	return env
}

// expectSubmissions makes control numbers 1001, 1002... and records every submitted claim.
func expectSubmissions(env *testsuite.TestWorkflowEnvironment) *[]billing.SubmitInput {
	next := int64(1000)
	env.OnActivity(billing.AllocateControlNumberName, mock.Anything, billing.AllocateInput{WorkflowID: wfID}).
		Return(func(_ context.Context, _ billing.AllocateInput) (billing.AllocateResult, error) {
			next++
			return billing.AllocateResult{ControlNumber: next}, nil
		})
	var sent []billing.SubmitInput
	env.OnActivity(billing.SubmitClaimName, mock.Anything, mock.Anything).
		Return(func(_ context.Context, in billing.SubmitInput) (billing.SubmitResult, error) {
			sent = append(sent, in)
			return billing.SubmitResult{PayloadID: "p", ControlNumber: in.ControlNumber, SetControlNumber: "0001"}, nil
		})
	return &sent
}

func signalAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, after)
}

func query(t *testing.T, env *testsuite.TestWorkflowEnvironment) claims.State {
	t.Helper()
	v, err := env.QueryWorkflow(claims.StatusQuery)
	require.NoError(t, err)
	var s claims.State
	require.NoError(t, v.Get(&s))
	return s
}

func accepted(control int64) claims.AckSignal {
	return claims.AckSignal{GroupControlNumber: control, Accepted: true}
}

func acceptedCA(ccn string) claims.ClaimAckSignal {
	return claims.ClaimAckSignal{Accepted: true, PayerClaimControlNumber: ccn}
}

func remit(trace string, postings ...claims.ClaimPosting) claims.RemitSignal {
	return claims.RemitSignal{Trace: trace, PaymentMethod: "CHK", Claims: postings}
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) claims.State {
	t.Helper()
	return wftest.Result[claims.State](t, env)
}

// accept fails the test unless the update is accepted and completes.
func accept(t *testing.T) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{OnAccept: func() {},
		OnReject:   func(err error) { t.Errorf("update rejected: %v", err) },
		OnComplete: func(_ any, err error) { assert.NoError(t, err) }}
}

func input() claims.Input {
	return claims.Input{Claim: claim(), RemitTimeout: 45 * day}
}

func TestPaidAfterWeeks(t *testing.T) {
	env := newEnv(t)
	asked := baselinetest.Asked(env)
	sent := expectSubmissions(env)
	signalAt(env, time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 999, Accepted: false})
	signalAt(env, 2*time.Hour, claims.AckSignalName, accepted(1001))
	env.RegisterDelayedCallback(func() { assert.Equal(t, claims.StatusAwaiting277CA, query(t, env).Status) }, 3*time.Hour)
	signalAt(env, 5*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	env.RegisterDelayedCallback(func() { assert.Equal(t, claims.StatusAwaitingRemittance, query(t, env).Status) }, 7*day)
	paid := remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 12500, PayerClaimControlNumber: "PCC1"})
	signalAt(env, 21*day, claims.RemitSignalName, paid)
	signalAt(env, 22*day, claims.RemitSignalName, paid) // a duplicate 835 (same TRN) is posted once
	env.RegisterDelayedCallback(func() {
		s := query(t, env)
		assert.Equal(t, claims.StatusPaid, s.Status)
		assert.Len(t, s.Payments, 1)
	}, 23*day)
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusPaid, s.Status)
	assert.Equal(t, int64(12500), s.Posting.Paid)
	assert.Len(t, s.Payments, 1)
	assert.Equal(t, "PCC1", s.PayerClaimControlNumber)
	require.Len(t, *sent, 1)
	assert.Equal(t, x12.FrequencyOriginal, (*sent)[0].Claim.Frequency)
	assert.Equal(t, wfID+"/submit/0", (*sent)[0].PayloadKey)
	assert.False(t, s.StatusInquiryDue)
	// A new claim records its baseline's version marker and asks nothing else.
	assert.Equal(t, []string{claims.Baseline.ID}, *asked)
}

func TestRejected277CorrectedAsNewOriginal(t *testing.T) {
	env := newEnv(t)
	sent := expectSubmissions(env)
	var rejected error
	signalAt(env, time.Hour, claims.AckSignalName, accepted(1001))
	signalAt(env, 2*time.Hour, claims.ClaimAckSignalName, claims.ClaimAckSignal{Rejected: true,
		Reasons: []claims.Reason{{Source: "277CA", Code: "A7:21", Entity: "IL"}}})
	env.RegisterDelayedCallback(func() {
		s := query(t, env)
		assert.Equal(t, claims.StatusNeedsCorrection, s.Status)
		require.Len(t, s.Reasons, 1)
		assert.Equal(t, "A7:21", s.Reasons[0].Code)
		bad := claim()
		bad.PatientControlNumber = "OTHER"
		env.UpdateWorkflow(claims.CorrectUpdateName, "u0", &testsuite.TestUpdateCallback{OnAccept: func() {},
			OnReject: func(err error) { rejected = err }, OnComplete: func(any, error) {}}, claims.CorrectUpdate{Claim: bad})
		fixed := claim()
		fixed.Subscriber.MemberID = "W2"
		env.UpdateWorkflow(claims.CorrectUpdateName, "u1", accept(t), claims.CorrectUpdate{Claim: fixed})
	}, 3*day)
	signalAt(env, 3*day+time.Hour, claims.AckSignalName, accepted(1002))
	signalAt(env, 3*day+2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC2"))
	signalAt(env, 30*day, claims.RemitSignalName, remit("EFT-2", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 8750,
		PatientResponsibility: 1250, Adjustments: []claims.Adjustment{{Group: "CO", Reason: "45", Amount: 2500}, {Group: "PR", Reason: "2", Amount: 1250}}}))
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, rejected, &appErr, "another patient control number is refused")
	assert.Equal(t, claims.ErrTypeRejected, appErr.Type(), "the API answers this type with 422")
	assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
	assert.Equal(t, int64(1250), s.Posting.PatientResponsibility)
	require.Len(t, *sent, 2)
	assert.Equal(t, x12.FrequencyOriginal, (*sent)[1].Claim.Frequency)
	assert.Equal(t, "W2", (*sent)[1].Claim.Subscriber.MemberID)
	assert.Equal(t, int64(1002), (*sent)[1].ControlNumber)
	assert.NotEqual(t, (*sent)[0].PayloadKey, (*sent)[1].PayloadKey)
}

func TestDeniedCorrectedAsReplacementThenVoided(t *testing.T) {
	env := newEnv(t)
	sent := expectSubmissions(env)
	signalAt(env, time.Hour, claims.AckSignalName, accepted(1001))
	signalAt(env, 2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	signalAt(env, 14*day, claims.RemitSignalName, remit("EFT-1", claims.ClaimPosting{Status: "4", Charge: 12500,
		PayerClaimControlNumber: "PCC1", Lines: []claims.LinePosting{{Code: "99213", Charge: 12500,
			Adjustments: []claims.Adjustment{{Group: "CO", Reason: "50", Amount: 12500}}, RemarkCodes: []string{"N115"}}}}))
	env.RegisterDelayedCallback(func() {
		assert.Equal(t, claims.StatusDenied, query(t, env).Status)
		env.UpdateWorkflow(claims.CorrectUpdateName, "u1", accept(t), claims.CorrectUpdate{Claim: claim()})
	}, 15*day)
	signalAt(env, 15*day+time.Hour, claims.AckSignalName, accepted(1002))
	signalAt(env, 15*day+2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	signalAt(env, 30*day, claims.RemitSignalName, remit("EFT-2", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 12500, PayerClaimControlNumber: "PCC9"}))
	env.RegisterDelayedCallback(func() {
		assert.Equal(t, claims.StatusPaid, query(t, env).Status)
		env.UpdateWorkflow(claims.VoidUpdateName, "v1", accept(t), claims.VoidUpdate{})
	}, 31*day)
	signalAt(env, 31*day+time.Hour, claims.AckSignalName, accepted(1003))
	signalAt(env, 31*day+2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC9"))
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusVoided, s.Status)
	require.Len(t, *sent, 3)
	assert.Equal(t, x12.FrequencyReplacement, (*sent)[1].Claim.Frequency)
	assert.Equal(t, "PCC1", (*sent)[1].Claim.PayerClaimControlNumber)
	assert.Equal(t, x12.FrequencyVoid, (*sent)[2].Claim.Frequency)
	assert.Equal(t, "PCC9", (*sent)[2].Claim.PayerClaimControlNumber)
}

func TestReversalThenPartialPayment(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	signalAt(env, time.Hour, claims.AckSignalName, accepted(1001))
	signalAt(env, 2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	signalAt(env, 10*day, claims.RemitSignalName, remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 12500, PayerClaimControlNumber: "PCC1"}))
	second := remit("EFT-2",
		claims.ClaimPosting{Status: "22", Charge: -12500, Paid: -12500, PayerClaimControlNumber: "PCC1"},
		claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 8750, PatientResponsibility: 1250, PayerClaimControlNumber: "PCC2"})
	second.ProviderAdjustments = []claims.Adjustment{{Reason: "L6", Amount: -250}}
	signalAt(env, 40*day, claims.RemitSignalName, second)
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
	assert.Equal(t, int64(8750), s.Posting.Paid)
	assert.Equal(t, int64(12500), s.Posting.Charge)
	require.Len(t, s.Payments, 2)
	assert.True(t, s.Payments[1].Reversal)
	assert.Equal(t, int64(-3750), s.Payments[1].Paid)
	assert.Equal(t, int64(-250), s.Payments[1].PLBTotal)
	assert.Equal(t, "PCC2", s.PayerClaimControlNumber)
}

func TestNoRemittanceFlagsStatusInquiryThenTimesOut(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	signalAt(env, time.Hour, claims.AckSignalName, accepted(1001))
	signalAt(env, 2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	env.RegisterDelayedCallback(func() { assert.False(t, query(t, env).StatusInquiryDue) }, 29*day)
	env.RegisterDelayedCallback(func() {
		s := query(t, env)
		assert.True(t, s.StatusInquiryDue)
		assert.Equal(t, claims.StatusAwaitingRemittance, s.Status)
	}, 31*day)
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusNoRemittance, s.Status)
	assert.True(t, s.StatusInquiryDue)
}

func Test999RejectionNeedsCorrection(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	signalAt(env, time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 1001, Reasons: []claims.Reason{
		{Source: "999", Code: "IK4:7", Segment: "CLM", Element: "CLM2"}}})
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(claims.VoidUpdateName, "v1", accept(t), claims.VoidUpdate{})
	}, day)
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	// Never accepted by the payer: voided without sending anything.
	assert.Equal(t, claims.StatusVoided, s.Status)
	require.Len(t, s.Reasons, 1)
	assert.Equal(t, "IK4:7", s.Reasons[0].Code)
	assert.Equal(t, 1, s.Submissions)
}

func TestInvalidClaimFails(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(billing.AllocateControlNumberName, mock.Anything, mock.Anything).Return(billing.AllocateResult{ControlNumber: 5}, nil)
	env.OnActivity(billing.SubmitClaimName, mock.Anything, mock.Anything).Return(billing.SubmitResult{},
		temporal.NewNonRetryableApplicationError("bad", billing.ErrTypeInvalidClaim, nil))
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusFailed, s.Status)
	assert.Equal(t, billing.ErrTypeInvalidClaim, s.Error)
}

func TestLateAcknowledgmentOfAnEarlierSubmissionIsIgnored(t *testing.T) {
	env := newEnv(t)
	sent := expectSubmissions(env)
	signalAt(env, time.Hour, claims.AckSignalName, accepted(1001))
	signalAt(env, 2*time.Hour, claims.ClaimAckSignalName, claims.ClaimAckSignal{Rejected: true})
	env.RegisterDelayedCallback(func() {
		// A duplicate rejection of the first submission, delivered late.
		env.SignalWorkflow(claims.ClaimAckSignalName, claims.ClaimAckSignal{Rejected: true})
		env.UpdateWorkflow(claims.CorrectUpdateName, "u1", accept(t), claims.CorrectUpdate{Claim: claim()})
	}, day)
	signalAt(env, day+time.Hour, claims.AckSignalName, accepted(1002))
	signalAt(env, day+2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC2"))
	signalAt(env, 10*day, claims.RemitSignalName, remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 12500}))
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusPaid, s.Status)
	assert.Len(t, *sent, 2)
}
