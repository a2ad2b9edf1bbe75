// Package vendorrate bounds how fast a worker calls a vendor. A task queue's rate limit
// (worker.Options.TaskQueueActivitiesPerSecond) bounds only regular activities; a call that
// runs first as a local activity (workflows/internal/call.LocalFirst) passes no task queue, so
// the activity takes its turn here instead.
package vendorrate

import (
	"context"
	"math"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"
)

// ErrTypeDeferred is the error type of a local attempt whose turn is further off than
// LocalWait: the call goes on as the regular activity, which waits in the task queue's
// limit, visible as a pending activity, instead of holding its workflow task open.
const ErrTypeDeferred = "VendorRateDeferred"

// LocalWait is the longest a local attempt waits for its turn: a local activity runs inside
// its workflow's task, which should finish in milliseconds, not queue there.
const LocalWait = 100 * time.Millisecond

// Limiter is a token bucket shared by the activities that call one vendor (or one set of
// vendors) from this process; a nil Limiter never waits.
type Limiter struct {
	l *rate.Limiter
}

// New allows perSecond calls a second on average, in bursts of up to a second's worth.
func New(perSecond float64) *Limiter {
	return &Limiter{l: rate.NewLimiter(rate.Limit(perSecond), max(int(math.Ceil(perSecond)), 1))}
}

// Take waits for the call's turn. A regular activity waits as long as its context allows; a
// local activity waits at most LocalWait and otherwise returns an ErrTypeDeferred error,
// having taken nothing from the bucket.
func (l *Limiter) Take(ctx context.Context) error {
	if l == nil {
		return nil
	}
	if !activity.IsActivity(ctx) || !activity.GetInfo(ctx).IsLocalActivity {
		return l.l.Wait(ctx)
	}
	r := l.l.Reserve()
	d := r.Delay()
	if d > LocalWait {
		r.Cancel()
		return temporal.NewApplicationError("vendor call rate reached; the call goes on as a regular activity", ErrTypeDeferred)
	}
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}
