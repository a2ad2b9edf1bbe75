// Package call holds what every workflow's calls.go needs to call an activity: the retry
// policy shape all vendors share and the call itself, so that each callX states only its
// options, the reason for its timeouts and its input.
package call

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/internal/vendorrate"
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

// Local runs the activity registered as name as a local activity: in the worker, inside the
// workflow task, without the schedule, match, poll and complete round trips of a regular
// activity, under opts' retry policy and within budget. done reports whether its outcome is the
// call's answer (a result, a cancellation, or an error the policy does not retry); when it is
// not, the caller goes on with the regular activity. A local activity leaves no record of its
// attempts and is run again after a worker crash, so it is only for calls whose repeat changes
// nothing: reads, and writes that carry the vendor's idempotency key.
func Local[O any](ctx workflow.Context, opts workflow.ActivityOptions, budget time.Duration, name string, in any) (O, bool, error) {
	var out O
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, LocalOptions(opts, budget)), name, in).Get(ctx, &out)
	return out, err == nil || Settled(err, opts.RetryPolicy), err
}

// LocalFirst is Local, then, if the local attempts gave no answer within budget, the regular
// activity under opts with its whole retry budget, visible to operators as a pending activity.
func LocalFirst[O any](ctx workflow.Context, opts workflow.ActivityOptions, budget time.Duration, name string, in any) (O, error) {
	if out, done, err := Local[O](ctx, opts, budget, name, in); done {
		return out, err
	}
	return Activity[O](ctx, opts, name, in)
}

// LocalOptions are a regular activity's options as a local activity's: the same retry policy
// and attempt timeout, within budget, except that an attempt deferred by its vendor's rate
// limit (vendorrate.ErrTypeDeferred) is not retried locally but goes on as the regular activity.
func LocalOptions(opts workflow.ActivityOptions, budget time.Duration) workflow.LocalActivityOptions {
	policy := opts.RetryPolicy
	if policy != nil {
		p := *policy
		p.NonRetryableErrorTypes = append(slices.Clip(p.NonRetryableErrorTypes), vendorrate.ErrTypeDeferred)
		policy = &p
	}
	return workflow.LocalActivityOptions{ScheduleToCloseTimeout: budget, StartToCloseTimeout: min(opts.StartToCloseTimeout, budget),
		RetryPolicy: policy}
}

// Settled reports whether a local attempt's error is the call's answer: one the retry policy
// does not retry, or a cancellation. Any other (a timeout, a transient failure, a turn the
// vendor's rate limit deferred) is for the regular activity to carry on.
func Settled(err error, p *temporal.RetryPolicy) bool {
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return true
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() == vendorrate.ErrTypeDeferred {
		return false
	}
	return appErr.NonRetryable() || (p != nil && slices.Contains(p.NonRetryableErrorTypes, appErr.Type()))
}
