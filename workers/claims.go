package workers

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/workflows/claims"
)

// NewClaimsWorker builds the worker for the claims task queue: the claim workflow, the
// results poller and the billing activities.
func NewClaimsWorker(c client.Client, acts *billing.Activities, opts worker.Options) worker.Worker {
	w := worker.New(c, claims.TaskQueue, opts)
	claims.Register(w)
	w.RegisterActivity(acts)
	return w
}
