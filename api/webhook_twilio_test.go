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
	"github.com/careflow/engine/workflows/notifications"
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

// postTwilioTo posts form to path (with its query), signed for signedPath as Twilio signs the
// status callback URL it was given.
func postTwilioTo(h *harness, path, signedPath string, form url.Values) *httptest.ResponseRecorder {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(twilio.SignatureHeader, twilio.Sign(twilioToken, publicURL+signedPath, form))
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

// A status callback that arrives before the SMS activity has recorded the message SID (Twilio
// can call back before its API answer is processed) is not lost: the callback URL names the
// notification, and the signature covers it.
func TestTwilioStatusRoutedByCallbackRefBeforeTheSIDIsKnown(t *testing.T) {
	h, _ := newPrefsHarness(t)
	path := "/webhooks/twilio?" + url.Values{twilio.CallbackRefParam: {"notification:n-2"}}.Encode()
	h.temporal.On("SignalWorkflow", mock.Anything, "notification:n-2", "", notifications.DeliveryStatusSignalName,
		notifications.DeliveryStatus{SID: "SM88", Status: "delivered"}).Return(nil).Once()
	w := postTwilioTo(h, path, path, url.Values{"MessageSid": {"SM88"}, "MessageStatus": {"delivered"}})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	assert.Equal(t, "notification:n-2", h.store.last(t).Process)
	h.temporal.AssertExpectations(t)
}

// The ref is trusted only under Twilio's signature: a callback whose URL names another
// notification than the one signed is refused and signals nothing, and a ref that names no
// notification routes nothing.
func TestTwilioCallbackRefNeedsTheSignatureAndANotification(t *testing.T) {
	h, _ := newPrefsHarness(t)
	signed := "/webhooks/twilio?" + url.Values{twilio.CallbackRefParam: {"notification:n-2"}}.Encode()
	forged := "/webhooks/twilio?" + url.Values{twilio.CallbackRefParam: {"notification:n-3"}}.Encode()
	w := postTwilioTo(h, forged, signed, url.Values{"MessageSid": {"SM89"}, "MessageStatus": {"delivered"}})
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())

	other := "/webhooks/twilio?" + url.Values{twilio.CallbackRefParam: {"payment:p-1"}}.Encode()
	w = postTwilioTo(h, other, other, url.Values{"MessageSid": {"SM90"}, "MessageStatus": {"delivered"}})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	h.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// A page's "undelivered" that beats the Page activity's SID record reaches its lab order by
// the order named in the callback URL, so the escalation moves on at once.
func TestTwilioPageStatusRoutedByCallbackRef(t *testing.T) {
	h := newHarness(t, func(d *api.Deps) { d.TwilioAuthToken, d.PublicURL = twilioToken, publicURL })
	path := "/webhooks/twilio?" + url.Values{twilio.CallbackRefParam: {labWorkflow}}.Encode()
	h.temporal.On("SignalWorkflow", mock.Anything, labWorkflow, "", laborders.PageStatusSignalName,
		laborders.PageStatus{SID: "SM91", Status: "undelivered"}).Return(nil).Once()
	w := postTwilioTo(h, path, path, url.Values{"MessageSid": {"SM91"}, "MessageStatus": {"undelivered"}})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	// "delivered" needs nothing from the order.
	w = postTwilioTo(h, path, path, url.Values{"MessageSid": {"SM91"}, "MessageStatus": {"delivered"}})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	h.temporal.AssertExpectations(t)
}
