// Package call holds what every workflow's calls.go needs to call an activity: the retry
// policy shape all vendors share and the call itself, so that each callX states only its
// options, the reason for its timeouts and its input.
package call

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Doubling retries after initial, doubling the wait up to maxInterval (zero leaves Temporal's
// default cap of 100 times initial), and never retries the nonRetryable error types.
func Doubling(initial, maxInterval time.Duration, nonRetryable ...string) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: initial, BackoffCoefficient: 2, MaximumInterval: maxInterval,
		NonRetryableErrorTypes: nonRetryable}
}

// Activity runs the activity registered as name with in under opts and returns its result.
// It waits on ctx, so a disconnected ctx waits for the answer even after cancellation.
func Activity[O any](ctx workflow.Context, opts workflow.ActivityOptions, name string, in any) (O, error) {
	var out O
	actx := workflow.WithActivityOptions(ctx, opts)
	err := workflow.ExecuteActivity(actx, name, in).Get(actx, &out)
	return out, err
}
