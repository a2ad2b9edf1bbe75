package loadgen

import (
	"context"

	"go.temporal.io/api/enums/v1"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// NoopTaskQueue serves the baseline workflow; it is separate from every engine queue.
const NoopTaskQueue = "loadgen-noop"

// noopWorkflowName and noopUpdateName mirror a payment's shape: a start plus two updates.
const (
	noopWorkflowName = "loadgen.Noop"
	noopUpdateName   = "step"
)

// Noop is the baseline workflow: it accepts two updates that do nothing and completes.
func Noop(ctx workflow.Context) (int, error) {
	steps := 0
	if err := workflow.SetUpdateHandler(ctx, noopUpdateName, func(ctx workflow.Context) (int, error) {
		steps++
		return steps, nil
	}); err != nil {
		return 0, err
	}
	if err := workflow.Await(ctx, func() bool { return steps >= 2 }); err != nil {
		return 0, err
	}
	return steps, workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// RegisterNoop registers the baseline workflow on w (a worker on NoopTaskQueue).
func RegisterNoop(w worker.WorkflowRegistry) {
	w.RegisterWorkflowWithOptions(Noop, workflow.RegisterOptions{Name: noopWorkflowName})
}

// noopFlow makes the same three Temporal round trips as a payment flow, against Noop.
func noopFlow(ctx context.Context, c client.Client, id string) error {
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: NoopTaskQueue}, noopWorkflowName); err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: noopUpdateName, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		var n int
		if err := h.Get(ctx, &n); err != nil {
			return err
		}
	}
	return nil
}

// noopUpdateWithStart is the baseline of a check-in's verdict call: one Update-with-Start
// against Noop, answered at once.
func noopUpdateWithStart(ctx context.Context, c client.Client, id string) error {
	op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{ID: id, TaskQueue: NoopTaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, noopWorkflowName)
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: noopUpdateName, WaitForStage: client.WorkflowUpdateStageCompleted}})
	if err != nil {
		return err
	}
	var n int
	return h.Get(ctx, &n)
}
