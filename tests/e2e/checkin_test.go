package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/checkin"
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
func (e *engine) waitCheckIn(id string, cond func(v map[string]any) bool) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		code, v := e.call("GET", "/v1/checkins/"+id, nil)
		last = v
		if !assertTrue(c, code == http.StatusOK, "GET status %d: %s", code, v["_raw"]) {
			return
		}
		assertTrue(c, cond(v), "condition not met yet: %s", v["_raw"])
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

func verdictOf(v map[string]any) map[string]any {
	m, _ := v["verdict"].(map[string]any)
	return m
}

func TestCheckInEligibleCollectsCopayAndTexts(t *testing.T) {
	e := startEngine(t, nil)
	t0 := time.Now()
	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
	elapsed := time.Since(t0)
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	require.Equal(t, "/v1/checkins/appt-1001", v["_location"])
	vd := verdictOf(v)
	require.Equal(t, checkin.VerdictEligible, vd["verdict"], v["_raw"])
	require.EqualValues(t, 2500, num(vd, "copayAmount"))
	t.Logf("check-in verdict answered in %v", elapsed) // speed is measured by the load generator

	// Repeating the check-in joins the same process and returns the same verdict.
	code, v = e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
	require.Equal(t, http.StatusOK, code, v["_raw"])
	require.Equal(t, checkin.VerdictEligible, verdictOf(v)["verdict"])

	v = e.waitCheckIn("appt-1001", func(v map[string]any) bool { return v["closed"] == true })
	require.Equal(t, checkin.StatusCompleted, v["status"], v["_raw"])
	require.Equal(t, true, v["arrived"])
	require.NotEmpty(t, v["encounterId"])
	require.Equal(t, true, v["smsSent"])

	appt, ok := e.st.EHRSim.Sim.Resource("Appointment", "appt-1001")
	require.True(t, ok)
	require.Equal(t, "arrived", appt["status"])
	require.Len(t, e.st.EHRSim.Sim.Resources("Encounter"), 1)

	// The copay is a payments process of its own, captured automatically, charged once.
	pay := e.waitFor(checkin.CopayPaymentID("appt-1001"), func(v map[string]any) bool { return v["status"] == payments.StatusCaptured })
	require.EqualValues(t, 2500, num(pay, "capturedAmount"))
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
		{"appt-1002", checkin.VerdictInactive, "not active"},
		{"appt-1003", checkin.VerdictNeedsAttention, "75"},
		{"appt-1006", checkin.VerdictNeedsAttention, "could not be read"},
		{"appt-2001", checkin.VerdictNeedsAttention, "no coverage on file"},
	}
	for _, tc := range cases {
		code, v := e.call("POST", "/v1/checkins", checkInBody(tc.appt, true))
		require.Equal(t, http.StatusCreated, code, v["_raw"])
		vd := verdictOf(v)
		require.Equal(t, tc.verdict, vd["verdict"], tc.appt)
		require.Contains(t, strings.Join(toStrings(vd["reasons"]), "; "), tc.reason, tc.appt)
	}
	// A slow payer answers pending within the verdict wait, then needs attention after the window.
	for _, appt := range []string{"appt-1004", "appt-1005"} {
		code, v := e.call("POST", "/v1/checkins", checkInBody(appt, true))
		require.Equal(t, http.StatusCreated, code, v["_raw"])
		require.Equal(t, checkin.VerdictPending, verdictOf(v)["verdict"], "%s: %s", appt, v["_raw"])
		v = e.waitCheckIn(appt, func(v map[string]any) bool { return verdictOf(v)["verdict"] == checkin.VerdictNeedsAttention })
		require.Contains(t, strings.Join(toStrings(verdictOf(v)["reasons"]), "; "), "did not answer", appt)
	}
	// Needs attention: no copay charged until the front desk decides; self-pay completes it.
	require.Equal(t, 0, e.st.StripeSim.Sim.Stats().Creates)
	code, v := e.call("POST", "/v1/checkins/appt-2001/self-pay", map[string]any{"amount": 0, "paymentMethod": "pm_card_visa"})
	require.Equal(t, http.StatusUnprocessableEntity, code, v["_raw"])
	code, v = e.call("POST", "/v1/checkins/appt-2001/self-pay", map[string]any{"amount": 9000, "paymentMethod": "pm_card_visa"})
	require.Equal(t, http.StatusOK, code, v["_raw"])
	v = e.waitCheckIn("appt-2001", func(v map[string]any) bool { return v["closed"] == true })
	require.Equal(t, checkin.StatusCompleted, v["status"])
	require.Equal(t, "self-pay", v["resolution"])
	e.waitFor(checkin.CopayPaymentID("appt-2001"), func(v map[string]any) bool { return num(v, "capturedAmount") == 9000 })
	code, v = e.call("POST", "/v1/checkins/appt-1003/override", map[string]any{"reason": "verified by phone"})
	require.Equal(t, http.StatusOK, code, v["_raw"])
	e.waitCheckIn("appt-1003", func(v map[string]any) bool { return v["closed"] == true && v["arrived"] == true })
}

func TestCheckInBadInput(t *testing.T) {
	e := startEngine(t, nil)
	for _, appt := range []string{"appt-9999", "appt-3001"} {
		code, v := e.call("POST", "/v1/checkins", checkInBody(appt, false))
		require.Equal(t, http.StatusNotFound, code, "%s: %s", appt, v["_raw"])
		require.Equal(t, "application/problem+json", v["_contentType"])
		// Asking again gives the same answer from the closed process.
		code, _ = e.call("POST", "/v1/checkins", checkInBody(appt, false))
		require.Equal(t, http.StatusNotFound, code, appt)
	}
	code, v := e.call("POST", "/v1/checkins", map[string]any{"appointmentId": "appt-1001", "collectCopay": true})
	require.Equal(t, http.StatusBadRequest, code, v["_raw"])
	require.Contains(t, v["_raw"], "paymentMethod")
	code, _ = e.call("GET", "/v1/checkins/appt-0000", nil)
	require.Equal(t, http.StatusNotFound, code)
}

func TestCheckInWorkerKilledChargesCopayOnce(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	e.st.StopWorker()
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, e.st.StartWorker())
	v = e.waitCheckIn("appt-1001", func(v map[string]any) bool { return v["closed"] == true })
	require.Equal(t, checkin.StatusCompleted, v["status"], v["_raw"])
	e.waitFor(checkin.CopayPaymentID("appt-1001"), func(v map[string]any) bool { return v["status"] == payments.StatusCaptured })
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Creates, "one copay authorization")
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Captures, "one copay capture")
	require.Len(t, e.st.EHRSim.Sim.Resources("Encounter"), 1)
}

func toStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
