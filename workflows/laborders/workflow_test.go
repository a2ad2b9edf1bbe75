package laborders_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/notifications"
)

const placer = "LAB1001"

var wfID = laborders.WorkflowID(placer)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID, TaskQueue: laborders.TaskQueue})
	laborders.Register(env)
	wftest.Stub[lis.SendOrderInput, lis.SendOrderResult](env, lis.SendOrderName)
	wftest.Stub[ehr.PatientContactInput, ehr.PatientContact](env, ehr.PatientContactName)
	wftest.Stub[ehr.WriteLabResultsInput, ehr.WriteLabResultsResult](env, ehr.WriteLabResultsName)
	wftest.Stub[sms.SendInput, sms.SendResult](env, sms.SendSMSName)
	wftest.Stub[sms.PageInput, sms.SendResult](env, sms.PageName)
	wftest.StubNoResult[records.RecordInput](env, records.RecordName)
	// The patient's notice is a child notification: a stand-in that records what it was
	// asked and ends, after noticeDelay, in noticeResult.
	notices, noticeResult, noticeDelay = nil, notifications.State{Status: notifications.StatusDelivered, Channel: "sms"}, 0
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in notifications.Input) (notifications.State, error) {
		notices = append(notices, in)
		if err := workflow.Sleep(ctx, noticeDelay); err != nil {
			return notifications.State{}, err
		}
		return noticeResult, nil
	}, workflow.RegisterOptions{Name: notifications.WorkflowName})
	return env
}

// The stand-in notification child's record and answer (tests run one at a time).
var (
	notices      []notifications.Input
	noticeResult notifications.State
	noticeDelay  time.Duration
)

func input() laborders.Input {
	return laborders.Input{
		PlacerOrderNumber: placer, PatientRef: "pat-1001", OrderingProviderID: "1234567893",
		OrderingProvider: laborders.Contact{Role: "ordering-provider", Name: "Dr A", Phone: "+15550000001"},
		EscalationChain:  []laborders.Contact{{Role: "charge-nurse", Phone: "+15550000002"}, {Role: "on-call", Phone: "+15550000003"}},
		Tests:            []string{"2823-3", "2345-7"}, NotifyPatient: true,
		AckTimeoutSeconds: 900, ResultDeadlineSeconds: 72 * 3600, CorrectionsWindowSeconds: 3600,
	}
}

func num(v float64) *float64 { return &v }

func oru(id, at, status string, obs ...laborders.ResultObservation) laborders.ResultSignal {
	return laborders.ResultSignal{MessageControlID: id, MessageTime: at, ReportStatus: status, Observations: obs}
}

func potassium(value float64, flag, status string) laborders.ResultObservation {
	o := laborders.ResultObservation{Code: "2823-3", Name: "Potassium", Value: formatNum(value), Number: num(value),
		Units: "mmol/L", ReferenceRange: "3.5-5.1", Status: status}
	if flag != "" {
		o.Flags = []string{flag}
	}
	return o
}

func glucose(value float64, status string) laborders.ResultObservation {
	return laborders.ResultObservation{Code: "2345-7", Name: "Glucose", Value: formatNum(value), Number: num(value), Units: "mg/dL", Status: status}
}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func signal(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, after)
}

func expectOrder(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(lis.SendOrderName, mock.Anything, mock.MatchedBy(func(in lis.SendOrderInput) bool {
		return in.PlacerOrderNumber == placer && in.PatientRef == "pat-1001" && len(in.Tests) == 2 && len(in.ControlID) == 20
	})).Return(lis.SendOrderResult{AckCode: "AA"}, nil).Once()
}

func final(t *testing.T, env *testsuite.TestWorkflowEnvironment) laborders.State {
	t.Helper()
	return wftest.Result[laborders.State](t, env)
}

func TestNormalResultsAreFiledAndPatientTold(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	var filed ehr.WriteLabResultsInput
	env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(func(_ context.Context, in ehr.WriteLabResultsInput) (ehr.WriteLabResultsResult, error) {
		filed = in
		return ehr.WriteLabResultsResult{DiagnosticReportID: "dr-1"}, nil
	}).Once()
	// Preliminary, then final, then the same final again (a resend): one effect each.
	signal(env, time.Hour, laborders.ResultSignalName, oru("M1", "20261123090000", "P", potassium(4.2, "", "P"), glucose(90, "P")))
	signal(env, 2*time.Hour, laborders.ResultSignalName, oru("M2", "20261123100000", "F", potassium(4.3, "N", "F"), glucose(91, "F")))
	signal(env, 2*time.Hour+time.Minute, laborders.ResultSignalName, oru("M2", "20261123100000", "F", potassium(4.3, "N", "F"), glucose(91, "F")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Equal(t, laborders.StatusFinal, s.Status)
	require.Equal(t, 2, s.MessagesReceived)
	require.Equal(t, 1, s.DuplicatesIgnored)
	require.Len(t, s.Results, 2)
	require.Equal(t, "4.3", s.Results[0].Value)
	require.Equal(t, "dr-1", s.DiagnosticReportID)
	require.True(t, s.PatientNotified)
	require.Equal(t, &notifications.Outcome{NotificationID: "laborder." + placer, Status: notifications.StatusDelivered, Channel: "sms"},
		s.PatientNotification)
	require.Equal(t, laborders.EscalationNone, s.Escalation.State)
	require.Len(t, filed.Results, 2)
	// One notice, through the notifications process, carrying ids only: the process reads
	// the contact points, preferences and opt-outs itself, and the template has no result.
	require.Equal(t, []notifications.Input{{NotificationID: "laborder." + placer, PatientID: "pat-1001",
		Scenario: templates.ResultsAvailable}}, notices)
	env.AssertExpectations(t)
}

// An opted-out patient (or one without a current mobile or email) is recorded as such, not as
// notified and not as a failure of the order.
func TestPatientNoticeOutcomeRecorded(t *testing.T) {
	env := newEnv(t)
	asked := baselinetest.Asked(env)
	expectOrder(env)
	noticeResult = notifications.State{Status: notifications.StatusNotNotified, NotNotified: notifications.NotNotifiedOptedOut}
	env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(ehr.WriteLabResultsResult{DiagnosticReportID: "dr-1"}, nil).Once()
	signal(env, time.Hour, laborders.ResultSignalName, oru("M2", "20261123100000", "F", potassium(4.3, "N", "F"), glucose(91, "F")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Equal(t, laborders.StatusFinal, s.Status)
	require.False(t, s.PatientNotified)
	require.Equal(t, notifications.NotNotifiedOptedOut, s.PatientNotification.NotNotified)
	require.Empty(t, s.FailureCode)
	// A new order records its baseline's version marker and asks nothing else.
	require.Equal(t, []string{laborders.Baseline.ID}, *asked)
	env.AssertExpectations(t)
}

// A notice deferred for hours (quiet hours) holds up neither refiling nor anything else; the
// order closes once the notice has its outcome.
func TestPatientNoticeDoesNotBlockRefiling(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	noticeDelay = 10 * time.Hour
	var f filings
	f.expect(env, 0)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F")))
	var during laborders.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(laborders.StatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
	}, 50*time.Minute)
	signal(env, 40*time.Minute, laborders.ResultSignalName, oru("M2", "20261123094000", "C", potassium(4.4, "N", "C")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Equal(t, notifications.StatusSending, during.PatientNotification.Status)
	require.Greater(t, during.ResultsVersion, 1)
	require.Equal(t, during.ResultsVersion, during.FiledVersion, "the correction was filed while the notice waited")
	require.Len(t, f.all, 2)
	require.True(t, s.PatientNotified)
	require.Len(t, notices, 1, "a refiled report does not notify again")
}

// TestPatientToldInPreferredLanguage: a patient whose chart prefers Spanish gets the Spanish
// "results available" text, with the first name and no result.
// It runs the path of orders begun before laborders.ChangeNotifyPatient, which text by themselves.
func TestPatientToldInPreferredLanguage(t *testing.T) {
	env := newEnv(t)
	env.OnGetVersion(laborders.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnGetVersion(laborders.ChangeNotifyPatient, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	expectOrder(env)
	env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(ehr.WriteLabResultsResult{DiagnosticReportID: "dr-1"}, nil).Once()
	env.OnActivity(ehr.PatientContactName, mock.Anything, ehr.PatientContactInput{PatientID: "pat-1001"}).
		Return(ehr.PatientContact{FirstName: "Ada", Mobile: "+15559990000", Language: "es"}, nil).Once()
	var text string
	env.OnActivity(sms.SendSMSName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.SendInput) (sms.SendResult, error) {
		text = in.Body
		return sms.SendResult{SID: "SM1"}, nil
	}).Once()
	signal(env, time.Hour, laborders.ResultSignalName, oru("M2", "20261123100000", "F", potassium(4.3, "N", "F"), glucose(91, "F")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.True(t, s.PatientNotified)
	require.Equal(t, "Hola, Ada: sus resultados de laboratorio están disponibles. Consulte su portal del paciente o llame a la clínica.", text)
	require.NotContains(t, text, "4.3")
	env.AssertExpectations(t)
}

func TestCriticalValueEscalatesUntilAcknowledged(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	var paged []string
	env.OnActivity(sms.PageName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.PageInput) (sms.SendResult, error) {
		paged = append(paged, in.Role)
		if len(in.Code) != 6 || !strings.Contains(in.Body, placer) || strings.Contains(in.Body, "6.8") {
			return sms.SendResult{}, temporal.NewNonRetryableApplicationError("bad page", "BadPage", nil)
		}
		return sms.SendResult{SID: "SM" + in.Role}, nil
	})
	env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(ehr.WriteLabResultsResult{DiagnosticReportID: "dr-2"}, nil).Once()
	env.OnActivity(records.RecordName, mock.Anything, mock.MatchedBy(func(in records.RecordInput) bool {
		return in.Action == "lab.acknowledge" && in.Actor == "api:dr.b" && in.LatencyMS == (20*time.Minute).Milliseconds()
	})).Return(nil).Once()
	signal(env, time.Hour, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
	// Nobody answers the ordering provider for 15 minutes; the charge nurse is paged; a
	// clinician acknowledges through the API five minutes later.
	var ack laborders.State
	var ackErr error
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { ackErr = err },
			OnComplete: func(v any, err error) {
				ackErr = err
				if s, ok := v.(laborders.State); ok {
					ack = s
				}
			},
		}, laborders.AcknowledgeUpdate{By: "dr.b"})
	}, time.Hour+20*time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.NoError(t, ackErr)
	require.Equal(t, laborders.EscalationAcknowledged, ack.Escalation.State)
	require.Equal(t, []string{"ordering-provider", "charge-nurse"}, paged)
	require.True(t, s.Critical)
	require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
	require.Equal(t, "dr.b", s.Escalation.AcknowledgedBy)
	require.EqualValues(t, 20*60, s.Escalation.AckSeconds)
	require.False(t, s.PatientNotified, "critical results are not announced to the patient by SMS")
	require.Empty(t, notices, "nor by any other channel: the clinician calls")
	env.AssertExpectations(t)
}

func TestSMSReplyWithCodeAcknowledges(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	var code string
	env.OnActivity(sms.PageName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.PageInput) (sms.SendResult, error) {
		code = in.Code
		return sms.SendResult{SID: "SM1"}, nil
	})
	env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(ehr.WriteLabResultsResult{DiagnosticReportID: "dr"}, nil)
	env.OnActivity(records.RecordName, mock.Anything, mock.Anything).Return(nil)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "1", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(laborders.PageReplySignalName, laborders.PageReply{From: "+15559999999", Code: code}) // not a paged number
		env.SignalWorkflow(laborders.PageReplySignalName, laborders.PageReply{From: "+15550000001", Code: "000000"})
		env.SignalWorkflow(laborders.PageReplySignalName, laborders.PageReply{From: "+15550000001", Code: code})
	}, 5*time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, input())
	s := final(t, env)
	require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
	require.Equal(t, "ordering-provider", s.Escalation.AcknowledgedBy)
	require.Equal(t, "sms", s.Escalation.Channel)
	require.Len(t, s.Escalation.Pages, 1)
}

func TestThresholdCriticalUnacknowledgedThenClearedByCorrection(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	in := input()
	in.CriticalThresholds = map[string]laborders.Threshold{"2345-7": {High: num(400)}}
	in.EscalationChain = nil
	pages := 0
	env.OnActivity(sms.PageName, mock.Anything, mock.Anything).Return(func(context.Context, sms.PageInput) (sms.SendResult, error) {
		pages++
		return sms.SendResult{}, nil
	})
	writes := 0
	env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(func(_ context.Context, w ehr.WriteLabResultsInput) (ehr.WriteLabResultsResult, error) {
		writes++
		return ehr.WriteLabResultsResult{DiagnosticReportID: "dr"}, nil
	})
	var recorded []string
	env.OnActivity(records.RecordName, mock.Anything, mock.Anything).Return(func(_ context.Context, r records.RecordInput) error {
		recorded = append(recorded, r.Action+":"+r.Code)
		return nil
	})
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.0, "", "F"), glucose(450, "F")))
	// The only contact does not answer: after one ack timeout the order is unacknowledged and
	// the contact is paged again; a corrected glucose then clears the critical value.
	signal(env, 30*time.Minute, laborders.ResultSignalName, oru("M2", "20261123093000", "C", glucose(150, "C")))
	env.ExecuteWorkflow(laborders.LabOrder, in)

	s := final(t, env)
	require.True(t, s.Critical, "glucose above the configured threshold is critical without an HH flag")
	require.Equal(t, laborders.EscalationCleared, s.Escalation.State, "a correction to normal stops the paging")
	require.False(t, s.Unacknowledged)
	require.Equal(t, 2, pages, "paged, then paged again after the chain ended, then stopped")
	require.Contains(t, recorded, "lab.escalation:unacknowledged")
	require.Contains(t, recorded, "lab.escalation:cleared")
	require.Equal(t, laborders.StatusCorrected, s.Status)
	require.Len(t, s.Corrections, 1)
	require.Equal(t, "450", s.Corrections[0].OldValue)
	require.Equal(t, "150", s.Corrections[0].NewValue)
	require.Equal(t, 2, writes, "filed once, refiled after the correction")
}

func TestRejectedOrderAndOverdue(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(lis.SendOrderName, mock.Anything, mock.Anything).
		Return(lis.SendOrderResult{}, temporal.NewNonRetryableApplicationError("unknown test code", lis.ErrTypeOrderRejected, nil)).Once()
	env.ExecuteWorkflow(laborders.LabOrder, input())
	s := final(t, env)
	require.Equal(t, laborders.StatusRejected, s.Status)
	require.Equal(t, "unknown test code", s.OrderRejection)

	env = newEnv(t)
	expectOrder(env)
	var overdueText string
	env.OnActivity(sms.SendSMSName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.SendInput) (sms.SendResult, error) {
		overdueText = in.Body
		return sms.SendResult{}, nil
	}).Once()
	env.ExecuteWorkflow(laborders.LabOrder, input())
	s = final(t, env)
	require.True(t, s.Overdue)
	require.Equal(t, laborders.StatusOverdue, s.Status)
	require.Contains(t, overdueText, placer)
}
