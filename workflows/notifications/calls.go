package notifications

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	emailact "github.com/careflow/engine/activities/email"
	notifyact "github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/activities/sms"
)

// Activity names as the notifications worker registers them.
const (
	activityResolve   = notifyact.ResolveRecipientName
	activityReserve   = notifyact.ReserveSlotName
	activitySendSMS   = "SendSMS"
	activitySendEmail = emailact.SendEmailName
)

// callResolve reads the chart and the preferences. The EHR answers in seconds; an EHR outage
// is retried for up to an hour, after which the notification is reported as failed.
func callResolve(ctx workflow.Context, patientID string) (notifyact.Recipient, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 20 * time.Second, ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: []string{notifyact.ErrTypePatientNotFound, notifyact.ErrTypeEHR}},
	})
	var r notifyact.Recipient
	err := workflow.ExecuteActivity(ctx, activityResolve, notifyact.ResolveInput{PatientID: patientID}).Get(ctx, &r)
	return r, err
}

// callReserve takes a rate-limit slot: one store write per slot, so seconds are plenty.
func callReserve(ctx workflow.Context, in notifyact.SlotInput) (notifyact.Slot, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	var s notifyact.Slot
	err := workflow.ExecuteActivity(ctx, activityReserve, in).Get(ctx, &s)
	return s, err
}

// callSendSMS texts the patient. Twilio answers in about a second; a text that could not go
// out within 30 minutes is stale, and the email fallback takes over.
func callSendSMS(ctx workflow.Context, in sms.SendInput) (sms.SendResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{sms.ErrTypeInvalidRecipient, sms.ErrTypeOptedOut}},
	})
	var r sms.SendResult
	err := workflow.ExecuteActivity(ctx, activitySendSMS, in).Get(ctx, &r)
	return r, err
}

// callSendEmail submits the email. An SMTP exchange takes seconds (20 s client timeout); a
// relay answering 4xx is retried for up to two hours, as mail servers themselves would.
func callSendEmail(ctx workflow.Context, in emailact.SendInput) (emailact.SendResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: []string{emailact.ErrTypeRejected, emailact.ErrTypeOptedOut}},
	})
	var r emailact.SendResult
	err := workflow.ExecuteActivity(ctx, activitySendEmail, in).Get(ctx, &r)
	return r, err
}
