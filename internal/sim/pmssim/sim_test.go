package pmssim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhooksSignedOnEveryChange(t *testing.T) {
	rv := newReceiver(t, []byte(pmssim.DefaultSecret))
	srv, c := start(t, pmssim.Options{WebhookURL: rv.srv.URL})
	ctx := context.Background()

	// A human edit through the control route.
	resp := raw(t, http.MethodPost, srv.URL+"/_sim/appointments/appt-1003/edit", `{"scheduledTime":"2026-12-09T16:00:00Z","by":"scheduler"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got := rv.next(t)
	assert.True(t, got.verified, "X-PMS-Signature verifies")
	var ev pms.WebhookEvent
	require.NoError(t, json.Unmarshal(got.body, &ev))
	assert.Equal(t, "evt_appt-1003_v4", ev.EventID)
	assert.Equal(t, pms.EventUpdated, ev.Type)
	assert.Equal(t, 4, ev.Appointment.Version)
	assert.Equal(t, "scheduler", ev.Appointment.UpdatedBy)

	// The engine's own write comes back carrying its marker and version.
	a, err := c.Get(ctx, "appt-1004")
	require.NoError(t, err)
	a.Status = pms.StatusConfirmed
	up, err := c.Update(ctx, a)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(rv.next(t).body, &ev))
	assert.Equal(t, pms.EngineWriter, ev.Appointment.UpdatedBy)
	assert.Equal(t, up.Version, ev.Appointment.Version)

	// A wrong secret does not verify.
	assert.False(t, pms.Verify([]byte("other"), got.body, pms.Sign([]byte(pmssim.DefaultSecret), got.body)))
}

func TestWebhookFaultsDropAndDuplicate(t *testing.T) {
	rv := newReceiver(t, []byte("s"))
	srv, _ := start(t, pmssim.Options{Secret: "s", WebhookURL: rv.srv.URL})
	note := "x"
	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpWebhook, Kind: pmssim.FaultDrop, Count: 1})
	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpWebhook, Kind: pmssim.FaultDuplicate, Count: 1})
	_, err := srv.Sim.Edit("appt-1001", pmssim.Edit{Note: &note}) // dropped
	require.NoError(t, err)
	note = "y"
	_, err = srv.Sim.Edit("appt-1001", pmssim.Edit{Note: &note}) // delivered twice
	require.NoError(t, err)
	var a, b pms.WebhookEvent
	require.NoError(t, json.Unmarshal(rv.next(t).body, &a))
	require.NoError(t, json.Unmarshal(rv.next(t).body, &b))
	assert.Equal(t, a.EventID, b.EventID, "a duplicate carries the same event id")
	assert.Equal(t, 4, a.Appointment.Version, "the dropped change was version 3")
	assert.Equal(t, 1, srv.Sim.Stats().WebhooksDropped)
	// The lost webhook's change is still in the feed, for reconciliation.
	h := srv.Sim.History("appt-1001")
	assert.Equal(t, "x", h[2].Note)
}

func TestWebhookRetriesNon2xx(t *testing.T) {
	rv := newReceiver(t, []byte(pmssim.DefaultSecret))
	rv.mu.Lock()
	rv.failFirst = 2
	rv.mu.Unlock()
	srv, _ := start(t, pmssim.Options{WebhookURL: rv.srv.URL})
	note := "z"
	_, err := srv.Sim.Edit("appt-1001", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	first, second, third := rv.next(t), rv.next(t), rv.next(t)
	assert.Equal(t, first.body, second.body, "the retry is the same event")
	assert.Equal(t, first.body, third.body)
	assert.True(t, third.verified)
}

func TestBadInputIsRejectedAndChangesNothing(t *testing.T) {
	srv, _ := start(t, pmssim.Options{})
	url := srv.URL + "/appointments/appt-1001"
	before, _ := srv.Sim.Appointment("appt-1001")
	body := `{"patientId":"p","providerId":"d","scheduledTime":"2026-12-09T16:00:00Z","duration":30,"status":"scheduled"}`

	resp := raw(t, http.MethodPut, url, body, nil)
	assert.Equal(t, http.StatusPreconditionRequired, resp.StatusCode, "If-Match is required")
	resp = raw(t, http.MethodPut, url, `{"patientId":`, map[string]string{"If-Match": "2"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "malformed JSON")
	resp = raw(t, http.MethodPut, url, `{"colour":"red"}`, map[string]string{"If-Match": "2"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "unknown field")
	resp = raw(t, http.MethodPut, url, `{"patientId":"p","providerId":"d","scheduledTime":"2026-12-09T16:00:00Z","duration":30,"status":"arrived"}`, map[string]string{"If-Match": "2"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "unknown status")
	resp = raw(t, http.MethodPut, url, body, map[string]string{"If-Match": "abc"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp = raw(t, http.MethodGet, srv.URL+"/appointments?updatedSince=yesterday", "", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp = raw(t, http.MethodGet, srv.URL+"/appointments?cursor=!!", "", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp = raw(t, http.MethodPost, srv.URL+"/_sim/appointments/appt-1001/edit", `{"status":"arrived"}`, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp = raw(t, http.MethodPost, srv.URL+"/_sim/appointments/nope/edit", `{}`, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp = raw(t, http.MethodPost, srv.URL+"/_sim/faults", `{"op":"get","kind":"drop"}`, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "drop is a webhook fault")

	after, _ := srv.Sim.Appointment("appt-1001")
	assert.Equal(t, before, after)
	resp = raw(t, http.MethodPut, url, body, map[string]string{"If-Match": `"2"`})
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a quoted ETag is accepted")
	assert.Equal(t, "3", resp.Header.Get("ETag"))
}

func TestControlRoutes(t *testing.T) {
	srv, _ := start(t, pmssim.Options{})
	resp := raw(t, http.MethodGet, srv.URL+"/_sim/appointments", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var all []pms.Appointment
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&all))
	assert.Len(t, all, 6)
	resp = raw(t, http.MethodGet, srv.URL+"/_sim/appointments/appt-1006/history", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var h []pms.Appointment
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	assert.Len(t, h, 4)
	resp = raw(t, http.MethodPut, srv.URL+"/_sim/webhook", `{"url":""}`, nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp = raw(t, http.MethodPost, srv.URL+"/_sim/faults", `{"op":"update","kind":"412","count":1}`, nil)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Len(t, srv.Sim.Faults(), 1)
}
