package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/notifications"
)

// postTwilioInbound sends an inbound SMS to the engine's webhook, signed as Twilio would.
func (e *engine) postTwilioInbound(sid, from, body string) {
	e.t.Helper()
	form := url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+15005550006"}, "Body": {body}}
	target := e.st.APIURL + "/webhooks/twilio"
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(e.st.Config.Twilio.AuthToken, target, form))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	_ = resp.Body.Close()
	require.Equal(e.t, http.StatusOK, resp.StatusCode)
}

// notify runs a notification to the end and returns its state.
func (e *engine) notify(id, patientID string) notifications.State {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := e.st.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: notifications.WorkflowID(id),
		TaskQueue: notifications.TaskQueue}, notifications.WorkflowName, notifications.Input{NotificationID: id,
		PatientID: patientID, Scenario: templates.ResultsAvailable, RateLimit: -1})
	require.NoError(e.t, err)
	var st notifications.State
	require.NoError(e.t, run.Get(ctx, &st))
	return st
}

// TestNotificationStopStartAndEmailFallback: a patient texts STOP; the check-in's confirmation
// (a child notification) sends nothing to that number and the check-in records "not notified:
// opted out" (the chart has no email to fall back to), as does a notification; START reverses it. A patient without a current mobile gets the notification by email
// through the SMTP simulator.
func TestNotificationStopStartAndEmailFallback(t *testing.T) {
	e := startEngine(t, nil)

	e.postTwilioInbound("SMstop1", ehrsim.MobileCurrent, "STOP")
	code, v := e.call("POST", "/v1/checkins", checkInBody(ehrsim.ApptLivedInContacts, false))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitCheckIn(ehrsim.ApptLivedInContacts, func(v api.CheckInView) bool { return v.Closed })
	ci := v.checkIn()
	require.Equal(t, checkins.StatusCompleted, ci.Status, "an opted-out number does not block the check-in: %s", v)
	require.False(t, ci.SMSSent, v)
	require.Equal(t, notifications.NotNotifiedOptedOut, ci.NotNotified, v)
	require.Empty(t, ci.FailureCode, "an opt-out is no SMS failure: %s", v)
	require.Equal(t, notifications.StatusNotNotified, ci.Notification.Status, v)
	require.Empty(t, e.st.TwilioSim.Sim.Messages(), "nothing was sent to the number that said STOP")

	st := e.notify("e2e-stop", "pat-4007")
	require.Equal(t, notifications.StatusNotNotified, st.Status)
	require.Equal(t, notifications.NotNotifiedOptedOut, st.NotNotified)
	require.Empty(t, e.st.TwilioSim.Sim.Messages())

	e.postTwilioInbound("SMstart1", ehrsim.MobileCurrent, "START")
	st = e.notify("e2e-start", "pat-4007")
	require.Equal(t, "sms", st.Channel, "START reverses the opt-out")
	msgs := e.st.TwilioSim.Sim.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, ehrsim.MobileCurrent, msgs[0].To)

	// No current mobile: email through the SMTP simulator, in the patient's language, first name only.
	// Started and followed through the API this time.
	r := e.mustCall("POST", "/v1/notifications", map[string]any{"notificationId": "e2e-email", "patientId": "pat-4008",
		"scenario": "results-available"}, http.StatusCreated)
	require.Equal(t, "/v1/notifications/e2e-email", r.Location)
	r = e.waitStatus("/v1/notifications/e2e-email", notifications.StatusDelivered)
	view := r.notification()
	require.Equal(t, "email", view.Channel, r)
	require.Len(t, view.Attempts, 1, r)
	attempt := view.Attempts[0]
	require.Equal(t, "accepted", attempt.Status)
	require.NotContains(t, r.String(), "romeo@", "the state never shows an address")
	mail := e.st.SMTPSim().Messages("romeo@example.org")
	require.Len(t, mail, 1)
	require.Contains(t, mail[0].Body, "Romeo")
	require.NotContains(t, mail[0].Body, "Testpatient", "never the family name")
	require.Equal(t, attempt.Ref, mail[0].MessageID)
}

// TestNotificationUndeliveredFallsBackToEmail: Twilio accepts the text, then reports it
// undelivered (the simulator's unreachable-handset number); the status callback reaches the
// notification, which sends the email through the SMTP simulator. The state shows both tries.
func TestNotificationUndeliveredFallsBackToEmail(t *testing.T) {
	e := startEngine(t, nil)
	pat, ok := e.st.EHRSim.Sim.Resource("Patient", "pat-1001")
	require.True(t, ok)
	delete(pat, "meta")
	pat["id"] = "pat-undelivered"
	pat["telecom"] = []any{
		map[string]any{"system": "phone", "use": "mobile", "value": twiliosim.NumberUndelivered},
		map[string]any{"system": "email", "value": "unreachable@example.org"},
	}
	require.NoError(t, e.st.EHRSim.Sim.Seed(pat))

	st := e.notify("e2e-undelivered", "pat-undelivered")
	require.Equal(t, notifications.StatusDelivered, st.Status)
	require.Equal(t, "email", st.Channel)
	require.Len(t, st.Attempts, 2)
	require.Equal(t, "sms", st.Attempts[0].Channel)
	require.Equal(t, "undelivered", st.Attempts[0].Status)
	require.NotEmpty(t, st.Attempts[0].Ref)
	require.Equal(t, "accepted", st.Attempts[1].Status)
	require.Len(t, e.st.SMTPSim().Messages("unreachable@example.org"), 1)
}
