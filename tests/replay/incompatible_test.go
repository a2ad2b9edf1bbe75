package replay_test

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/payments"
)

// incompatible has the payment workflow's name but starts with a timer instead of the
// authorization activity, the kind of change replay must catch.
func incompatible(ctx workflow.Context, _ payments.Input) (payments.State, error) {
	return payments.State{}, workflow.Sleep(ctx, time.Minute)
}

func workflowRegisterOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: payments.WorkflowName}
}
