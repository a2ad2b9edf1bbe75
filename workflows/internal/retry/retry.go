// Package retry builds the retry policies the workflows give their activity calls, so each
// calls.go states only what differs between vendors: the first interval, the cap and the
// error types that retrying cannot fix.
package retry

import (
	"time"

	"go.temporal.io/sdk/temporal"
)

// Doubling retries after initial, doubling the wait up to maxInterval (zero leaves Temporal's
// default cap of 100 times initial), and never retries the nonRetryable error types.
func Doubling(initial, maxInterval time.Duration, nonRetryable ...string) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: initial, BackoffCoefficient: 2, MaximumInterval: maxInterval,
		NonRetryableErrorTypes: nonRetryable}
}
