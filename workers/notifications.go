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
	// Only SendSMS: Page belongs to the lab queue. SendSMS and SendEmail stay here for
	// notifications begun before they moved to the account send queues.
	w.RegisterActivityWithOptions(acts.SMS.SendSMS, activity.RegisterOptions{Name: sms.SendSMSName})
	return w
}

// NewSMSSendWorker builds the worker of the Twilio account's send queue
// (notifications.SMSSendTaskQueue): SendSMS only, at most perSecond a second. The rate is
// Temporal's TaskQueueActivitiesPerSecond: the server hands out at most that many of the
// queue's activity tasks a second across every worker polling it, so the limit holds for the
// account however many worker replicas run.
func NewSMSSendWorker(c client.Client, acts *sms.Activities, perSecond float64, opts worker.Options) worker.Worker {
	opts.TaskQueueActivitiesPerSecond = perSecond
	w := worker.New(c, notifications.SMSSendTaskQueue, opts)
	w.RegisterActivityWithOptions(acts.SendSMS, activity.RegisterOptions{Name: sms.SendSMSName})
	return w
}

// NewEmailSendWorker builds the worker of the SMTP account's send queue
// (notifications.EmailSendTaskQueue): SendEmail only, at most perSecond a second, enforced by
// the server as for NewSMSSendWorker.
func NewEmailSendWorker(c client.Client, acts *emailact.Activities, perSecond float64, opts worker.Options) worker.Worker {
	opts.TaskQueueActivitiesPerSecond = perSecond
	w := worker.New(c, notifications.EmailSendTaskQueue, opts)
	w.RegisterActivityWithOptions(acts.SendEmail, activity.RegisterOptions{Name: emailact.SendEmailName})
	return w
}
