package ehr_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/audit"
)

// TestListAppointmentChanges: the EHR's change feed lists the Appointments changed since the
// watermark, oldest first, with versions and the engine's marker, cut at the limit.
func TestListAppointmentChanges(t *testing.T) {
	srv, ehrActs := startEHR(t)
	acts := &ehr.AppointmentSync{FHIR: ehrActs.FHIR, Records: audit.NewMemory()}
	since := nextMilli()
	var a ehr.SyncAppointment
	require.NoError(t, executeSync(t, acts, ehr.ReadAppointmentName, ehr.ReadAppointmentInput{ID: "appt-1003"}, &a))
	target := a.Snapshot
	target.Note = "engine write"
	require.NoError(t, executeSync(t, acts, ehr.WriteAppointmentName, ehr.WriteAppointmentInput{ID: "appt-1003", Version: a.Version, Target: target}, &a))
	nextMilli()
	r, ok := srv.Sim.Resource("Appointment", "appt-1001")
	require.True(t, ok)
	r["comment"] = "human edit"
	b, err := json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, srv.Sim.Put("Appointment", "appt-1001", b))

	var out ehr.ListChangesResult
	require.NoError(t, executeSync(t, acts, ehr.ListAppointmentChangesName, ehr.ListChangesInput{Since: since}, &out))
	require.Len(t, out.Changes, 2, "only the two changed since the watermark: %+v %+v", out.Changes, out)
	assert.Equal(t, "appt-1003", out.Changes[0].ID, "oldest first")
	assert.True(t, out.Changes[0].Marked, "the engine's write carries its marker")
	assert.Equal(t, a.Version, out.Changes[0].Version)
	assert.Equal(t, "appt-1001", out.Changes[1].ID)
	assert.False(t, out.Changes[1].Marked)
	assert.Equal(t, "2", out.Changes[1].Version)
	assert.False(t, out.More, "%+v", out)
	assert.False(t, out.Changes[1].UpdatedAt.Before(out.Changes[0].UpdatedAt))

	require.NoError(t, executeSync(t, acts, ehr.ListAppointmentChangesName, ehr.ListChangesInput{Since: since, Limit: 1}, &out))
	require.Len(t, out.Changes, 1)
	assert.Equal(t, "appt-1003", out.Changes[0].ID)
	assert.True(t, out.More, "a full slice says there may be more")
}

// nextMilli waits for the wall clock to pass the next millisecond and returns it: the
// simulator stamps meta.lastUpdated in milliseconds, so what is written afterwards is
// strictly later than what was written before.
func nextMilli() time.Time {
	next := time.Now().Truncate(time.Millisecond).Add(time.Millisecond)
	for !time.Now().After(next) {
		time.Sleep(100 * time.Microsecond)
	}
	return next
}
