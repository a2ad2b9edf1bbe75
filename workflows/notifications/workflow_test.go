package notifications_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	emailact "github.com/careflow/engine/activities/email"
	notifyact "github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
	"github.com/careflow/engine/workflows/notifications"
)

type wfSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
}

func TestNotification(t *testing.T) { suite.Run(t, new(wfSuite)) }

// start is a Monday 14:00 in New York.
var start = time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC)

func (s *wfSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(start)
	notifications.Register(s.env)
	var n notifyact.Activities
	var e emailact.Activities
	var m sms.Activities
	s.env.RegisterActivityWithOptions(n.ResolveRecipient, activityOpts(notifyact.ResolveRecipientName))
	s.env.RegisterActivityWithOptions(n.ReserveSlot, activityOpts(notifyact.ReserveSlotName))
	s.env.RegisterActivityWithOptions(e.SendEmail, activityOpts(emailact.SendEmailName))
	s.env.RegisterActivityWithOptions(m.SendSMS, activityOpts("SendSMS"))
}

func (s *wfSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func input() notifications.Input {
	return notifications.Input{NotificationID: "n-1", PatientID: "pat-1", Scenario: templates.ResultsAvailable}
}

func (s *wfSuite) result() notifications.State {
	s.True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	var st notifications.State
	s.NoError(s.env.GetWorkflowResult(&st))
	return st
}

func (s *wfSuite) recipient(r notifyact.Recipient) {
	s.env.OnActivity(notifyact.ResolveRecipientName, mock.Anything, notifyact.ResolveInput{PatientID: "pat-1"}).Return(r, nil).Once()
}

func (s *wfSuite) slotGranted() {
	s.env.OnActivity(notifyact.ReserveSlotName, mock.Anything, mock.Anything).Return(notifyact.Slot{Granted: true}, nil).Once()
}

func (s *wfSuite) TestSMSDelivered() {
	asked := baselinetest.Asked(s.env)
	s.recipient(notifyact.Recipient{Mobile: "+15551230001", Email: "ada@example.org", FirstName: "Ada", Language: "es"})
	s.slotGranted()
	s.env.OnActivity("SendSMS", mock.Anything, mock.MatchedBy(func(in sms.SendInput) bool {
		return in.To == "+15551230001" && in.PatientID == "pat-1" && in.Body != "" && in.TrackAs == "default-test-workflow-id"
	})).Return(sms.SendResult{SID: "SM1", Status: "queued"}, nil).Once()
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(notifications.DeliveryStatusSignalName, notifications.DeliveryStatus{SID: "SM1", Status: "sent"})
		s.env.SignalWorkflow(notifications.DeliveryStatusSignalName, notifications.DeliveryStatus{SID: "SM1", Status: "delivered"})
	}, time.Minute)
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	st := s.result()
	s.Equal(notifications.StatusDelivered, st.Status)
	s.Equal("sms", st.Channel)
	s.Require().Len(st.Attempts, 1)
	s.Equal("delivered", st.Attempts[0].Status)
	s.Equal("SM1", st.Attempts[0].Ref)
	// A new notification records its baseline's version marker and asks nothing else.
	s.Equal([]string{notifications.Baseline.ID}, *asked)
}

// An undelivered text falls back to email.
func (s *wfSuite) TestUndeliveredFallsBackToEmail() {
	s.recipient(notifyact.Recipient{Mobile: "+15551230001", Email: "ada@example.org", FirstName: "Ada"})
	s.slotGranted()
	s.env.OnActivity("SendSMS", mock.Anything, mock.Anything).Return(sms.SendResult{SID: "SM1", Status: "queued"}, nil).Once()
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.MatchedBy(func(in emailact.SendInput) bool {
		return in.To == "ada@example.org" && in.Subject == "A message from your clinic"
	})).Return(emailact.SendResult{MessageID: "m1", Status: "accepted"}, nil).Once()
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(notifications.DeliveryStatusSignalName, notifications.DeliveryStatus{SID: "SM1", Status: "undelivered"})
	}, time.Minute)
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	st := s.result()
	s.Equal(notifications.StatusDelivered, st.Status)
	s.Equal("email", st.Channel)
	s.Require().Len(st.Attempts, 2)
	s.Equal("undelivered", st.Attempts[0].Status)
	s.Equal("accepted", st.Attempts[1].Status)
}

// An opted-out number (refused by the SMS activity) falls back to email; without email the
// process reports "not notified: opted out" and completes.
func (s *wfSuite) TestOptedOutFallsBackOrReports() {
	s.recipient(notifyact.Recipient{Mobile: "+15551230001", FirstName: "Ada"})
	s.slotGranted()
	s.env.OnActivity("SendSMS", mock.Anything, mock.Anything).Return(sms.SendResult{},
		temporal.NewNonRetryableApplicationError(sms.NotNotifiedOptedOut, sms.ErrTypeOptedOut, nil)).Once()
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	st := s.result()
	s.Equal(notifications.StatusNotNotified, st.Status)
	s.Equal(notifications.NotNotifiedOptedOut, st.NotNotified)
}

func (s *wfSuite) TestNoMobileGoesByEmail() {
	s.recipient(notifyact.Recipient{Email: "ada@example.org", FirstName: "Ada", MobileOptedOut: false})
	s.slotGranted()
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(emailact.SendResult{MessageID: "m1", Status: "accepted"}, nil).Once()
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	st := s.result()
	s.Equal("email", st.Channel)
	s.Equal(notifications.StatusDelivered, st.Status)
}

func (s *wfSuite) TestNoContactRecorded() {
	s.recipient(notifyact.Recipient{FirstName: "Ada"})
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	st := s.result()
	s.Equal(notifications.NotNotifiedNoContact, st.NotNotified)
	s.Empty(st.Attempts)
}

func (s *wfSuite) TestPreferencesOrderAndRefusal() {
	// The patient prefers email and refuses SMS; the opted-out channel is never tried.
	s.recipient(notifyact.Recipient{Mobile: "+15551230001", Email: "ada@example.org", Channels: []string{"email", "sms"},
		OptedOut: []string{"email"}})
	s.slotGranted()
	s.env.OnActivity("SendSMS", mock.Anything, mock.Anything).Return(sms.SendResult{SID: "SM1", Status: "queued"}, nil).Once()
	in := input()
	in.DeliveryWait = 10 * time.Minute
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	st := s.result()
	s.Equal(notifications.StatusSent, st.Status, "no final status within DeliveryWait: counted as sent")
	s.Equal("sms", st.Channel)
}

// Quiet hours 13:00-15:00 in New York at 14:00 local: deferred to 15:00 by a durable timer.
func (s *wfSuite) TestQuietHoursDeferToTheirEnd() {
	s.recipient(notifyact.Recipient{Email: "ada@example.org",
		QuietHours: &audit.QuietHours{Start: "13:00", End: "15:00", TimeZone: "America/New_York"}})
	var sentAt time.Time
	s.env.OnActivity(notifyact.ReserveSlotName, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in notifyact.SlotInput) (notifyact.Slot, error) {
			sentAt = in.At
			return notifyact.Slot{Granted: true}, nil
		}).Once()
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(emailact.SendResult{Status: "accepted"}, nil).Once()
	var deferred notifications.State
	s.env.RegisterDelayedCallback(func() {
		v, err := s.env.QueryWorkflow(notifications.StatusQuery)
		s.Require().NoError(err)
		s.Require().NoError(v.Get(&deferred))
	}, 10*time.Minute)
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	s.Equal(notifications.StatusDelivered, s.result().Status)
	s.Equal(notifications.StatusDeferred, deferred.Status)
	s.True(deferred.DeferredTo.Equal(start.Add(time.Hour)), "deferred to %v", deferred.DeferredTo)
	s.True(sentAt.Equal(start.Add(time.Hour)), "sent at %v", sentAt)
}

func (s *wfSuite) TestCriticalIgnoresQuietHoursAndRateLimit() {
	s.recipient(notifyact.Recipient{Email: "ada@example.org",
		QuietHours: &audit.QuietHours{Start: "13:00", End: "15:00", TimeZone: "America/New_York"}})
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(emailact.SendResult{Status: "accepted"}, nil).Once()
	in := input()
	in.Critical = true
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	s.Equal(notifications.StatusDelivered, s.result().Status)
	s.Equal(start, s.env.Now().UTC(), "no timer ran")
}

// A full rate-limit window defers the send to the next window.
func (s *wfSuite) TestRateLimitDefersToNextWindow() {
	s.recipient(notifyact.Recipient{Email: "ada@example.org"})
	next := start.Add(time.Hour)
	s.env.OnActivity(notifyact.ReserveSlotName, mock.Anything, mock.MatchedBy(func(in notifyact.SlotInput) bool {
		return in.At.Equal(start) && in.Limit == 0 && in.Window == 0 // the engine's configured limit
	})).Return(notifyact.Slot{RetryAt: next}, nil).Once()
	s.env.OnActivity(notifyact.ReserveSlotName, mock.Anything, mock.MatchedBy(func(in notifyact.SlotInput) bool {
		return in.At.Equal(next)
	})).Return(notifyact.Slot{Granted: true}, nil).Once()
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(emailact.SendResult{Status: "accepted"}, nil).Once()
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	s.Equal(notifications.StatusDelivered, s.result().Status)
}

// SendAt schedules the notification with a durable timer; the chart is read when it fires.
func (s *wfSuite) TestScheduled() {
	sendAt := start.Add(24 * time.Hour)
	s.recipient(notifyact.Recipient{Email: "ada@example.org"})
	var before notifications.State
	s.env.RegisterDelayedCallback(func() {
		v, err := s.env.QueryWorkflow(notifications.StatusQuery)
		s.Require().NoError(err)
		s.Require().NoError(v.Get(&before))
	}, time.Hour)
	s.slotGranted()
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(emailact.SendResult{Status: "accepted"}, nil).Once()
	in := input()
	in.SendAt = sendAt
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	s.Equal(notifications.StatusDelivered, s.result().Status)
	s.Equal(notifications.StatusScheduled, before.Status, "waiting for SendAt an hour in")
	s.True(before.DeferredTo.Equal(sendAt))
	s.False(s.env.Now().Before(sendAt), "sent at %v, not before %v", s.env.Now(), sendAt)
}

func (s *wfSuite) TestRejectsPagesAndBadInput() {
	in := input()
	in.Scenario = templates.CriticalPage
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	s.Error(s.env.GetWorkflowError())
}

// A check-in confirmation (the check-in's child) renders the scenario's template in the
// patient's language with the time of At in its own offset, and nothing else of the chart.
func (s *wfSuite) TestCheckInConfirmationText() {
	s.recipient(notifyact.Recipient{Mobile: "+15551230001", FirstName: "Ada", Language: "es-US"})
	s.slotGranted()
	var body string
	s.env.OnActivity("SendSMS", mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.SendInput) (sms.SendResult, error) {
		body = in.Body
		return sms.SendResult{SID: "SM1", Status: "queued"}, nil
	}).Once()
	in := input()
	in.Scenario, in.At, in.DeliveryWait = templates.CheckInConfirmation, "2026-11-23T14:30:00Z", time.Minute
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	s.Equal(notifications.StatusSent, s.result().Status)
	s.Equal("Hola, Ada: su llegada para la cita de las 2:30 p. m. quedó registrada. Por favor, tome asiento; le llamaremos en breve.", body)
}

// Quiet hours that would hold a notification past ExpiresAt end it unsent: "expired".
func (s *wfSuite) TestExpiresInQuietHours() {
	s.recipient(notifyact.Recipient{Email: "ada@example.org",
		QuietHours: &audit.QuietHours{Start: "13:00", End: "15:00", TimeZone: "America/New_York"}})
	in := input()
	in.ExpiresAt = start.Add(30 * time.Minute)
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	st := s.result()
	s.Equal(notifications.StatusNotNotified, st.Status)
	s.Equal(notifications.NotNotifiedExpired, st.NotNotified)
	s.Empty(st.Attempts)
	s.Equal(start, s.env.Now().UTC(), "no timer ran")
}

// A full rate-limit window past ExpiresAt expires the notification too; within it, it waits.
func (s *wfSuite) TestExpiresInRateLimit() {
	s.recipient(notifyact.Recipient{Email: "ada@example.org"})
	s.env.OnActivity(notifyact.ReserveSlotName, mock.Anything, mock.Anything).Return(notifyact.Slot{RetryAt: start.Add(time.Hour)}, nil).Once()
	in := input()
	in.ExpiresAt = start.Add(59 * time.Minute)
	s.env.ExecuteWorkflow(notifications.WorkflowName, in)
	s.Equal(notifications.NotNotifiedExpired, s.result().NotNotified)
}

// Sends run on the vendor accounts' own task queues, whose workers carry the accounts' rate
// limits; notifications begun before that change send on the workflow's queue.
func (s *wfSuite) TestSendsOnTheAccountQueues() {
	s.recipient(notifyact.Recipient{Mobile: "+15551230001", Email: "ada@example.org", FirstName: "Ada"})
	s.slotGranted()
	var queues []string
	s.env.OnActivity("SendSMS", mock.Anything, mock.Anything).Return(func(ctx context.Context, _ sms.SendInput) (sms.SendResult, error) {
		queues = append(queues, activity.GetInfo(ctx).TaskQueue)
		return sms.SendResult{}, temporal.NewNonRetryableApplicationError("refused", sms.ErrTypeInvalidRecipient, nil)
	}).Once()
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(func(ctx context.Context, _ emailact.SendInput) (emailact.SendResult, error) {
		queues = append(queues, activity.GetInfo(ctx).TaskQueue)
		return emailact.SendResult{Status: "accepted"}, nil
	}).Once()
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	s.Equal(notifications.StatusDelivered, s.result().Status)
	s.Equal([]string{notifications.SMSSendTaskQueue, notifications.EmailSendTaskQueue}, queues)
}

func (s *wfSuite) TestSendsBeforeTheAccountQueuesStayOnTheirQueue() {
	s.env.OnGetVersion(notifications.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	s.env.OnGetVersion(notifications.ChangeAccountRate, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	s.recipient(notifyact.Recipient{Email: "ada@example.org", FirstName: "Ada"})
	s.slotGranted()
	var queue string
	s.env.OnActivity(emailact.SendEmailName, mock.Anything, mock.Anything).Return(func(ctx context.Context, _ emailact.SendInput) (emailact.SendResult, error) {
		queue = activity.GetInfo(ctx).TaskQueue
		return emailact.SendResult{Status: "accepted"}, nil
	}).Once()
	s.env.ExecuteWorkflow(notifications.WorkflowName, input())
	s.Equal(notifications.StatusDelivered, s.result().Status)
	s.NotEqual(notifications.EmailSendTaskQueue, queue)
	s.NotEmpty(queue)
}
