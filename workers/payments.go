// Package workers runs one Temporal worker per task queue.
package workers

import (
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
