// Package wait holds the workflows' timed waits.
package wait

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Within is workflow.AwaitWithTimeout whose timer is canceled once cond holds. The SDK's own
// (v1.38) leaves the timer to fire at its deadline (sdk-go issue 986), which wakes an idle
// workflow for a workflow task that does nothing: three history transactions and a replay
// when the workflow has left the sticky cache. A canceled timer may leave its started and
// canceled events (even within one workflow task) but never fires. Adopting it changes a
// workflow's commands, so each process switches to it behind a workflow.GetVersion change.
func Within(ctx workflow.Context, timeout time.Duration, cond func() bool) (bool, error) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	return workflow.AwaitWithTimeout(tctx, timeout, cond)
}

// Func is a timed wait: true when cond held before timeout.
type Func func(ctx workflow.Context, timeout time.Duration, cond func() bool) (bool, error)

// Choose returns Within for an execution whose process adopted it (its workflow.GetVersion
// change says so) and the SDK's AwaitWithTimeout otherwise, whose commands the older
// executions' histories hold: asked once per run, so every wait of one execution agrees.
func Choose(within bool) Func {
	if within {
		return Within
	}
	return workflow.AwaitWithTimeout
}
