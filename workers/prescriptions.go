package workers

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/workflows/prescriptions"
)

// PrescriptionActivities are the activity structs the prescriptions task queue serves.
type PrescriptionActivities struct {
	EHR      *ehr.Activities
	Pharmacy *pharmacyact.Activities
}

// NewPrescriptionsWorker builds the worker for the prescriptions task queue: the prescription
// workflow, its EHR activities and the pharmacy network activities.
func NewPrescriptionsWorker(c client.Client, acts PrescriptionActivities, opts worker.Options) worker.Worker {
	w := worker.New(c, prescriptions.TaskQueue, opts)
	prescriptions.Register(w)
	w.RegisterActivity(acts.EHR)
	w.RegisterActivity(acts.Pharmacy)
	return w
}
