package notifications

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers Notification under WorkflowName, so a rename of the Go function cannot
// break running executions.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Notification, workflow.RegisterOptions{Name: WorkflowName})
}
