package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/checkins"
)

// plantAppointment seeds a copy of appt-1001 (patient pat-1001, coverage ACTIVE001) under id
// with the given status and start.
func (e *engine) plantAppointment(id, status string, start time.Time) {
	e.t.Helper()
	appt, ok := e.st.EHRSim.Sim.Resource("Appointment", "appt-1001")
	require.True(e.t, ok)
	delete(appt, "meta")
	appt["id"], appt["status"] = id, status
	appt["start"] = start.UTC().Format(time.RFC3339)
	appt["end"] = start.UTC().Add(30 * time.Minute).Format(time.RFC3339)
	if status == "cancelled" || status == "noshow" {
		appt["cancelationReason"] = map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "code": "pat"}}}
	}
	if status == "proposed" || status == "waitlist" {
		for _, p := range appt["participant"].([]any) {
			p.(map[string]any)["status"] = "needs-action"
		}
	}
	require.NoError(e.t, e.st.EHRSim.Sim.Seed(appt))
}

// requireRefused posts a check-in and expects 422 problem+json whose detail contains want.
func (e *engine) requireRefused(body map[string]any, want string) {
	e.t.Helper()
	code, v := e.call("POST", "/v1/checkins", body)
	require.Equal(e.t, http.StatusUnprocessableEntity, code, "%s: %s", body["appointmentId"], v)
	require.Equal(e.t, "application/problem+json", v.ContentType)
	require.Contains(e.t, v.problem().Detail, want, v)
}

// TestCheckInRefusesWhatCannotBeCheckedIn: one request per refused status and per window edge,
// through the API: each answers 422 naming the status or the window, and nothing is asked of the
// payer, written to the EHR or charged.
func TestCheckInRefusesWhatCannotBeCheckedIn(t *testing.T) {
	e := startEngine(t, func(c *config.Config) {
		c.CheckInWindowBefore, c.CheckInWindowAfter = 2*time.Hour, time.Hour
	})
	now := time.Now()
	for _, status := range []string{"cancelled", "noshow", "fulfilled", "entered-in-error", "proposed", "waitlist"} {
		id := "appt-st-" + status
		e.plantAppointment(id, status, now.Add(10*time.Minute))
		e.requireRefused(checkInBody(id, true), "the appointment is "+status)
		// Asked again, the same answer: a refused check-in leaves nothing behind to join.
		e.requireRefused(checkInBody(id, true), "the appointment is "+status)
	}
	// The window edges, with a few minutes' margin so the test's own duration does not matter.
	e.plantAppointment("appt-win-early", "booked", now.Add(2*time.Hour+5*time.Minute))
	e.plantAppointment("appt-win-late", "booked", now.Add(-time.Hour-5*time.Minute))
	e.requireRefused(checkInBody("appt-win-early", true), "outside the check-in window, from 2h before to 1h after")
	e.requireRefused(checkInBody("appt-win-late", true), "outside the check-in window")
	e.requireRefused(checkInBody(ehrsim.ApptNextMonth, true), "outside the check-in window")
	e.requireRefused(checkInBody(ehrsim.ApptDeclined, true), "declined")
	e.requireRefused(checkInBody(ehrsim.ApptCancelled, true), "the appointment is cancelled")

	// The override lifts the window, never the status.
	withOverride := func(id string) map[string]any {
		b := checkInBody(id, false)
		b["override"] = map[string]any{"by": "front-desk-1", "reason": "patient came on the wrong day"}
		return b
	}
	e.requireRefused(withOverride(ehrsim.ApptCancelled), "the appointment is cancelled")
	e.requireRefused(withOverride(ehrsim.ApptDeclined), "declined")
	code, v := e.call("POST", "/v1/checkins", map[string]any{"appointmentId": ehrsim.ApptNextMonth,
		"override": map[string]any{"by": "front-desk-1"}})
	require.Equal(t, http.StatusBadRequest, code, "an override needs a reason: %s", v)

	require.Zero(t, e.st.EHRSim.Sim.Stats().Updates, "nothing written to the EHR")
	require.Zero(t, e.st.EHRSim.Sim.Stats().Creates, "no Encounter")
	require.Zero(t, e.st.CHSim.Sim.Stats().Inquiries, "no 270 for a refused check-in")
	require.Zero(t, e.st.StripeSim.Sim.Stats().Creates, "nothing charged")

	// Inside the window on both edges, the check-in goes ahead.
	e.plantAppointment("appt-win-earliest", "booked", now.Add(2*time.Hour-5*time.Minute))
	e.plantAppointment("appt-win-latest", "booked", now.Add(-time.Hour+5*time.Minute))
	for _, id := range []string{"appt-win-earliest", "appt-win-latest"} {
		code, v := e.call("POST", "/v1/checkins", checkInBody(id, false))
		require.Equal(t, http.StatusCreated, code, "%s: %s", id, v)
		require.Equal(t, checkins.VerdictEligible, v.checkIn().Verdict.Verdict, id)
	}
	// And the out-of-window appointment, overridden, is checked in, the override on record.
	code, v = e.call("POST", "/v1/checkins", withOverride(ehrsim.ApptNextMonth))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitCheckIn(ehrsim.ApptNextMonth, func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
	require.Equal(t, "front-desk-1", v.checkIn().WindowOverride.By)
	appt, _ := e.st.EHRSim.Sim.Resource("Appointment", ehrsim.ApptNextMonth)
	require.Equal(t, "arrived", appt["status"])
	// Every override request is audited as such, the refused ones included.
	recs, err := e.st.Store.List(context.Background(), audit.Filter{Action: "checkins.start-window-override"})
	require.NoError(t, err)
	require.Len(t, recs, 3)
	for _, r := range recs {
		require.Equal(t, checkins.WorkflowID(r.Process[len("checkin:"):]), r.Process)
	}
}

// TestCheckInCancelledBetweenVerdictAndArrival: the appointment is cancelled in the EHR while
// the check-in waits for the front desk; the self-pay that resolves it reaches the write-back,
// which re-reads the appointment, refuses, and stops: no arrival, no Encounter, no charge.
func TestCheckInCancelledBetweenVerdictAndArrival(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1003", true))
	require.Equal(t, http.StatusCreated, code, v)
	require.Equal(t, checkins.VerdictNeedsAttention, v.checkIn().Verdict.Verdict, v)

	appt, ok := e.st.EHRSim.Sim.Resource("Appointment", "appt-1003")
	require.True(t, ok)
	delete(appt, "meta")
	appt["status"] = "cancelled"
	appt["cancelationReason"] = map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "code": "pat"}}}
	require.NoError(t, e.st.EHRSim.Sim.Seed(appt))

	e.mustCall("POST", "/v1/checkins/appt-1003/self-pay", map[string]any{"amount": 9000, "paymentMethod": "pm_card_visa"}, http.StatusOK)
	v = e.waitCheckIn("appt-1003", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusRefused, v.checkIn().Status, v)
	require.Equal(t, "appointment-changed", v.checkIn().FailureCode)
	require.Equal(t, false, v.checkIn().Arrived)
	require.Nil(t, v.checkIn().Copay, "the copay is never authorized")

	after, _ := e.st.EHRSim.Sim.Resource("Appointment", "appt-1003")
	require.Equal(t, "cancelled", after["status"])
	require.Empty(t, e.st.EHRSim.Sim.Resources("Encounter"))
	require.Zero(t, e.st.StripeSim.Sim.Stats().Creates, "nothing charged")
	require.Empty(t, e.st.TwilioSim.Sim.Messages(), "no check-in text")
	// Asked again, the check-in is refused as cancelled.
	e.requireRefused(checkInBody("appt-1003", true), "the appointment is cancelled")
}
