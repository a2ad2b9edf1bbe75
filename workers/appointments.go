package workers

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/workflows/appointments"
)

// AppointmentActivities are the activity structs the appointment-sync task queue serves.
type AppointmentActivities struct {
	PMS *pmsact.Activities
	EHR *ehr.AppointmentSync
	// Notify serves the reconciliation's NotifyAppointmentChanges activity.
	Notify *appointments.Notifier
}

// AppointmentActivitiesPerSecond caps the activities the appointment queue starts per
// second across all its workers, a per-vendor rate limit for the PMS and the EHR, when the
// options name no other (the stack passes APPOINTMENT_CALLS_PER_SECOND). The sync's local
// calls pass no task queue; the stack paces them, and every other call of the sync's
// activities, at the same rate in each worker process (internal/vendorrate).
const AppointmentActivitiesPerSecond = 50

// NewAppointmentWorker builds the worker for the appointment-sync task queue.
func NewAppointmentWorker(c client.Client, acts AppointmentActivities, opts worker.Options) worker.Worker {
	if opts.TaskQueueActivitiesPerSecond == 0 {
		opts.TaskQueueActivitiesPerSecond = AppointmentActivitiesPerSecond
	}
	w := worker.New(c, appointments.TaskQueue, opts)
	appointments.Register(w)
	w.RegisterActivity(acts.PMS)
	w.RegisterActivity(acts.EHR)
	if acts.Notify != nil {
		w.RegisterActivity(acts.Notify)
	}
	return w
}
