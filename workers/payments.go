// Package workers runs one Temporal worker per task queue.
package workers

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/workflows/payments"
)

// NewPaymentsWorker builds the worker for the payments task queue: the payment workflow and
// the Stripe activities it calls.
func NewPaymentsWorker(c client.Client, acts *card.Activities, opts worker.Options) worker.Worker {
	w := worker.New(c, payments.TaskQueue, opts)
	payments.Register(w)
	w.RegisterActivity(acts)
	return w
}
