package workers

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/checkins"
)

// CheckInActivities are the activity structs the check-in task queue serves.
type CheckInActivities struct {
	EHR         *ehr.Activities
	Eligibility *eligibility.Activities
	SMS         *sms.Activities
}

// NewCheckInWorker builds the worker for the check-in task queue. The copay child workflow runs
// on the payments task queue, served by the payments worker.
func NewCheckInWorker(c client.Client, acts CheckInActivities, opts worker.Options) worker.Worker {
	w := worker.New(c, checkins.TaskQueue, opts)
	checkins.Register(w)
	w.RegisterActivity(acts.EHR)
	w.RegisterActivity(acts.Eligibility)
	w.RegisterActivity(acts.SMS)
	return w
}
