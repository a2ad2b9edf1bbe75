package workers

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/laborders"
)

// LabActivities are the activity structs the lab-order task queue serves.
type LabActivities struct {
	LIS     *lis.Activities
	EHR     *ehr.Activities
	SMS     *sms.Activities
	Records *records.Activities
}

// NewLabWorker builds the worker for the lab-order task queue.
func NewLabWorker(c client.Client, acts LabActivities, opts worker.Options) worker.Worker {
	w := worker.New(c, laborders.TaskQueue, opts)
	laborders.Register(w)
	w.RegisterActivity(acts.LIS)
	w.RegisterActivity(acts.EHR)
	w.RegisterActivity(acts.SMS)
	w.RegisterActivity(acts.Records)
	return w
}
