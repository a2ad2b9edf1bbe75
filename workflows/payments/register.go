package payments

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers Payment under WorkflowName, so a rename of the Go function cannot
// break running executions.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Payment, workflow.RegisterOptions{Name: WorkflowName})
}
