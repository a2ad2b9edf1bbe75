package appointments

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the entity and reconciliation workflows under their contract names, so
// a rename of the Go functions cannot break running executions.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Appointment, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(Reconcile, workflow.RegisterOptions{Name: ReconcileWorkflowName})
}
