package checkins

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the check-in workflow under its contract name.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(CheckIn, workflow.RegisterOptions{Name: WorkflowName})
}
