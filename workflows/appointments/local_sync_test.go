package appointments_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/workflows/appointments"
)

// starts counts the activity attempts the workflow started, by name, local and regular.
type starts struct {
	mu             sync.Mutex
	local, regular map[string]int
}

func countStarts(env *testsuite.TestWorkflowEnvironment) *starts {
	c := &starts{local: map[string]int{}, regular: map[string]int{}}
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.regular[info.ActivityType.Name]++
	})
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.local[info.ActivityType.Name]++
	})
	return c
}

func (c *starts) snapshot() (local, regular map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	local, regular = map[string]int{}, map[string]int{}
	for k, v := range c.local {
		local[k] = v
	}
	for k, v := range c.regular {
		regular[k] = v
	}
	return local, regular
}

func TestSyncFromANotificationReadsAndWritesLocally(t *testing.T) {
	env, w := linked(t)
	c := countStarts(env)
	var afterLink map[string]int
	env.RegisterDelayedCallback(func() { _, afterLink = c.snapshot() }, 30*time.Second)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Status = apptsync.FHIRArrived })
	})
	env.RegisterDelayedCallback(func() {
		local, regular := c.snapshot()
		assert.Equal(t, pms.StatusCheckedIn, w.pms["p1"].Status, "the arrival reached the PMS")
		assert.Equal(t, afterLink, regular, "no regular activity after the link")
		assert.Equal(t, 1, local[pmsact.WriteAppointmentName], "the PMS write ran locally, once")
		assert.Equal(t, 2, local[ehr.ReadAppointmentName], "the link's first merge and the notification's sync read the EHR locally")
		assert.Equal(t, 2, local[pmsact.ReadAppointmentName])
		assert.Equal(t, 1, w.pmsWrites)
		st := query(t, env)
		assert.Equal(t, "4", st.PMS.Written, "the local write's version is the one an echo must match")
		env.CancelWorkflow()
	}, 2*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
	require.Equal(t, 1, afterLink[ehr.ReadAppointmentName], "the link reads as a regular activity")
}

func TestSyncDeferredByTheRateLimitGoesOnAsTheRegularActivity(t *testing.T) {
	env, w := linked(t)
	w.deferLocalPMSWrites = true
	c := countStarts(env)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Note = "fasting" })
	})
	env.RegisterDelayedCallback(func() {
		local, regular := c.snapshot()
		assert.Equal(t, "fasting", w.pms["p1"].Note, "written by the regular activity")
		assert.Equal(t, 1, w.pmsWrites)
		assert.Equal(t, 1, local[pmsact.WriteAppointmentName], "the deferred local attempt is not retried locally")
		assert.Equal(t, 1, regular[pmsact.WriteAppointmentName])
		env.CancelWorkflow()
	}, 2*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}

func TestSyncCarryingAResolveCallsRegularActivities(t *testing.T) {
	env, w := linked(t)
	c := countStarts(env)
	later := t0.Add(26 * time.Hour)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Start = t0.Add(25 * time.Hour) })
		return w.humanPMS("p1", func(a *pms.Appointment) { a.ScheduledTime = later })
	})
	var before map[string]int
	env.RegisterDelayedCallback(func() {
		require.Equal(t, appointments.StatusConflict, query(t, env).Status)
		before, _ = c.snapshot()
		env.UpdateWorkflow(appointments.ResolveUpdateName, "ok", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { t.Errorf("rejected: %v", err) },
			OnAccept:   func() {},
			OnComplete: func(_ any, err error) { assert.NoError(t, err) },
		}, appointments.ResolveUpdate{Field: "start", Side: "pms"})
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		local, regular := c.snapshot()
		assert.Equal(t, later, w.ehr["e1"].snap.Start, "the resolution was written")
		assert.Equal(t, before, local, "a sync a resolve update waits on runs nothing locally")
		assert.Equal(t, 1, regular[ehr.WriteAppointmentName], "its write is a regular activity")
		env.CancelWorkflow()
	}, 3*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}
