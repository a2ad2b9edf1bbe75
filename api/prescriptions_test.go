package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/prescriptions"
)

const pharmacySecret = "pharmacy-webhook-secret"

var webhookNow = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)

func rxHarness(t *testing.T) *harness {
	return newHarness(t, func(d *api.Deps) {
		d.Prescriptions = api.PrescriptionDeps{WebhookSecret: pharmacySecret, ReviewTimeout: 24 * time.Hour,
			Now: func() time.Time { return webhookNow }}
	})
}

func TestPrescriptionStartCreatesAndBoundsTimeouts(t *testing.T) {
	h := rxHarness(t)
	var got prescriptions.Input
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == "prescription:rx-1" && o.TaskQueue == prescriptions.TaskQueue
	}), prescriptions.WorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { got = args.Get(3).(prescriptions.Input) }).Return(runMock(t, "run-1"), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "prescription:rx-1", "run-1", prescriptions.StatusQuery).
		Return(encoded(t, prescriptions.State{PrescriptionID: "rx-1", Status: prescriptions.StatusNeedsReview}), nil)
	w := h.do(http.MethodPost, "/v1/prescriptions", `{"prescriptionId":"rx-1","reviewTimeoutSeconds":999999}`, adminSecret)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "/v1/prescriptions/rx-1", w.Header().Get("Location"))
	assert.Equal(t, int64(24*3600), got.ReviewTimeoutSeconds, "a request cannot wait longer than configured")
	assert.Contains(t, w.Body.String(), `"status":"needs-review"`)
	assert.Equal(t, "prescriptions.start", h.store.last(t).Action)
}

func TestPrescriptionStartInvalidID(t *testing.T) {
	h := rxHarness(t)
	w := h.do(http.MethodPost, "/v1/prescriptions", `{"prescriptionId":"`+strings.Repeat("x", 36)+`"}`, adminSecret)
	require.Equal(t, http.StatusBadRequest, w.Code)
	p := problem(t, w)
	require.Len(t, p.InvalidParams, 1)
	assert.Equal(t, "prescriptionId", p.InvalidParams[0].Name)
}

func TestPrescriptionOverrideUpdate(t *testing.T) {
	h := rxHarness(t)
	expectUpdate(h, func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == "prescription:rx-1" && o.UpdateName == prescriptions.OverrideUpdateName
	}, prescriptions.State{PrescriptionID: "rx-1", Status: prescriptions.StatusSending,
		Override: &prescriptions.Decision{By: "dr.demo", Reason: "tolerated"}}, nil)
	w := h.do(http.MethodPost, "/v1/prescriptions/rx-1/override", `{"by":"dr.demo","reason":"tolerated"}`, adminSecret)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"by":"dr.demo"`)
	assert.Equal(t, "prescriptions.override", h.store.last(t).Action)
}

// fillXML is a valid RxFill for prescription rx-1.
func fillXML(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../codecs/ncpdp/testdata/rxfill_dispensed.xml")
	require.NoError(t, err)
	return bytes.Replace(b, []byte("<PrescriberOrderNumber>RX-1001<"), []byte("<PrescriberOrderNumber>rx-1<"), 1)
}

func (h *harness) webhook(body []byte, signedAt time.Time) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/pharmacy", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/xml")
	pharmacy.SignRequest(r, []byte(pharmacySecret), body, signedAt)
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

func TestPharmacyWebhookSignalsThenAnswersStatus(t *testing.T) {
	h := rxHarness(t)
	var sig prescriptions.PharmacySignal
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:rx-1", "", prescriptions.PharmacySignalName, mock.Anything).
		Run(func(args mock.Arguments) { sig = args.Get(4).(prescriptions.PharmacySignal) }).Return(nil).Twice()
	body := fillXML(t)
	w := h.webhook(body, webhookNow.Add(-time.Minute))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "application/xml", w.Header().Get("Content-Type"))
	ans, err := ncpdp.Decode(w.Body.Bytes())
	require.NoError(t, err)
	assert.Equal(t, ncpdp.TypeStatus, ans.Type())
	assert.Equal(t, "PH-FILL-1", ans.Header.RelatesToMessageID)
	require.NotNil(t, sig.Message)
	assert.Equal(t, ncpdp.TypeRxFill, sig.Message.Type())
	rec := h.store.last(t)
	assert.Equal(t, "prescription:rx-1", rec.Process)
	assert.Equal(t, "PH-FILL-1", rec.Exchange)
	assert.Equal(t, []byte(body), keptBody(t, rec.Payload), "accepted deliveries are kept too, for reprocessing")

	again := h.webhook(body, webhookNow)
	require.Equal(t, http.StatusOK, again.Code)
	assert.Equal(t, w.Body.String(), again.Body.String(), "a redelivery gets the same answer")
}

func TestPharmacyWebhookRefusals(t *testing.T) {
	valid := func(t *testing.T) []byte { return fillXML(t) }
	cases := []struct {
		name     string
		body     func(t *testing.T) []byte
		signedAt time.Time
		status   int
		kept     bool
		detail   string
	}{
		{"old timestamp", valid, webhookNow.Add(-6 * time.Minute), http.StatusBadRequest, false, "5 minutes"},
		{"malformed XML", func(*testing.T) []byte { return []byte("<Message><Header>") }, webhookNow, http.StatusBadRequest, true, ""},
		{"unknown type", func(t *testing.T) []byte {
			b, err := os.ReadFile("../codecs/ncpdp/testdata/newrx.xml")
			require.NoError(t, err)
			return b
		}, webhookNow, http.StatusBadRequest, true, "message type"},
		{"missing header field", func(t *testing.T) []byte {
			return bytes.Replace(fillXML(t), []byte("<MessageID>PH-FILL-1</MessageID>"), nil, 1)
		}, webhookNow, http.StatusBadRequest, true, "MessageID"},
		{"neither order number nor relation", func(t *testing.T) []byte {
			b, err := os.ReadFile("../codecs/ncpdp/testdata/rxchange_request.xml")
			require.NoError(t, err)
			b = bytes.Replace(b, []byte("<PrescriberOrderNumber>RX-1001</PrescriberOrderNumber>"), nil, 1)
			return regexp.MustCompile(`<RelatesToMessageID>[^<]*</RelatesToMessageID>`).ReplaceAll(b, nil)
		}, webhookNow, http.StatusBadRequest, true, "PrescriberOrderNumber"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := rxHarness(t)
			body := c.body(t)
			w := h.webhook(body, c.signedAt)
			require.Equal(t, c.status, w.Code, w.Body.String())
			p := problem(t, w)
			assert.Contains(t, p.Detail, c.detail)
			rec := h.store.last(t)
			assert.Equal(t, audit.OutcomeRejected, rec.Outcome)
			if c.kept {
				assert.Equal(t, body, keptBody(t, rec.Payload), "the refused message is kept (sealed by the store)")
			} else {
				assert.Empty(t, rec.Payload)
			}
			h.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
		})
	}
}

func TestPharmacyWebhookUnknownPrescriptionIs404(t *testing.T) {
	h := rxHarness(t)
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:rx-1", "", prescriptions.PharmacySignalName, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	w := h.webhook(fillXML(t), webhookNow)
	require.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "no prescription with this id", problem(t, w).Detail)
}

// withoutOrderNumber is the RxFill relating to relatesTo with no PrescriberOrderNumber.
func withoutOrderNumber(t *testing.T, relatesTo string) []byte {
	b := bytes.Replace(fillXML(t), []byte("<PrescriberOrderNumber>rx-1</PrescriberOrderNumber>"), nil, 1)
	return bytes.Replace(b, []byte("</MessageID>"), []byte("</MessageID><RelatesToMessageID>"+relatesTo+"</RelatesToMessageID>"), 1)
}

func TestPharmacyWebhookRoutesByRelatesToMessageID(t *testing.T) {
	h := rxHarness(t)
	require.NoError(t, h.store.PutCrosswalk(context.Background(), crosswalk.PharmacyMessage, "NEWRX-1", "rx-1"))
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:rx-1", "", prescriptions.PharmacySignalName, mock.Anything).Return(nil).Once()
	w := h.webhook(withoutOrderNumber(t, "NEWRX-1"), webhookNow)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	unknown := h.webhook(withoutOrderNumber(t, "NEWRX-UNKNOWN"), webhookNow)
	require.Equal(t, http.StatusNotFound, unknown.Code)
	assert.Contains(t, problem(t, unknown).Detail, "RelatesToMessageID")
}

func TestPharmacyWebhookWithoutSecretIs503(t *testing.T) {
	h := newHarness(t)
	w := h.webhook(fillXML(t), time.Now())
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
}

// withRelatesTo is the RxFill for rx-1 (or another order number) relating to relatesTo.
func withRelatesTo(t *testing.T, order, relatesTo string) []byte {
	b := bytes.Replace(fillXML(t), []byte("<PrescriberOrderNumber>rx-1<"), []byte("<PrescriberOrderNumber>"+order+"<"), 1)
	return bytes.Replace(b, []byte("</MessageID>"), []byte("</MessageID><RelatesToMessageID>"+relatesTo+"</RelatesToMessageID>"), 1)
}

func TestPharmacyWebhookForeignRelatesToIsMatchedByOrderNumber(t *testing.T) {
	h := rxHarness(t)
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:rx-1", "", prescriptions.PharmacySignalName, mock.Anything).Return(nil).Once()
	w := h.webhook(withRelatesTo(t, "rx-1", "PHARMACY-OWN-7"), webhookNow)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	ans, err := ncpdp.Decode(w.Body.Bytes())
	require.NoError(t, err)
	assert.Equal(t, ncpdp.TypeStatus, ans.Type(), "acknowledged with a Status")
	assert.Equal(t, "prescription:rx-1", h.store.last(t).Process)
}

func TestPharmacyWebhookForeignOrderNumberIsMatchedByRelatesTo(t *testing.T) {
	h := rxHarness(t)
	require.NoError(t, h.store.PutCrosswalk(context.Background(), crosswalk.PharmacyMessage, "NEWRX-2", "rx-2"))
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:RX-PHARM-9", "", prescriptions.PharmacySignalName, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:rx-2", "", prescriptions.PharmacySignalName, mock.Anything).Return(nil).Once()
	w := h.webhook(withRelatesTo(t, "RX-PHARM-9", "NEWRX-2"), webhookNow)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "prescription:rx-2", h.store.last(t).Process)
}

func TestPharmacyWebhookMatchingNeitherIs404(t *testing.T) {
	h := rxHarness(t)
	h.temporal.On("SignalWorkflow", mock.Anything, "prescription:RX-PHARM-9", "", prescriptions.PharmacySignalName, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	w := h.webhook(withRelatesTo(t, "RX-PHARM-9", "PHARMACY-OWN-8"), webhookNow)
	require.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no prescription with this id", problem(t, w).Detail)
}
