package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/workflows/notifications"
)

// prefsStore is the harness's fake store with the in-memory preference store beside it.
type prefsStore struct {
	*fakeStore
	audit.PreferenceStore
}

const (
	patientsWriter = "patients-writer-0005"
	patientsReader = "patients-reader-0006"
)

// newPrefsHarness is a harness whose store keeps preferences and whose tokens include
// patients.read and patients.write.
func newPrefsHarness(t *testing.T) (*harness, audit.PreferenceStore) {
	t.Helper()
	prefs := audit.NewMemory().(audit.PreferenceStore)
	h := newHarness(t, func(d *api.Deps) {
		tokens, err := api.ParseTokens("pw:" + patientsWriter + ":patients.write+patients.read,pr:" + patientsReader +
			":patients.read,writer:" + writerSecret + ":payments.write")
		require.NoError(t, err)
		d.Tokens = tokens
		d.Records = prefsStore{fakeStore: d.Records.(*fakeStore), PreferenceStore: prefs}
		d.TwilioAuthToken, d.PublicURL = twilioToken, publicURL
	})
	return h, prefs
}

func TestNotificationPreferencesDefaultsThenPut(t *testing.T) {
	h, _ := newPrefsHarness(t)
	const path = "/v1/patients/pat-4007/notification-preferences"

	w := h.do(http.MethodGet, path, "", patientsReader)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got api.NotificationPreferences
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, []string{"sms", "email"}, got.Channels, "defaults before anything is stored")
	assert.Nil(t, got.UpdatedAt)

	body := `{"channels":["email","sms"],"optedOut":["sms"],"quietHours":{"start":"21:00","end":"08:00","timeZone":"America/Chicago"}}`
	w = h.do(http.MethodPut, path, body, patientsWriter)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "patients.notification-preferences", h.store.last(t).Action)
	assert.Equal(t, "Patient/pat-4007", h.store.last(t).Exchange)

	w = h.do(http.MethodGet, path, "", patientsReader)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	got = api.NotificationPreferences{}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, "pat-4007", got.PatientID)
	assert.Equal(t, []string{"email", "sms"}, got.Channels)
	assert.Equal(t, []string{"sms"}, got.OptedOut)
	require.NotNil(t, got.QuietHours)
	assert.Equal(t, audit.QuietHours{Start: "21:00", End: "08:00", TimeZone: "America/Chicago"}, *got.QuietHours)
	assert.NotNil(t, got.UpdatedAt)
}

func TestNotificationPreferencesScopes(t *testing.T) {
	h, _ := newPrefsHarness(t)
	const path = "/v1/patients/pat-1/notification-preferences"
	assert.Equal(t, http.StatusUnauthorized, h.do(http.MethodGet, path, "", "").Code)
	assert.Equal(t, http.StatusForbidden, h.do(http.MethodGet, path, "", writerSecret).Code)
	assert.Equal(t, http.StatusForbidden, h.do(http.MethodPut, path, `{"channels":["sms"]}`, patientsReader).Code,
		"reading does not allow writing")
}

func TestNotificationPreferencesValidation(t *testing.T) {
	h, prefs := newPrefsHarness(t)
	const path = "/v1/patients/pat-1/notification-preferences"
	for body, field := range map[string]string{
		`{"channels":["fax"]}`:       "channels",
		`{"optedOut":["sms","sms"]}`: "optedOut",
		`{"quietHours":{"start":"9pm","end":"08:00","timeZone":"UTC"}}`:             "quietHours.start",
		`{"quietHours":{"start":"21:00","end":"08:00","timeZone":"Nowhere/Place"}}`: "quietHours.timeZone",
	} {
		w := h.do(http.MethodPut, path, body, patientsWriter)
		require.Equal(t, http.StatusUnprocessableEntity, w.Code, body)
		p := problem(t, w)
		require.Len(t, p.InvalidParams, 1, body)
		assert.Equal(t, field, p.InvalidParams[0].Name, body)
	}
	assert.Equal(t, http.StatusBadRequest, h.do(http.MethodPut, path, `{"channel":["sms"]}`, patientsWriter).Code, "unknown field")
	assert.Equal(t, http.StatusBadRequest, h.do(http.MethodPut, "/v1/patients/a%20b/notification-preferences", `{}`, patientsWriter).Code)
	_, err := prefs.GetPreferences(t.Context(), "pat-1")
	require.ErrorIs(t, err, audit.ErrNotFound, "nothing invalid was stored")
}

// An inbound STOP records the sender's opt-out; START reverses it; a keyword is never a page reply.
func TestTwilioStopAndStartKeywords(t *testing.T) {
	h, prefs := newPrefsHarness(t)
	const from = "+15551234007"
	for i, tc := range []struct {
		body string
		want bool
	}{{"STOP", true}, {"start", false}, {" Unsubscribe. ", true}, {"UNSTOP", false}, {"quit", true}, {"YES", false},
		{"stopall", true}, {"ok, start again tomorrow", true}} { // not a keyword: no change
		w := postTwilio(h, url.Values{"MessageSid": {"SMin" + string(rune('a'+i))}, "From": {from}, "Body": {tc.body}})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		out, err := prefs.OptedOut(t.Context(), audit.ChannelSMS, from)
		require.NoError(t, err)
		assert.Equal(t, tc.want, out, tc.body)
	}
	var actions []string
	for _, r := range h.store.records {
		actions = append(actions, r.Action)
	}
	assert.Equal(t, []string{api.ActionTwilioOptOut, api.ActionTwilioOptIn, api.ActionTwilioOptOut, api.ActionTwilioOptIn,
		api.ActionTwilioOptOut, api.ActionTwilioOptIn, api.ActionTwilioOptOut, "webhook.twilio.inbound"}, actions,
		"every keyword is audited, with the number nowhere in the record")
}

// A status callback for a notification's text reaches that notification as a signal.
func TestTwilioStatusReachesNotification(t *testing.T) {
	h, _ := newPrefsHarness(t)
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.NotifySMSSID, "SM77", "notification:n-1"))
	h.temporal.On("SignalWorkflow", mock.Anything, "notification:n-1", "", notifications.DeliveryStatusSignalName,
		notifications.DeliveryStatus{SID: "SM77", Status: "undelivered"}).Return(nil).Once()
	w := postTwilio(h, url.Values{"MessageSid": {"SM77"}, "MessageStatus": {"undelivered"}})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	assert.Equal(t, "notification:n-1", h.store.last(t).Process)
	h.temporal.AssertExpectations(t)
}

func TestStartNotificationValidatesAndStarts(t *testing.T) {
	h, _ := newPrefsHarness(t)
	tokens, err := api.ParseTokens("n:notify-secret-0007:notifications.write+notifications.read")
	require.NoError(t, err)
	h.deps.Tokens = tokens
	h.handler = api.New(h.deps)
	for body, field := range map[string]string{
		`{"notificationId":"MRN 123","patientId":"pat-1","scenario":"results-available"}`:          "notificationId",
		`{"notificationId":"n-1","patientId":"pat-1","scenario":"critical-page"}`:                  "scenario",
		`{"notificationId":"n-1","patientId":"pat-1","scenario":"results-available","sendAt":"x"}`: "sendAt",
		`{"notificationId":"n-1","patientId":"pat 1","scenario":"results-available"}`:              "patientId",
	} {
		w := h.do(http.MethodPost, "/v1/notifications", body, "notify-secret-0007")
		require.Equal(t, http.StatusBadRequest, w.Code, body)
		p := problem(t, w)
		require.Len(t, p.InvalidParams, 1)
		assert.Equal(t, field, p.InvalidParams[0].Name, body)
	}
	run := &mocks.WorkflowRun{}
	run.On("GetRunID").Return("run-1")
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == "notification:n-1" && o.TaskQueue == notifications.TaskQueue
	}), notifications.WorkflowName, mock.MatchedBy(func(in notifications.Input) bool {
		return in.PatientID == "pat-1" && in.Scenario == templates.ResultsAvailable && !in.SendAt.IsZero()
	})).Return(run, nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "notification:n-1", "run-1", notifications.StatusQuery).
		Return(encoded(t, notifications.State{Status: notifications.StatusScheduled, Attempts: []notifications.Attempt{}}), nil).Once()
	w := h.do(http.MethodPost, "/v1/notifications",
		`{"notificationId":"n-1","patientId":"pat-1","scenario":"results-available","sendAt":"2026-03-03T09:00:00-05:00"}`, "notify-secret-0007")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "/v1/notifications/n-1", w.Header().Get("Location"))
	assert.Contains(t, w.Body.String(), `"status":"scheduled"`)
	h.temporal.AssertExpectations(t)
}
