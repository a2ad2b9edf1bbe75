package claims_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/payments"
)

// expectPayments registers a stand-in payments workflow and records every start.
func expectPayments(env *testsuite.TestWorkflowEnvironment) *[]payments.Input {
	env.RegisterWorkflowWithOptions(func(workflow.Context, payments.Input) (payments.State, error) {
		return payments.State{}, nil
	}, workflow.RegisterOptions{Name: payments.WorkflowName})
	var got []payments.Input
	env.OnWorkflow(payments.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in payments.Input) (payments.State, error) {
			got = append(got, in)
			return payments.State{}, nil
		})
	return &got
}

func partial() claims.ClaimPosting {
	return claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 8750, PatientResponsibility: 1250,
		Adjustments: []claims.Adjustment{{Group: "PR", Reason: "2", Amount: 1250}, {Group: "CO", Reason: "45", Amount: 2500}}}
}

func balanceFlow(env *testsuite.TestWorkflowEnvironment, postings ...claims.RemitSignal) {
	signalAt(env, time.Hour, claims.AckSignalName, accepted(1001))
	signalAt(env, 2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
	for i, r := range postings {
		signalAt(env, time.Duration(10+i)*day, claims.RemitSignalName, r)
	}
}

// TestPatientBalanceStartsAPayment: a claim started with collectPatientBalance charges the
// CAS PR total through the payments process, once, even when a duplicate 835 arrives.
func TestPatientBalanceStartsAPayment(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	pays := expectPayments(env)
	balanceFlow(env, remit("EFT-1", partial()), remit("EFT-2", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 0}))
	in := input()
	in.CollectPatientBalance, in.PaymentMethod, in.CustomerRef = true, "pm_card_visa", "cust-77"
	env.ExecuteWorkflow(claims.WorkflowName, in)
	s := result(t, env)
	assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
	require.Len(t, *pays, 1)
	assert.Equal(t, payments.Input{PaymentID: claims.BalancePaymentID(pcn), Amount: 1250, Currency: "usd",
		CustomerRef: "cust-77", PaymentMethod: "pm_card_visa", Description: "patient balance"}, (*pays)[0])
	assert.Equal(t, &claims.PatientBalance{PaymentID: "claim-balance-" + pcn, Amount: 1250, Started: true}, s.PatientBalance)
}

func TestPatientBalanceNotAskedForStartsNothing(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	pays := expectPayments(env)
	balanceFlow(env, remit("EFT-1", partial()))
	env.ExecuteWorkflow(claims.WorkflowName, input())
	s := result(t, env)
	assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
	assert.Empty(t, *pays)
	assert.Nil(t, s.PatientBalance)
}

func TestPatientBalanceZeroStartsNothing(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	pays := expectPayments(env)
	balanceFlow(env, remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 12500}))
	in := input()
	in.CollectPatientBalance, in.PaymentMethod, in.CustomerRef = true, "pm_card_visa", "cust-77"
	env.ExecuteWorkflow(claims.WorkflowName, in)
	s := result(t, env)
	assert.Equal(t, claims.StatusPaid, s.Status)
	assert.Empty(t, *pays)
	assert.Nil(t, s.PatientBalance)
}

// TestPatientBalanceWithABadPaymentMethodIsReported: the claim is posted; the balance is
// reported as not started instead of failing the claim.
func TestPatientBalanceWithABadPaymentMethodIsReported(t *testing.T) {
	env := newEnv(t)
	expectSubmissions(env)
	pays := expectPayments(env)
	balanceFlow(env, remit("EFT-1", partial()))
	in := input()
	in.CollectPatientBalance, in.PaymentMethod, in.CustomerRef = true, "card-4242", "cust-77"
	env.ExecuteWorkflow(claims.WorkflowName, in)
	s := result(t, env)
	assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
	assert.Empty(t, *pays)
	require.NotNil(t, s.PatientBalance)
	assert.Equal(t, "invalid-payment", s.PatientBalance.Error)
	assert.False(t, s.PatientBalance.Started)
}
