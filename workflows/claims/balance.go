package claims

import (
	"errors"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/payments"
)

// BalanceCurrency is the currency of patient balances (X12 amounts are US dollars).
const BalanceCurrency = "usd"

// BalancePaymentID is the payment ID of a claim's patient balance (its CAS PR total).
func BalancePaymentID(pcn string) string { return "claim-balance-" + pcn }

// PatientBalance is the payments process started for the patient's share of a claim.
type PatientBalance struct {
	PaymentID string `json:"paymentId"`
	// Amount is the patient responsibility (CAS PR total) in cents when it was started.
	Amount  int64 `json:"amount"`
	Started bool  `json:"started"`
	// Error names why it did not start ("payment-not-started", "invalid-payment").
	Error string `json:"error,omitempty"`
}

// collectBalance starts the payments process for the patient responsibility as a child
// workflow, once per claim, when the clinic asked for it at the start. It outlives the
// claim (its refund window is months long).
func (w *impl) collectBalance(ctx workflow.Context) {
	amount := w.state.Posting.PatientResponsibility
	if !w.in.CollectPatientBalance || amount <= 0 || w.state.PatientBalance != nil {
		return
	}
	// Only claims started with the flag reach here, so earlier histories never record it.
	if w.ver.Version(ctx, ChangeBatching, workflow.DefaultVersion, 1) < 1 {
		return
	}
	pid := BalancePaymentID(w.state.PatientControlNumber)
	bal := &PatientBalance{PaymentID: pid, Amount: amount}
	w.state.PatientBalance = bal
	in := payments.Input{PaymentID: pid, Amount: amount, Currency: BalanceCurrency, CustomerRef: w.in.CustomerRef,
		PaymentMethod: w.in.PaymentMethod, Description: "patient balance"}
	if err := in.Validate(); err != nil {
		bal.Error = "invalid-payment"
		return
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: payments.WorkflowID(pid),
		TaskQueue:  payments.TaskQueue,
		// The payment stays open for capture and refunds after the claim has closed.
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	child := workflow.ExecuteChildWorkflow(cctx, payments.WorkflowName, in)
	var exec workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		if !errors.As(err, &started) {
			bal.Error = "payment-not-started"
			return
		}
	}
	bal.Started = true
}
