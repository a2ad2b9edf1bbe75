// Package workers runs one Temporal worker per task queue.
package workers

import (
	"context"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	stripeact "github.com/careflow/engine/activities/stripe"
	"github.com/careflow/engine/workflows/payments"
)

// NewPaymentsWorker builds the worker for the payments task queue: the payment workflow and
// the Stripe activities it calls.
func NewPaymentsWorker(c client.Client, acts *stripeact.Activities, opts worker.Options) worker.Worker {
	w := worker.New(c, payments.TaskQueue, opts)
	payments.Register(w)
	w.RegisterActivity(acts)
	return w
}

// RunPaymentsWorker runs the payments worker until ctx is done, then stops it gracefully.
func RunPaymentsWorker(ctx context.Context, c client.Client, acts *stripeact.Activities) error {
	w := NewPaymentsWorker(c, acts, worker.Options{})
	return run(ctx, w)
}

// run blocks until ctx is done; worker.Run returns after Stop drains in-flight tasks.
func run(ctx context.Context, w worker.Worker) error {
	stop := make(chan interface{})
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	return w.Run(stop)
}
