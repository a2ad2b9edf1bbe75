package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/laborders"
)

const (
	twilioToken  = "twilio-auth-token"
	publicURL    = "https://engine.example"
	pagedFrom    = "+15550000001"
	pageCode     = "123456"
	labWorkflow  = "laborder:LAB-1"
	twilioSignal = laborders.PageReplySignalName
)

// postTwilio sends a form signed for PUBLIC_URL as Twilio would.
func postTwilio(h *harness, form url.Values) *httptest.ResponseRecorder {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks/twilio", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(twilio.SignatureHeader, twilio.Sign(twilioToken, publicURL+"/webhooks/twilio", form))
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

// Twilio retries a webhook it saw fail; a reply delivered twice signals the lab order once,
// and a status callback delivered twice is recorded once.
func TestTwilioWebhooksDeduplicatedByMessageSid(t *testing.T) {
	h := newHarness(t, func(d *api.Deps) { d.TwilioAuthToken, d.PublicURL = twilioToken, publicURL })
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.SMSPageCode, crosswalk.PageCodeKey(pagedFrom, pageCode), labWorkflow))
	h.temporal.On("SignalWorkflow", mock.Anything, labWorkflow, "", twilioSignal,
		laborders.PageReply{From: pagedFrom, Code: pageCode}).Return(nil).Once()

	reply := url.Values{"MessageSid": {"SM1"}, "From": {pagedFrom}, "Body": {"ack " + pageCode}}
	for range 2 {
		w := postTwilio(h, reply)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	// A new message with the same text is a new reply.
	h.temporal.On("SignalWorkflow", mock.Anything, labWorkflow, "", twilioSignal,
		laborders.PageReply{From: pagedFrom, Code: pageCode}).Return(nil).Once()
	w := postTwilio(h, url.Values{"MessageSid": {"SM2"}, "From": {pagedFrom}, "Body": {pageCode}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	status := url.Values{"MessageSid": {"SM9"}, "MessageStatus": {"delivered"}}
	before := len(h.store.records)
	for range 2 {
		w := postTwilio(h, status)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	}
	var outcomes []string
	for _, r := range h.store.records[before:] {
		outcomes = append(outcomes, r.Outcome)
	}
	assert.Equal(t, []string{"ok", "ignored"}, outcomes, "the second delivery is recorded as a duplicate")
	h.temporal.AssertExpectations(t)
}
