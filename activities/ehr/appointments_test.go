package ehr_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/internal/audit"
)

func TestAppointmentReadWriteCreate(t *testing.T) {
	srv, ehrActs := startEHR(t)
	acts := &ehr.AppointmentSync{FHIR: ehrActs.FHIR, Records: audit.NewMemory()}
	var a ehr.SyncAppointment
	require.NoError(t, executeSync(t, acts, ehr.ReadAppointmentName, ehr.ReadAppointmentInput{ID: "appt-1001", LinkTo: "appointment:a"}, &a))
	assert.Equal(t, "pat-1001", a.Snapshot.Patient)
	assert.Equal(t, apptsync.FHIRBooked, a.Snapshot.Status)
	assert.Equal(t, 30, a.Snapshot.Duration)
	assert.False(t, a.Marked)

	target := a.Snapshot
	target.Note = "bring referral"
	target.Status = apptsync.FHIRCancelled
	var w ehr.SyncAppointment
	require.NoError(t, executeSync(t, acts, ehr.WriteAppointmentName, ehr.WriteAppointmentInput{ID: "appt-1001", Version: a.Version, Target: target}, &w))
	assert.True(t, w.Marked, "the engine's meta.tag is on its write")
	assert.NotEqual(t, a.Version, w.Version)
	assert.Equal(t, "bring referral", w.Snapshot.Note)
	res, ok := srv.Sim.Resource("Appointment", "appt-1001")
	require.True(t, ok)
	assert.Equal(t, "cancelled", res["status"])
	assert.NotEmpty(t, res["identifier"], "fields the sync does not own are kept")

	// The stale version again: typed conflict, nothing written.
	err := executeSync(t, acts, ehr.WriteAppointmentName, ehr.WriteAppointmentInput{ID: "appt-1001", Version: a.Version, Target: a.Snapshot}, &w)
	require.Error(t, err)
	assert.Equal(t, ehr.ErrTypeVersionConflict, errTypeOf(err))

	snap := apptsync.Snapshot{Start: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Duration: 20, Patient: "pat-1001",
		Provider: "prac-1", Status: apptsync.FHIRBooked, Type: "ROUTINE", Department: "cardiology"}
	var c1, c2 ehr.SyncAppointment
	in := ehr.CreateAppointmentInput{Key: "appointment:pms-x", Target: snap}
	require.NoError(t, executeSync(t, acts, ehr.CreateAppointmentName, in, &c1))
	require.NoError(t, executeSync(t, acts, ehr.CreateAppointmentName, in, &c2))
	assert.Equal(t, c1.ID, c2.ID, "conditional create: a retry finds the first")
	assert.Equal(t, "cardiology", c1.Snapshot.Department)
	assert.True(t, snap.Start.Equal(c1.Snapshot.Start))
}

func errTypeOf(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

func executeSync(t *testing.T, acts *ehr.AppointmentSync, name string, in, out any) error {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(name, in)
	if err != nil {
		return err
	}
	return v.Get(out)
}
