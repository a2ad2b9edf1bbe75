package laborders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/laborders"
)

// filings records every WriteLabResults input; the mock answers after delay (workflow time).
type filings struct {
	mu  sync.Mutex
	all []ehr.WriteLabResultsInput
}

func (f *filings) expect(env *testsuite.TestWorkflowEnvironment, delay time.Duration) {
	c := env.OnActivity(ehr.WriteLabResultsName, mock.Anything, mock.Anything).Return(func(_ context.Context, in ehr.WriteLabResultsInput) (ehr.WriteLabResultsResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.all = append(f.all, in)
		return ehr.WriteLabResultsResult{DiagnosticReportID: "dr-1"}, nil
	})
	if delay > 0 {
		c.After(delay)
	}
}

func (f *filings) last(t *testing.T) ehr.WriteLabResultsInput {
	t.Helper()
	require.NotEmpty(t, f.all, "nothing was filed")
	return f.all[len(f.all)-1]
}

func filedValue(in ehr.WriteLabResultsInput, code string) (ehr.LabResult, bool) {
	for _, r := range in.Results {
		if r.Code == code {
			return r, true
		}
	}
	return ehr.LabResult{}, false
}

func quietPatient(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(ehr.PatientContactName, mock.Anything, mock.Anything).Return(ehr.PatientContact{}, nil).Maybe()
	env.OnActivity(sms.SendSMSName, mock.Anything, mock.Anything).Return(sms.SendResult{}, nil).Maybe()
	env.OnActivity(records.RecordName, mock.Anything, mock.Anything).Return(nil).Maybe()
}

// Results for a two-test order in two messages an hour apart both reach the EHR.
func TestTwoTestsInTwoMessagesAnHourApartAreBothFiled(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	signal(env, time.Hour, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F")))
	signal(env, 2*time.Hour, laborders.ResultSignalName, oru("M2", "20261123100000", "F", glucose(91, "F")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	last := f.last(t)
	_, k := filedValue(last, "2823-3")
	_, g := filedValue(last, "2345-7")
	require.True(t, k && g, "both tests in the last filing: %+v", last.Results)
	require.False(t, last.Partial)
	require.Equal(t, laborders.StatusFinal, s.Status)
	require.Equal(t, s.ResultsVersion, s.FiledVersion)
	require.Equal(t, []string{"M1", "M2"}, s.MessageIDs, "the state names the messages that produced it")
}

// A correction that arrives while WriteLabResults is in flight is filed afterwards.
func TestCorrectionDuringSlowWriteIsFiled(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 10*time.Minute)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F")))
	// The first write takes ten minutes; the correction lands in the middle of it.
	signal(env, 5*time.Minute, laborders.ResultSignalName, oru("M2", "20261123090500", "C", glucose(99, "C")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.GreaterOrEqual(t, len(f.all), 2, "the correction is filed again")
	g, ok := filedValue(f.last(t), "2345-7")
	require.True(t, ok)
	require.Equal(t, "99", g.Value)
	require.Equal(t, "C", g.Status)
	require.True(t, f.last(t).Corrected)
	require.Equal(t, s.ResultsVersion, s.FiledVersion)
}

// OBX-11 W retracts a filed value: entered-in-error in the EHR, gone from the kept results,
// and the ordering provider is told.
func TestWrongPatientRetractsFiledValue(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	env.OnActivity(ehr.PatientContactName, mock.Anything, mock.Anything).Return(ehr.PatientContact{}, nil).Maybe()
	env.OnActivity(records.RecordName, mock.Anything, mock.Anything).Return(nil).Maybe()
	var texts []sms.SendInput
	env.OnActivity(sms.SendSMSName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.SendInput) (sms.SendResult, error) {
		texts = append(texts, in)
		return sms.SendResult{}, nil
	})
	var f filings
	f.expect(env, 0)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F")))
	signal(env, 20*time.Minute, laborders.ResultSignalName, oru("M2", "20261123092000", "W", potassium(4.2, "N", "W")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Len(t, f.all, 2)
	k, ok := filedValue(f.last(t), "2823-3")
	require.True(t, ok, "the retracted value is filed again")
	require.True(t, k.Retracted, "as entered-in-error")
	for _, r := range s.Results {
		require.NotEqual(t, "2823-3", r.Code, "the retracted value is not kept")
	}
	require.Len(t, s.Retractions, 1)
	require.Equal(t, "W", s.Retractions[0].Status)
	alerted := false
	for _, m := range texts {
		alerted = alerted || (m.To == "+15550000001" && strings.Contains(m.Body, placer) && !strings.Contains(m.Body, "4.2"))
	}
	require.True(t, alerted, "the ordering provider is alerted without the value")
}

// NTE after OBR and after OBX are kept and filed; X completes a test at once.
func TestNotesAreFiledAndCannotObtainCompletes(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	k := potassium(4.2, "N", "F")
	k.Notes = []string{"Critical value called & read back"}
	g := laborders.ResultObservation{Code: "2345-7", Name: "Glucose", Status: "X", Notes: []string{"Specimen hemolyzed"}}
	sig := oru("M1", "20261123090000", "F", k, g)
	sig.Reports = []laborders.ReportGroup{{Service: "2823-3", Status: "F", Notes: []string{"Redrawn at 08:10"}}}
	signal(env, time.Minute, laborders.ResultSignalName, sig)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Len(t, f.all, 1, "X counts as done: filed at once, not after the deadline")
	got, ok := filedValue(f.all[0], "2823-3")
	require.True(t, ok)
	require.Equal(t, []string{"Critical value called & read back"}, got.Notes)
	require.Equal(t, []string{"Redrawn at 08:10"}, f.all[0].Conclusion)
	require.Equal(t, []string{"Redrawn at 08:10"}, s.Notes)
	require.Less(t, env.Now().Sub(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)), 3*time.Hour)
}

// At the deadline what is there is filed as partial with the missing test named; the late
// test is filed again when it comes.
func TestPartialAtDeadlineNamesMissingTestAndLateTestRefiles(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	in := input()
	in.ResultDeadlineSeconds = 3600
	in.CorrectionsWindowSeconds = 4 * 3600
	var f filings
	f.expect(env, 0)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F")))
	var mid laborders.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(laborders.StatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 90*time.Minute)
	signal(env, 2*time.Hour, laborders.ResultSignalName, oru("M2", "20261123100000", "F", glucose(91, "F")))
	env.ExecuteWorkflow(laborders.LabOrder, in)

	s := final(t, env)
	require.Len(t, f.all, 2)
	require.True(t, f.all[0].Partial)
	require.Equal(t, []string{"2345-7"}, f.all[0].Missing)
	require.Equal(t, laborders.StatusPartial, mid.Status)
	require.Equal(t, []string{"2345-7"}, mid.MissingTests)
	require.False(t, f.all[1].Partial)
	require.Empty(t, s.MissingTests)
	require.Equal(t, laborders.StatusFinal, s.Status)
}

// pager records pages and answers each with an SID named after its index.
type pager struct {
	pages []sms.PageInput
	fail  map[string]bool
}

func (p *pager) expect(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(sms.PageName, mock.Anything, mock.Anything).Return(func(_ context.Context, in sms.PageInput) (sms.SendResult, error) {
		p.pages = append(p.pages, in)
		return sms.SendResult{SID: "SM" + in.Role + "-" + in.Code}, nil
	})
}

// Two critical results handled in one workflow task start one escalation: each contact is
// paged once, each page with its own code.
func TestTwoCriticalsInOneTaskPageOncePerContact(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	var p pager
	p.expect(env)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F")))
		env.SignalWorkflow(laborders.ResultSignalName, oru("M2", "20261123090001", "F", glucose(30, "F"), laborders.ResultObservation{
			Code: "2951-2", Value: "110", Flags: []string{"LL"}, Status: "F"}))
	}, time.Minute)
	// Acknowledged by the on-call (third contact) after both earlier pages timed out.
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: "dr.c"})
	}, time.Minute+40*time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	roles := []string{}
	codes := map[string]bool{}
	for _, pg := range p.pages {
		roles = append(roles, pg.Role)
		codes[pg.Code] = true
	}
	require.Equal(t, []string{"ordering-provider", "charge-nurse", "on-call"}, roles)
	require.Len(t, codes, 3, "each contact gets its own reply code")
	require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
}

// An undelivered status callback moves to the next contact at once, not after the ack timeout.
func TestUndeliveredPageMovesToNextContactAtOnce(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	var p pager
	p.expect(env)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
	env.RegisterDelayedCallback(func() {
		require.NotEmpty(t, p.pages)
		first := p.pages[0]
		env.SignalWorkflow(laborders.PageStatusSignalName, laborders.PageStatus{SID: "SM" + first.Role + "-" + first.Code, Status: "undelivered"})
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: "nurse"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.GreaterOrEqual(t, len(s.Escalation.Pages), 2)
	require.True(t, s.Escalation.Pages[0].Failed)
	require.Equal(t, "undelivered", s.Escalation.Pages[0].Status)
	require.Equal(t, "charge-nurse", s.Escalation.Pages[1].Role)
	require.Less(t, s.Escalation.Pages[1].SentAt.Sub(s.Escalation.Pages[0].SentAt), 2*time.Minute,
		"the next contact is paged when the callback arrives, not after the 15-minute timeout")
}

// After the chain the last contact keeps being paged and the order is flagged unacknowledged
// until someone acknowledges.
func TestChainNeverEndsSilent(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	var p pager
	p.expect(env)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
	var mid laborders.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(laborders.StatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 10*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: "dr.late"})
	}, 10*time.Hour+time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Equal(t, laborders.EscalationUnacknowledged, mid.Escalation.State)
	require.True(t, mid.Unacknowledged)
	// 3 contacts, then the on-call every 15 minutes for almost 10 hours.
	require.Greater(t, len(p.pages), 30, "paging never stops")
	for _, pg := range p.pages[3:] {
		require.Equal(t, "on-call", pg.Role)
	}
	require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
	require.False(t, s.Unacknowledged)
}

// A correction that turns another value critical after the first escalation was acknowledged
// pages again, with a new code.
func TestCorrectionToCriticalReescalates(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	var p pager
	p.expect(env)
	ack := func(at time.Duration, by string) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: by})
		}, at)
	}
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
	ack(5*time.Minute, "dr.a")
	low := glucose(30, "C")
	low.Flags = []string{"LL"}
	signal(env, 20*time.Minute, laborders.ResultSignalName, oru("M2", "20261123092000", "C", low))
	ack(25*time.Minute, "dr.b")
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Len(t, p.pages, 2, "one page for the first critical value, one for the corrected one")
	require.NotEqual(t, p.pages[0].Code, p.pages[1].Code)
	require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
	require.Equal(t, "dr.b", s.Escalation.AcknowledgedBy)
}

// A result whose PID-3 names another patient is refused by the update's validator and never
// filed.
func TestWrongPatientResultIsRefused(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(lis.SendOrderName, mock.Anything, mock.Anything).Return(lis.SendOrderResult{AckCode: "AA",
		Patient: []lis.PatientID{{ID: "MRN-1", Type: "MR"}, {ID: "pat-1001", Type: "PI"}}}, nil).Once()
	quietPatient(env)
	var rejected, accepted error
	wrong := oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F"))
	wrong.Patient = []laborders.PatientID{{ID: "MRN-2", Type: "MR"}}
	right := oru("M2", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F"))
	right.Patient = []laborders.PatientID{{ID: "MRN-1", Type: "MR"}}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.ResultUpdateName, "u1", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { rejected = err }, OnComplete: func(any, error) {}}, wrong)
	}, time.Minute)
	var f filings
	f.expect(env, 0)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.ResultUpdateName, "u2", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { accepted = err }, OnComplete: func(any, error) {}}, right)
	}, 2*time.Hour)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.Error(t, rejected)
	require.Contains(t, rejected.Error(), "PID-3")
	require.NoError(t, accepted)
	require.Equal(t, []string{"M2"}, s.MessageIDs, "the refused message never entered the order")
	require.Len(t, f.all, 1)
}

// A correction that arrives after the corrections window, while the workflow only waits for
// the escalation to end, is still filed before the order closes: nothing that reaches the
// workflow before it completes is dropped.
func TestCorrectionWhileClosingIsFiled(t *testing.T) {
	env := newEnv(t)
	expectOrder(env)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	var p pager
	p.expect(env)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
	// The window closes at 1h01; nobody has acknowledged yet, so the order is still open.
	signal(env, 2*time.Hour, laborders.ResultSignalName, oru("M2", "20261123100100", "C", glucose(99, "C")))
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: "dr.a"})
	}, 2*time.Hour+30*time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	g, ok := filedValue(f.last(t), "2345-7")
	require.True(t, ok)
	require.Equal(t, "99", g.Value, "the late correction reached the EHR")
	require.Equal(t, s.ResultsVersion, s.FiledVersion)
	require.Equal(t, 2, s.MessagesReceived)
}

// A run continued-as-new resumes from its carried state: no second order, the unacknowledged
// escalation keeps paging at its carried time, and late results are filed.
func TestContinuedRunResumesFromCarry(t *testing.T) {
	env := newEnv(t)
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	var p pager
	p.expect(env)
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	k := potassium(6.8, "HH", "F")
	carried := laborders.State{PlacerOrderNumber: placer, Status: laborders.StatusPartial, Step: laborders.StepCorrections,
		Results:     []laborders.Result{{ResultObservation: k, Critical: true, MessageTime: "20261123090000"}},
		Corrections: []laborders.Correction{},
		Critical:    true, MessagesReceived: 1, MessageIDs: []string{"M1"}, ResultsVersion: 1, FiledVersion: 1,
		Escalation: laborders.Escalation{State: laborders.EscalationUnacknowledged, Code: "123456", StartedAt: &start,
			Pages: []laborders.Page{{Role: "on-call", Phone: "+15550000003", SentAt: start, Code: "123456"}}},
		Unacknowledged: true}
	in := input()
	in.Carry = &laborders.Carry{State: carried, Phase: "corrections-window", Seen: []string{"M1"},
		Reports: map[string]string{"2823-3": "F"}, NextContact: 4, NextPageAt: start.Add(5 * time.Minute),
		WindowEnd: start.Add(time.Hour), DeadlineAt: start.Add(time.Hour), FiledKeys: []string{"2823-3/"}}
	// A resend of M1 is a duplicate; the glucose result is new and filed.
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", k))
	signal(env, 2*time.Minute, laborders.ResultSignalName, oru("M2", "20261123090200", "F", glucose(90, "F")))
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: "dr.a"})
	}, 20*time.Minute)
	env.ExecuteWorkflow(laborders.LabOrder, in)

	s := final(t, env)
	require.Equal(t, 1, s.DuplicatesIgnored, "the carried MSH-10s still deduplicate")
	require.Equal(t, []string{"M1", "M2"}, s.MessageIDs)
	require.NotEmpty(t, p.pages, "paging resumed")
	require.Equal(t, "on-call", p.pages[0].Role, "the repeat phase pages the last contact")
	require.NotEqual(t, "123456", p.pages[0].Code, "a new page, a new code")
	_, g := filedValue(f.last(t), "2345-7")
	require.True(t, g)
	require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
	require.Equal(t, laborders.StatusFinal, s.Status)
}

// Results that arrive while the order's send is still being retried (a worker killed after the
// LIS took the ORM, found by make chaos) keep their status: the send's late return must not set
// the order back to "ordered".
func TestResultsDuringARetriedSendKeepTheirStatus(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(lis.SendOrderName, mock.Anything, mock.Anything).Return(lis.SendOrderResult{AckCode: "AA"}, nil).
		After(10 * time.Minute).Once()
	quietPatient(env)
	var f filings
	f.expect(env, 0)
	signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F")))
	env.ExecuteWorkflow(laborders.LabOrder, input())

	s := final(t, env)
	require.NotEmpty(t, f.all, "the results were filed")
	require.Equal(t, laborders.StatusFinal, s.Status, "the late send answer must not undo the results")
	require.Equal(t, s.ResultsVersion, s.FiledVersion)
}
