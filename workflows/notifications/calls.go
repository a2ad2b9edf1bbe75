package notifications

import (
	"time"

	"go.temporal.io/sdk/workflow"

	emailact "github.com/careflow/engine/activities/email"
	notifyact "github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/internal/call"
)

// The workflow calls the activities by the names their packages register.

// callResolve reads the chart and the preferences. The EHR answers in seconds; an EHR outage
// is retried for up to an hour, after which the notification is reported as failed.
func callResolve(ctx workflow.Context, patientID string) (notifyact.Recipient, error) {
	return call.Activity[notifyact.Recipient](ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 20 * time.Second, ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: call.Doubling(time.Second, 5*time.Minute, notifyact.ErrTypePatientNotFound, notifyact.ErrTypeEHR),
	}, notifyact.ResolveRecipientName, notifyact.ResolveInput{PatientID: patientID})
}

// callReserve takes a rate-limit slot: one store write per slot, so seconds are plenty.
func callReserve(ctx workflow.Context, in notifyact.SlotInput) (notifyact.Slot, error) {
	return call.Activity[notifyact.Slot](ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: call.Doubling(time.Second, time.Minute),
	}, notifyact.ReserveSlotName, in)
}

// callSendSMS texts the patient on queue (SMSSendTaskQueue, rate-limited per Twilio account,
// or "" for the workflow's own queue). Twilio answers in about a second; a text that could not
// go out within 30 minutes, including its wait in a queue held back by the account's rate, is
// stale, and the email fallback takes over.
func callSendSMS(ctx workflow.Context, queue string, in sms.SendInput) (sms.SendResult, error) {
	return call.Activity[sms.SendResult](ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy: call.Doubling(time.Second, time.Minute, sms.ErrTypeInvalidRecipient, sms.ErrTypeOptedOut),
	}, sms.SendSMSName, in)
}

// callSendEmail submits the email on queue (EmailSendTaskQueue, rate-limited per SMTP
// account, or "" for the workflow's own queue). An SMTP exchange takes seconds (20 s client
// timeout); a relay answering 4xx is retried for up to two hours, as mail servers themselves
// would, and the same two hours cover a wait behind the account's rate.
func callSendEmail(ctx workflow.Context, queue string, in emailact.SendInput) (emailact.SendResult, error) {
	return call.Activity[emailact.SendResult](ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy: call.Doubling(5*time.Second, 10*time.Minute, emailact.ErrTypeRejected, emailact.ErrTypeOptedOut),
	}, emailact.SendEmailName, in)
}
