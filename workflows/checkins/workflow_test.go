package checkins_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
	"github.com/careflow/engine/workflows/notifications"
	"github.com/careflow/engine/workflows/payments"
)

const apptID = "appt-1001"

var wfID = checkins.WorkflowID(apptID)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID, TaskQueue: checkins.TaskQueue})
	checkins.Register(env)
	wftest.Stub[ehr.LoadCheckInInput, ehr.CheckInContext](env, ehr.LoadCheckInName)
	wftest.Stub[ehr.MarkArrivedInput, ehr.MarkArrivedResult](env, ehr.MarkArrivedName)
	wftest.Stub[ehr.CreateEncounterInput, ehr.CreateEncounterResult](env, ehr.CreateEncounterName)
	wftest.Stub[eligibility.CheckInput, eligibility.CheckResult](env, eligibility.CheckEligibilityName)
	wftest.Stub[sms.SendInput, sms.SendResult](env, sms.SendSMSName)
	// The copay child is a stand-in registered under the payments contract name.
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in payments.Input) (payments.State, error) {
		return payments.State{PaymentID: in.PaymentID, Status: payments.StatusCaptured, CapturedAmount: in.Amount}, nil
	}, workflow.RegisterOptions{Name: payments.WorkflowName})
	return env
}

func ehrContext(withCoverage bool) ehr.CheckInContext {
	c := ehr.CheckInContext{AppointmentID: apptID, AppointmentStatus: "booked", AppointmentStart: "2026-11-23T14:30:00Z",
		PatientID: "pat-1", PatientFirstName: "Ada", PatientMobile: "+15551230001"}
	if withCoverage {
		c.Coverage = &ehr.Coverage{CoverageID: "cov-1", MemberID: "ACTIVE001", PayerID: "PAYER1", PayerName: "Acme Health",
			SubscriberFirstName: "Ada", SubscriberLastName: "Lovelace", SubscriberBirthDate: "1980-01-02"}
	}
	return c
}

// arrivalOf matches the write-back of the appointment, which carries the window guard.
func arrivalOf(id string) any {
	return mock.MatchedBy(func(in ehr.MarkArrivedInput) bool { return in.AppointmentID == id && in.Guard != nil })
}

func input() checkins.Input {
	return checkins.Input{AppointmentID: apptID, CollectCopay: true, PaymentMethod: "pm_card_visa", NotifyPatient: true,
		ProviderNPI: "1234567893", ProviderName: "Clinic"}
}

func ptr[T any](v T) *T { return &v }

// verdictUpdate sends the verdict update at the given time and records its outcome.
type updateOutcome struct {
	done   bool
	err    error
	result any
}

func sendUpdate(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg any) *updateOutcome {
	out := &updateOutcome{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { out.done, out.err = true, err },
			OnComplete: func(v any, err error) {
				out.done, out.err, out.result = true, err, v
			},
		}, arg)
	}, after)
	return out
}

func final(t *testing.T, env *testsuite.TestWorkflowEnvironment) checkins.State {
	t.Helper()
	return wftest.Result[checkins.State](t, env)
}

func TestEligibleCheckInCollectsCopayAndTexts(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, ehr.LoadCheckInInput{AppointmentID: apptID}).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.MatchedBy(func(in eligibility.CheckInput) bool {
		return in.PayloadID == wfID+"/eligibility" && in.Subscriber.MemberID == "ACTIVE001" && in.PayerID == "PAYER1" &&
			in.ProviderNPI == "1234567893" && len(in.TraceNumber) > 0
	})).Return(eligibility.CheckResult{Active: true, PlanName: "Gold", CopayAmount: ptr(int64(2500))}, nil).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, arrivalOf(apptID)).Return(ehr.MarkArrivedResult{VersionID: "3"}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, ehr.CreateEncounterInput{AppointmentID: apptID, PatientID: "pat-1",
		IdempotencyKey: wfID + "/encounter"}).Return(ehr.CreateEncounterResult{EncounterID: "enc-1"}, nil).Once()
	asked := notifyStandIn(env, delivered())
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	s := final(t, env)
	require.True(t, v.done)
	require.NoError(t, v.err)
	resp := v.result.(checkins.VerdictResponse)
	require.Equal(t, checkins.VerdictEligible, resp.Verdict.Verdict)
	require.EqualValues(t, 2500, *resp.CopayAmount)
	require.Equal(t, 1, resp.Requests)
	require.Equal(t, checkins.StatusCompleted, s.Status)
	require.True(t, s.Arrived)
	require.Equal(t, "enc-1", s.EncounterID)
	require.NotNil(t, s.Copay)
	require.Equal(t, checkins.CopayPaymentID(apptID), s.Copay.PaymentID)
	require.EqualValues(t, 2500, s.Copay.Amount)
	require.True(t, s.Copay.Started)
	require.True(t, s.SMSSent)
	require.Equal(t, &notifications.Outcome{NotificationID: "checkin." + apptID, Status: notifications.StatusDelivered, Channel: "sms"},
		s.Notification)
	// The confirmation goes through the notifications process, which reads the chart's
	// contact points, preferences and opt-outs itself: only ids and the time are handed over.
	require.Len(t, *asked, 1)
	in := (*asked)[0]
	require.Equal(t, "checkin."+apptID, in.NotificationID)
	require.Equal(t, "pat-1", in.PatientID)
	require.Equal(t, templates.CheckInConfirmation, in.Scenario)
	require.Equal(t, "2026-11-23T14:30:00Z", in.At)
	require.False(t, in.Critical, "quiet hours and the rate limit apply")
	// Two hours after the notice is asked, which follows the arrival's 1 ms timer.
	require.WithinDuration(t, time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC), in.ExpiresAt.UTC(), time.Second)
	env.AssertExpectations(t)
}

func TestNoCoverageNeedsAttentionThenSelfPay(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(false), nil).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{VersionID: "2"}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "enc-2"}, nil).Once()
	notifyStandIn(env, delivered())
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	bad := sendUpdate(env, time.Minute, checkins.SelfPayUpdateName, checkins.SelfPayUpdate{Amount: 0, PaymentMethod: "pm_card_visa"})
	ok := sendUpdate(env, 2*time.Minute, checkins.SelfPayUpdateName, checkins.SelfPayUpdate{Amount: 8000, PaymentMethod: "pm_card_mastercard"})
	again := sendUpdate(env, 2*time.Minute, checkins.OverrideUpdateName, checkins.OverrideUpdate{Reason: "late"})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	s := final(t, env)
	resp := v.result.(checkins.VerdictResponse)
	require.Equal(t, checkins.VerdictNeedsAttention, resp.Verdict.Verdict)
	require.Equal(t, []string{"no coverage on file"}, resp.Reasons)
	require.Error(t, bad.err, "zero self-pay is rejected by the validator")
	require.NoError(t, ok.err)
	require.True(t, again.done)
	require.Error(t, again.err, "a resolved check-in refuses a second resolution")
	require.Equal(t, "self-pay", s.Resolution)
	require.Equal(t, checkins.StatusCompleted, s.Status)
	require.EqualValues(t, 8000, s.Copay.Amount)
	require.Equal(t, "self-pay", s.Copay.Source)
	env.AssertExpectations(t)
}

func TestInactiveCoverageNoChargeAndTimesOut(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).Return(eligibility.CheckResult{Active: false}, nil).Once()
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	in := input()
	in.AttentionTimeoutSeconds = 600
	env.ExecuteWorkflow(checkins.CheckIn, in)

	s := final(t, env)
	require.Equal(t, checkins.VerdictInactive, v.result.(checkins.VerdictResponse).Verdict.Verdict)
	require.Equal(t, checkins.StatusNeedsAttention, s.Status)
	require.Nil(t, s.Copay, "no copay charge for inactive coverage")
	require.False(t, s.Arrived)
	env.AssertExpectations(t)
}

func TestPayerRejectionAndMalformedResponse(t *testing.T) {
	for name, tc := range map[string]struct {
		res    eligibility.CheckResult
		err    error
		reason string
	}{
		"aaa": {res: eligibility.CheckResult{Rejections: []eligibility.Rejection{{Loop: "2100C", Code: "75", Meaning: "Subscriber/Insured Not Found"}}},
			reason: "payer rejection 75: Subscriber/Insured Not Found"},
		"malformed": {err: temporal.NewNonRetryableApplicationError("bad 271", eligibility.ErrTypeMalformed, nil,
			eligibility.MalformedDetail{Reason: "segment 3: missing ST", Raw: []byte("ISA*garbage")}),
			reason: "the payer's response could not be read: segment 3: missing ST"},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
			env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).Return(tc.res, tc.err).Once()
			env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{}, nil).Once()
			env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
			notifyStandIn(env, delivered())
			v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
			o := sendUpdate(env, time.Hour, checkins.OverrideUpdateName, checkins.OverrideUpdate{Reason: "verified by phone"})
			env.ExecuteWorkflow(checkins.CheckIn, input())

			s := final(t, env)
			resp := v.result.(checkins.VerdictResponse)
			require.Equal(t, checkins.VerdictNeedsAttention, resp.Verdict.Verdict)
			require.Equal(t, []string{tc.reason}, resp.Reasons)
			require.NoError(t, o.err)
			require.Equal(t, "override", s.Resolution)
			require.Nil(t, s.Copay, "an override without a copay amount charges nothing")
			env.AssertExpectations(t)
		})
	}
}

func TestSlowPayerAnswersPendingThenNeedsAttention(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
		Return(eligibility.CheckResult{}, temporal.NewApplicationError("payer timeout", "ClearinghouseUnavailable"))
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	later := sendUpdate(env, 10*time.Minute, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	in := input()
	in.PayerWindowSeconds = 60
	in.AttentionTimeoutSeconds = 3600
	env.ExecuteWorkflow(checkins.CheckIn, in)

	s := final(t, env)
	require.Equal(t, checkins.VerdictPending, v.result.(checkins.VerdictResponse).Verdict.Verdict)
	lr := later.result.(checkins.VerdictResponse)
	require.Equal(t, checkins.VerdictNeedsAttention, lr.Verdict.Verdict)
	require.Equal(t, []string{"the payer did not answer within 1m0s"}, lr.Reasons)
	require.Equal(t, 2, lr.Requests)
	require.Equal(t, checkins.StatusNeedsAttention, s.Status)
}

func TestUnknownAppointmentFailsVerdict(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).
		Return(ehr.CheckInContext{}, temporal.NewNonRetryableApplicationError("no such appointment", ehr.ErrTypeNotFound, nil)).Once()
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	s := final(t, env)
	require.Error(t, v.err)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, v.err, &appErr)
	require.Equal(t, checkins.ErrTypeNotFound, appErr.Type())
	require.Equal(t, checkins.StatusFailed, s.Status)
	require.Equal(t, "not-found", s.FailureCode)
}

// TestCheckInTextInPatientsLanguage: a chart whose preferred language is Spanish gets the
// Spanish template, with the time in the Spanish style and still nothing but name and time.
// It runs the path of check-ins begun before the checkin-notify change, which text by themselves.
func TestCheckInTextInPatientsLanguage(t *testing.T) {
	env := newEnv(t)
	env.OnGetVersion(checkins.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnGetVersion("checkin-notify", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	c := ehrContext(true)
	c.PatientLanguage = "es-US"
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
		Return(eligibility.CheckResult{Active: true, PlanName: "Gold", CopayAmount: ptr(int64(2500))}, nil).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{VersionID: "3"}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "enc-1"}, nil).Once()
	var text string
	env.OnActivity(sms.SendSMSName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.SendInput) (sms.SendResult, error) {
		text = in.Body
		return sms.SendResult{SID: "SM1", Status: "queued"}, nil
	}).Once()
	sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	s := final(t, env)
	require.True(t, s.SMSSent)
	require.Equal(t, "Hola, Ada: su llegada para la cita de las 2:30 p. m. quedó registrada. Por favor, tome asiento; le llamaremos en breve.", text)
	require.NotContains(t, text, "Lovelace")
	env.AssertExpectations(t)
}

// notifyStandIn registers a stand-in for the notification child that ends in st, and returns
// the inputs it was started with.
func notifyStandIn(env *testsuite.TestWorkflowEnvironment, st notifications.State) *[]notifications.Input {
	var got []notifications.Input
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in notifications.Input) (notifications.State, error) {
		got = append(got, in)
		return st, nil
	}, workflow.RegisterOptions{Name: notifications.WorkflowName})
	return &got
}

func delivered() notifications.State {
	return notifications.State{Status: notifications.StatusDelivered, Channel: audit.ChannelSMS}
}

// The check-in records the notification's outcome as it is: an opted-out patient is "not
// notified: opted out" (not an SMS failure), a chart without a current mobile or email says so,
// and an email confirmation is no text.
func TestCheckInRecordsTheNotificationOutcome(t *testing.T) {
	for name, tc := range map[string]struct {
		st          notifications.State
		smsSent     bool
		notNotified string
	}{
		"opted out": {st: notifications.State{Status: notifications.StatusNotNotified, NotNotified: notifications.NotNotifiedOptedOut},
			notNotified: notifications.NotNotifiedOptedOut},
		"no contact": {st: notifications.State{Status: notifications.StatusNotNotified, NotNotified: notifications.NotNotifiedNoContact},
			notNotified: notifications.NotNotifiedNoContact},
		"email":     {st: notifications.State{Status: notifications.StatusDelivered, Channel: audit.ChannelEmail}},
		"sms":       {st: delivered(), smsSent: true},
		"sms, sent": {st: notifications.State{Status: notifications.StatusSent, Channel: audit.ChannelSMS}, smsSent: true},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(false), nil).Once()
			env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{}, nil).Once()
			env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
			notifyStandIn(env, tc.st)
			asked := baselinetest.Asked(env)
			sendUpdate(env, time.Minute, checkins.OverrideUpdateName, checkins.OverrideUpdate{Reason: "verified"})
			in := input()
			in.CollectCopay = false
			env.ExecuteWorkflow(checkins.CheckIn, in)

			s := final(t, env)
			require.Equal(t, checkins.StatusCompleted, s.Status)
			require.Equal(t, tc.smsSent, s.SMSSent)
			require.Equal(t, tc.notNotified, s.NotNotified)
			require.Empty(t, s.FailureCode, "an outcome of the notification is no failure of the check-in")
			require.NotNil(t, s.Notification)
			require.Equal(t, tc.st.Status, s.Notification.Status)
			// A new check-in records its baseline's version marker and asks nothing else.
			require.Equal(t, []string{checkins.Baseline.ID}, *asked)
		})
	}
}

// A notification workflow that fails (terminated, refused its input) is the check-in's
// failure code, and the patient counts as not notified.
func TestCheckInNotificationFailed(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(false), nil).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in notifications.Input) (notifications.State, error) {
		return notifications.State{}, temporal.NewNonRetryableApplicationError("bad input", "InvalidNotification", nil)
	}, workflow.RegisterOptions{Name: notifications.WorkflowName})
	sendUpdate(env, time.Minute, checkins.OverrideUpdateName, checkins.OverrideUpdate{Reason: "verified"})
	in := input()
	in.CollectCopay = false
	env.ExecuteWorkflow(checkins.CheckIn, in)
	s := final(t, env)
	require.Equal(t, checkins.StatusCompleted, s.Status)
	require.Equal(t, "notification-failed", s.FailureCode)
	require.Equal(t, notifications.NotNotifiedFailed, s.NotNotified)
	require.Equal(t, notifications.OutcomeFailed, s.Notification.Status)
	require.False(t, s.SMSSent)
}
