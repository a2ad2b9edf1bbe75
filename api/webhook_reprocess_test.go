package api_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/payments"
)

// TestWebhookDeliveryKeptAndReprocessed: a verified Stripe delivery that could not be signalled
// (Temporal down) is kept, listed on the webhook channel, and re-driven once Temporal is back:
// the same event reaches the workflow, the new record names the original, the re-drive is audited.
func TestWebhookDeliveryKeptAndReprocessed(t *testing.T) {
	h, store := adminHarness(t)
	var got []payments.StripeEventSignal
	signal := h.temporal.On("SignalWorkflow", mock.Anything, "payment:pay-1", "", payments.StripeEventSignalName, mock.Anything)
	signal.Return(serviceerror.NewUnavailable("frontend down")).Once()
	res := h.deliver(stripeEvent(t, "evt_keep_1", payments.EventPaymentIntentSucceeded, succeededIntent), hookSecret, time.Now())
	require.Equal(t, http.StatusServiceUnavailable, res.Code)

	l := h.messages("?channel=webhook&outcome=error")
	require.Len(t, l.Messages, 1)
	orig := l.Messages[0]
	assert.Equal(t, "webhook", orig.Channel)
	assert.Equal(t, "webhook.stripe", orig.Action)
	assert.Equal(t, "webhook:stripe", orig.Source)
	assert.Equal(t, "evt_keep_1", orig.Exchange)
	assert.True(t, orig.HasPayload)
	assert.Empty(t, h.messages("?channel=mllp").Messages, "the MLLP channel lists no webhook")

	h.temporal.On("SignalWorkflow", mock.Anything, "payment:pay-1", "", payments.StripeEventSignalName, mock.Anything).
		Run(func(args mock.Arguments) { got = append(got, args.Get(4).(payments.StripeEventSignal)) }).Return(nil).Once()
	rp := h.reprocess(orig.ID)
	assert.Equal(t, http.StatusOK, rp.Status)
	assert.Equal(t, orig.ID, rp.Original)
	require.Len(t, rp.Records, 1)
	require.Len(t, got, 1)
	assert.Equal(t, "evt_keep_1", got[0].EventID)
	assert.Equal(t, "pi_1", got[0].PaymentIntentID)

	recs, err := store.List(t.Context(), audit.Filter{AfterID: orig.ID})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, rp.Records[0], recs[0].ID)
	assert.Equal(t, "webhook:stripe:reprocess:"+strconv.FormatInt(orig.ID, 10), recs[0].Actor)
	assert.Equal(t, audit.OutcomeOK, recs[0].Outcome)
	assert.Equal(t, "admin.reprocess", recs[1].Action)
	assert.Equal(t, rp.Audit, recs[1].ID)

	again := h.messages("?channel=webhook&outcome=accepted")
	require.Len(t, again.Messages, 1)
	assert.Equal(t, orig.ID, again.Messages[0].ReprocessOf)
}

// TestWebhookUnsignedBodiesAreNotKept: a wrongly signed delivery is recorded without its body
// (anyone could send one), so it cannot be re-driven.
func TestWebhookUnsignedBodiesAreNotKept(t *testing.T) {
	h, _ := adminHarness(t)
	res := h.deliver(stripeEvent(t, "evt_forged", payments.EventPaymentIntentSucceeded, succeededIntent), "whsec_other", time.Now())
	require.Equal(t, http.StatusBadRequest, res.Code)
	l := h.messages("?channel=webhook")
	require.Len(t, l.Messages, 1)
	assert.False(t, l.Messages[0].HasPayload)
	w := h.do(http.MethodPost, "/v1/admin/messages/"+strconv.FormatInt(l.Messages[0].ID, 10)+"/reprocess", "", adminSecret)
	assert.Equal(t, http.StatusConflict, problem(t, w).Status)
	h.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// TestWebhookReprocessSignsForItsRoute: a PMS delivery refused as malformed is re-driven through
// the PMS route with a fresh X-PMS-Signature: it is refused again for its content (not for its
// signature), and the answer says why.
func TestWebhookReprocessSignsForItsRoute(t *testing.T) {
	store := sealedStore(t)
	h := newHarness(t, func(d *api.Deps) {
		d.Records = store
		d.Appointments = api.AppointmentDefaults{PMSWebhookSecret: pmsHookSecret, FHIRWebhookSecret: fhirHookSecret,
			ConflictSearchAttribute: appointments.ConflictSearchAttribute}
	})
	body := `{"eventId":"evt_1","appointment":{"appointmentId":"appt-1"}}`
	w := h.do(http.MethodPost, "/webhooks/pms", body, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(body)))
	require.Equal(t, http.StatusBadRequest, w.Code)
	l := h.messages("?channel=webhook&outcome=rejected")
	require.Len(t, l.Messages, 1)
	rp := h.reprocess(l.Messages[0].ID)
	assert.Equal(t, http.StatusBadRequest, rp.Status)
	assert.NotEmpty(t, rp.Reason)
	assert.NotContains(t, rp.Reason, "signature", "the re-drive is signed as the vendor signs it")
}

// TestWebhookReprocessRefusesBareBodies: a body kept before deliveries were kept with their
// path and headers cannot be re-driven (409), and a bad channel is a 400.
func TestWebhookReprocessRefusesBareBodies(t *testing.T) {
	h, store := adminHarness(t)
	old, err := store.Append(t.Context(), audit.Record{Actor: "webhook:pms", Action: "webhook.pms", Vendor: "pms",
		Outcome: audit.OutcomeRejected, Payload: []byte(`{"eventId":"evt_old"}`)})
	require.NoError(t, err)
	w := h.do(http.MethodPost, "/v1/admin/messages/"+strconv.FormatInt(old.ID, 10)+"/reprocess", "", adminSecret)
	p := problem(t, w)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Detail, "without its delivery")

	w = h.do(http.MethodGet, "/v1/admin/messages?channel=fax", "", adminSecret)
	assert.Equal(t, http.StatusBadRequest, problem(t, w).Status)
}
