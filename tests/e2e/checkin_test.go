package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/payments"
)

func checkInBody(appt string, copay bool) map[string]any {
	b := map[string]any{"appointmentId": appt, "collectCopay": copay, "notifyPatient": true}
	if copay {
		b["paymentMethod"] = "pm_card_visa"
	}
	return b
}

// waitCheckIn polls GET /v1/checkins/{id} until cond holds.
func (e *engine) waitCheckIn(id string, cond func(v api.CheckInView) bool) reply {
	e.t.Helper()
	return waitUntil(e, "/v1/checkins/"+id, cond)
}

func TestCheckInEligibleCollectsCopayAndTexts(t *testing.T) {
	e := startEngine(t, nil)
	t0 := time.Now()
	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
	elapsed := time.Since(t0)
	require.Equal(t, http.StatusCreated, code, v)
	require.Equal(t, "/v1/checkins/appt-1001", v.Location)
	vd := v.checkIn().Verdict
	require.Equal(t, checkins.VerdictEligible, vd.Verdict, v)
	require.NotNil(t, vd.CopayAmount, v)
	require.EqualValues(t, 2500, *vd.CopayAmount)
	t.Logf("check-in verdict answered in %v", elapsed) // speed is measured by the load generator

	// Repeating the check-in joins the same process and returns the same verdict.
	code, v = e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, checkins.VerdictEligible, v.checkIn().Verdict.Verdict)

	v = e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
	require.Equal(t, true, v.checkIn().Arrived)
	require.NotEmpty(t, v.checkIn().EncounterID)
	require.Equal(t, true, v.checkIn().SMSSent)

	appt, ok := e.st.EHRSim.Sim.Resource("Appointment", "appt-1001")
	require.True(t, ok)
	require.Equal(t, "arrived", appt["status"])
	require.Len(t, e.st.EHRSim.Sim.Resources("Encounter"), 1)

	// The copay is a payments process of its own, captured automatically, charged once.
	pay := e.waitFor(checkins.CopayPaymentID("appt-1001"), func(v api.PaymentView) bool { return v.Status == payments.StatusCaptured })
	require.EqualValues(t, 2500, pay.payment().CapturedAmount)
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Creates)

	// The patient's text holds the first name and the time, nothing else from the chart.
	msgs := e.st.TwilioSim.Sim.Messages()
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0].Body, "checked in")
	require.NotContains(t, msgs[0].Body, "Testpatient", "no family name in the SMS")
	require.Eventually(t, func() bool {
		recs, _ := e.st.Store.List(context.Background(), audit.Filter{Action: "webhook.twilio.status"})
		return len(recs) >= 2
	}, 10*time.Second, 100*time.Millisecond, "signed delivery-status callbacks are accepted")
}

func TestCheckInVerdicts(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.CheckInPayerWindow = 8 * time.Second })
	cases := []struct {
		appt, verdict, reason string
	}{
		{"appt-1002", checkins.VerdictInactive, "not active"},
		{"appt-1003", checkins.VerdictNeedsAttention, "75"},
		{"appt-1006", checkins.VerdictNeedsAttention, "could not be read"},
		{"appt-2001", checkins.VerdictNeedsAttention, "no coverage on file"},
	}
	for _, tc := range cases {
		code, v := e.call("POST", "/v1/checkins", checkInBody(tc.appt, true))
		require.Equal(t, http.StatusCreated, code, v)
		vd := v.checkIn().Verdict
		require.Equal(t, tc.verdict, vd.Verdict, tc.appt)
		require.Contains(t, strings.Join(vd.Reasons, "; "), tc.reason, tc.appt)
	}
	// A slow payer answers pending within the verdict wait, then needs attention after the window.
	for _, appt := range []string{"appt-1004", "appt-1005"} {
		code, v := e.call("POST", "/v1/checkins", checkInBody(appt, true))
		require.Equal(t, http.StatusCreated, code, v)
		require.Equal(t, checkins.VerdictPending, v.checkIn().Verdict.Verdict, "%s: %s", appt, v)
		v = e.waitCheckIn(appt, func(v api.CheckInView) bool { return v.Verdict.Verdict == checkins.VerdictNeedsAttention })
		require.Contains(t, strings.Join(v.checkIn().Verdict.Reasons, "; "), "did not answer", appt)
	}
	// Needs attention: no copay charged until the front desk decides; self-pay completes it.
	require.Equal(t, 0, e.st.StripeSim.Sim.Stats().Creates)
	code, v := e.call("POST", "/v1/checkins/appt-2001/self-pay", map[string]any{"amount": 0, "paymentMethod": "pm_card_visa"})
	require.Equal(t, http.StatusUnprocessableEntity, code, v)
	code, v = e.call("POST", "/v1/checkins/appt-2001/self-pay", map[string]any{"amount": 9000, "paymentMethod": "pm_card_visa"})
	require.Equal(t, http.StatusOK, code, v)
	v = e.waitCheckIn("appt-2001", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status)
	require.Equal(t, "self-pay", v.checkIn().Resolution)
	e.waitFor(checkins.CopayPaymentID("appt-2001"), func(v api.PaymentView) bool { return v.CapturedAmount == 9000 })
	code, v = e.call("POST", "/v1/checkins/appt-1003/override", map[string]any{"reason": "verified by phone"})
	require.Equal(t, http.StatusOK, code, v)
	e.waitCheckIn("appt-1003", func(v api.CheckInView) bool { return v.Closed == true && v.Arrived == true })
}

func TestCheckInBadInput(t *testing.T) {
	e := startEngine(t, nil)
	for _, appt := range []string{"appt-9999", "appt-3001"} {
		code, v := e.call("POST", "/v1/checkins", checkInBody(appt, false))
		require.Equal(t, http.StatusNotFound, code, "%s: %s", appt, v)
		require.Equal(t, "application/problem+json", v.ContentType)
		// Asking again gives the same answer from the closed process.
		code, _ = e.call("POST", "/v1/checkins", checkInBody(appt, false))
		require.Equal(t, http.StatusNotFound, code, appt)
	}
	code, v := e.call("POST", "/v1/checkins", map[string]any{"appointmentId": "appt-1001", "collectCopay": true})
	require.Equal(t, http.StatusBadRequest, code, v)
	require.Equal(t, "paymentMethod", v.problem().InvalidParams[0].Name, v)
	code, _ = e.call("GET", "/v1/checkins/appt-0000", nil)
	require.Equal(t, http.StatusNotFound, code)
}

func TestCheckInWorkerKilledChargesCopayOnce(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
	require.Equal(t, http.StatusCreated, code, v)
	e.st.StopWorker()
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, e.st.StartWorker())
	v = e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
	e.waitFor(checkins.CopayPaymentID("appt-1001"), func(v api.PaymentView) bool { return v.Status == payments.StatusCaptured })
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Creates, "one copay authorization")
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Captures, "one copay capture")
	require.Len(t, e.st.EHRSim.Sim.Resources("Encounter"), 1)
}
