package appointments_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/workflows/appointments"
)

func TestReconcileHandsEveryChangeToItsWorkflow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	appointments.Register(env)
	var since []time.Time
	at := t0.Add(40 * time.Minute)
	env.RegisterActivityWithOptions(func(_ context.Context, in pmsact.ListInput) (pmsact.ListResult, error) {
		since = append(since, in.UpdatedSince)
		if in.Cursor == "" {
			return pmsact.ListResult{NextCursor: "c2", Appointments: []pms.Appointment{
				{AppointmentID: "p1", Version: 4, UpdatedAt: at, UpdatedBy: "front-desk"},
				{AppointmentID: "p2", Version: 2, UpdatedAt: at.Add(time.Second), UpdatedBy: pms.EngineWriter}}}, nil
		}
		return pmsact.ListResult{Appointments: []pms.Appointment{{AppointmentID: "p3", Version: 1, UpdatedAt: at.Add(2 * time.Second)}}}, nil
	}, activity.RegisterOptions{Name: pmsact.ListChangesName})
	var got []appointments.ChangeSignal
	env.RegisterActivityWithOptions(func(_ context.Context, cs []appointments.ChangeSignal) (int, error) {
		got = append(got, cs...)
		return len(cs), nil
	}, activity.RegisterOptions{Name: appointments.NotifyChangesName})
	env.RegisterActivityWithOptions(func(_ context.Context, in ehr.ListChangesInput) (ehr.ListChangesResult, error) {
		return ehr.ListChangesResult{}, nil
	}, activity.RegisterOptions{Name: ehr.ListAppointmentChangesName})
	env.SetStartTime(t0.Add(time.Hour))
	env.ExecuteWorkflow(appointments.ReconcileWorkflowName, appointments.ReconcileInput{Lookback: 30 * time.Minute})
	require.NoError(t, env.GetWorkflowError())
	var res appointments.ReconcileResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 3, res.Delivered)
	assert.True(t, res.Watermark.Equal(at.Add(2*time.Second)), "watermark is the newest change: %v", res.Watermark)
	require.Len(t, since, 2)
	assert.True(t, since[0].Equal(t0.Add(30*time.Minute)), "first run looks back Lookback only: %v", since[0])
	require.Len(t, got, 3)
	assert.Equal(t, appointments.ChangeSignal{Source: "pms", EventID: "reconcile:pms:p1@4", ID: "p1", Version: "4", UpdatedAt: at}, got[0])
	assert.True(t, got[1].Marked, "the engine's own write keeps its marker")
}

func TestNotifierActivityNameIsRegistered(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&appointments.Notifier{})
	v, err := env.ExecuteActivity(appointments.NotifyChangesName, []appointments.ChangeSignal{})
	require.NoError(t, err)
	var n int
	require.NoError(t, v.Get(&n))
	assert.Zero(t, n)
}

// TestReconcileListsEHRChanges: the EHR's change feed is read slice by slice from its own
// watermark, each slice from the newest lastUpdated of the last, and every change goes to
// its workflow with the engine's marker kept.
func TestReconcileListsEHRChanges(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	appointments.Register(env)
	env.RegisterActivityWithOptions(func(_ context.Context, in pmsact.ListInput) (pmsact.ListResult, error) {
		return pmsact.ListResult{}, nil
	}, activity.RegisterOptions{Name: pmsact.ListChangesName})
	at := t0.Add(45 * time.Minute)
	var since []time.Time
	env.RegisterActivityWithOptions(func(_ context.Context, in ehr.ListChangesInput) (ehr.ListChangesResult, error) {
		since = append(since, in.Since)
		if len(since) == 1 {
			return ehr.ListChangesResult{More: true, Changes: []ehr.AppointmentChange{
				{ID: "e1", Version: "3", UpdatedAt: at},
				{ID: "e2", Version: "7", UpdatedAt: at.Add(time.Second), Marked: true}}}, nil
		}
		// The overlap at the watermark comes back, then one more change, and no more.
		return ehr.ListChangesResult{Changes: []ehr.AppointmentChange{
			{ID: "e2", Version: "7", UpdatedAt: at.Add(time.Second), Marked: true},
			{ID: "e3", Version: "1", UpdatedAt: at.Add(2 * time.Second)}}}, nil
	}, activity.RegisterOptions{Name: ehr.ListAppointmentChangesName})
	var got []appointments.ChangeSignal
	env.RegisterActivityWithOptions(func(_ context.Context, cs []appointments.ChangeSignal) (int, error) {
		got = append(got, cs...)
		return len(cs), nil
	}, activity.RegisterOptions{Name: appointments.NotifyChangesName})
	env.SetStartTime(t0.Add(time.Hour))
	env.ExecuteWorkflow(appointments.ReconcileWorkflowName, appointments.ReconcileInput{Lookback: 30 * time.Minute})
	require.NoError(t, env.GetWorkflowError())
	var res appointments.ReconcileResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, since, 2)
	assert.True(t, since[0].Equal(t0.Add(30*time.Minute)), "first run looks back Lookback: %v", since[0])
	assert.True(t, since[1].Equal(at.Add(time.Second)), "next slice from the newest lastUpdated: %v", since[1])
	assert.True(t, res.EHRWatermark.Equal(at.Add(2*time.Second)), "EHR watermark: %v", res.EHRWatermark)
	assert.Equal(t, 4, res.EHRSeen)
	require.Len(t, got, 4)
	assert.Equal(t, appointments.ChangeSignal{Source: "ehr", EventID: "reconcile:ehr:e1@3", ID: "e1", Version: "3", UpdatedAt: at}, got[0])
	assert.True(t, got[1].Marked)
	assert.Equal(t, got[1].EventID, got[2].EventID, "the overlap has the same event id, so workflows drop it")
}
