package workers

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	emailact "github.com/careflow/engine/activities/email"
	notifyact "github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/notifications"
)

// NotificationActivities are the activity structs the notifications task queue serves.
type NotificationActivities struct {
	Notify *notifyact.Activities
	Email  *emailact.Activities
	SMS    *sms.Activities
}

// NewNotificationsWorker builds the worker for the notifications task queue.
func NewNotificationsWorker(c client.Client, acts NotificationActivities, opts worker.Options) worker.Worker {
	w := worker.New(c, notifications.TaskQueue, opts)
	notifications.Register(w)
	w.RegisterActivity(acts.Notify)
	w.RegisterActivity(acts.Email)
	// Only SendSMS: Page belongs to the lab queue.
	w.RegisterActivityWithOptions(acts.SMS.SendSMS, activity.RegisterOptions{Name: "SendSMS"})
	return w
}
