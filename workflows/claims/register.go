package claims

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the claim workflow and the results poller under their contract names,
// so a rename of the Go functions cannot break running executions.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Submission, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(Batcher, workflow.RegisterOptions{Name: BatcherWorkflowName})
	r.RegisterWorkflowWithOptions(ResultsPoller, workflow.RegisterOptions{Name: PollerWorkflowName})
}
