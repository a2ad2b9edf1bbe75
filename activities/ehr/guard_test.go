package ehr_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

func TestGuardStatusesAndWindowEdges(t *testing.T) {
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	facts := func(status string) ehr.AppointmentFacts {
		return ehr.AppointmentFacts{Status: status, Start: start.Format(time.RFC3339), PatientStatus: "accepted"}
	}
	for _, s := range []string{"booked", "pending", "checked-in", "arrived"} {
		require.Nil(t, ehr.Guard(facts(s), start, ehr.Window{}, false), s)
	}
	for _, s := range []string{"cancelled", "noshow", "fulfilled", "entered-in-error", "proposed", "waitlist", ""} {
		for _, override := range []bool{false, true} {
			r := ehr.Guard(facts(s), start, ehr.Window{}, override)
			require.NotNil(t, r, s)
			require.Equal(t, ehr.RefusedStatus, r.Code, s)
			if s != "" {
				require.Contains(t, r.Detail, s)
			}
		}
	}
	w := ehr.Window{BeforeSeconds: 7200, AfterSeconds: 3600}
	for name, tc := range map[string]struct {
		now time.Time
		ok  bool
	}{
		"earliest":       {start.Add(-2 * time.Hour), true},
		"a second early": {start.Add(-2*time.Hour - time.Second), false},
		"latest":         {start.Add(time.Hour), true},
		"a second late":  {start.Add(time.Hour + time.Second), false},
		"a month early":  {start.Add(-30 * 24 * time.Hour), false},
	} {
		r := ehr.Guard(facts("booked"), tc.now, w, false)
		if tc.ok {
			require.Nil(t, r, name)
			continue
		}
		require.NotNil(t, r, name)
		require.Equal(t, ehr.RefusedWindow, r.Code, name)
		require.Contains(t, r.Detail, "from 2h before to 1h after", name)
		require.Nil(t, ehr.Guard(facts("booked"), tc.now, w, true), "%s: the override lifts the window", name)
	}
	declined := facts("booked")
	declined.PatientStatus = "declined"
	require.Equal(t, ehr.RefusedParticipant, ehr.Guard(declined, start, w, true).Code)
}

func TestMarkArrivedRefusesCancelledAndDropsCancelationReason(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.LivedInSeed(time.Now())...))
	before, _ := srv.Sim.Resource("Appointment", ehrsim.ApptCancelled)
	var res ehr.MarkArrivedResult
	err := execute(t, acts, ehr.MarkArrivedName, ehr.MarkArrivedInput{AppointmentID: ehrsim.ApptCancelled}, &res)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ehr.ErrTypeRefused, appErr.Type())
	var r ehr.Refusal
	require.NoError(t, appErr.Details(&r))
	require.Equal(t, "cancelled", r.Status)
	after, _ := srv.Sim.Resource("Appointment", ehrsim.ApptCancelled)
	require.Equal(t, before, after, "nothing written")

	// A month away: refused at the write-back when the window is checked.
	err = execute(t, acts, ehr.MarkArrivedName, ehr.MarkArrivedInput{AppointmentID: ehrsim.ApptNextMonth,
		Guard: &ehr.ArrivalGuard{CheckedInAt: time.Now()}}, &res)
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ehr.ErrTypeRefused, appErr.Type())

	// A booked appointment that still carries a cancelationReason (an EHR's leftover) is
	// written arrived without it: R4 app-4 allows it only on cancelled and noshow.
	stray := before
	stray["id"], stray["status"] = "appt-stray", "booked"
	delete(stray, "meta")
	require.NoError(t, srv.Sim.Seed(stray))
	require.NoError(t, execute(t, acts, ehr.MarkArrivedName, ehr.MarkArrivedInput{AppointmentID: "appt-stray",
		Guard: &ehr.ArrivalGuard{CheckedInAt: time.Now()}}, &res))
	got, _ := srv.Sim.Resource("Appointment", "appt-stray")
	require.Equal(t, "arrived", got["status"])
	require.NotContains(t, got, "cancelationReason")
	require.NotEmpty(t, got["participant"], "every other field is kept")
}
