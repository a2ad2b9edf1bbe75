package card_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/payments"
)

const testKey = "sk_test_fake"

// fakeReq is one request the fake Stripe received.
type fakeReq struct {
	Method, Path string
	Form         url.Values
	Header       http.Header
}

// fakeStripe answers every request with the next scripted response and records the request.
type fakeStripe struct {
	t       *testing.T
	mu      sync.Mutex
	replies []fakeReply
	reqs    []fakeReq
	srv     *httptest.Server
}

type fakeReply struct {
	status int
	body   string
}

func newFakeStripe(t *testing.T, replies ...fakeReply) *fakeStripe {
	t.Helper()
	f := &fakeStripe{t: t, replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		f.t.Errorf("fake stripe: bad form body: %v", err)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, fakeReq{Method: r.Method, Path: r.URL.Path, Form: form, Header: r.Header.Clone()})
	reply := fakeReply{status: 500, body: `{"error":{"type":"api_error","message":"no scripted reply"}}`}
	if len(f.replies) > 0 {
		reply, f.replies = f.replies[0], f.replies[1:]
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_fake")
	w.WriteHeader(reply.status)
	_, _ = io.WriteString(w, reply.body)
}

func (f *fakeStripe) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.reqs...)
}

// harness runs the activities in Temporal's test activity environment, so returned errors
// pass through the failure converter exactly as a workflow receives them.
type harness struct {
	env   *testsuite.TestActivityEnvironment
	acts  *card.Activities
	store *memStore
}

func newHarness(t *testing.T, baseURL string) *harness {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	store := newMemStore()
	acts := &card.Activities{
		Stripe:  card.NewClient(baseURL, testKey, &http.Client{Timeout: 5 * time.Second}),
		Records: store,
	}
	env.RegisterActivity(acts)
	return &harness{env: env, acts: acts, store: store}
}

func (h *harness) authorize(in card.AuthorizeInput) (card.AuthorizeResult, error) {
	var res card.AuthorizeResult
	v, err := h.env.ExecuteActivity(h.acts.AuthorizePayment, in)
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

func (h *harness) capture(in card.CaptureInput) (card.CaptureResult, error) {
	var res card.CaptureResult
	v, err := h.env.ExecuteActivity(h.acts.CapturePayment, in)
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

func (h *harness) cancel(in card.CancelInput) (card.CancelResult, error) {
	var res card.CancelResult
	v, err := h.env.ExecuteActivity(h.acts.CancelPayment, in)
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

func (h *harness) refund(in card.RefundInput) (card.RefundResult, error) {
	var res card.RefundResult
	v, err := h.env.ExecuteActivity(h.acts.RefundPayment, in)
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

func authorizeInput() card.AuthorizeInput {
	return card.AuthorizeInput{
		IdempotencyKey: "payment:p-1/authorize",
		PaymentID:      "p-1",
		WorkflowID:     "payment:p-1",
		Amount:         5000,
		Currency:       "usd",
		CustomerRef:    "cus_123",
		PaymentMethod:  "pm_card_visa",
		Description:    "copay",
	}
}

// appErr returns the application error at the top of err's chain, failing the test otherwise.
func appErr(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae), "want an application error, got %T: %v", err, err)
	return ae
}

const piAuthorized = `{"id":"pi_1","object":"payment_intent","status":"requires_capture","amount":5000,
	"amount_capturable":5000,"latest_charge":"ch_1","description":"copay"}`

func TestAuthorizeSendsExactParamsAndRecords(t *testing.T) {
	f := newFakeStripe(t, fakeReply{200, piAuthorized})
	h := newHarness(t, f.srv.URL)

	res, err := h.authorize(authorizeInput())
	require.NoError(t, err)
	assert.Equal(t, card.AuthorizeResult{PaymentIntentID: "pi_1", Status: "requires_capture", AmountCapturable: 5000, ChargeID: "ch_1",
		IdempotencyKey: authorizeInput().IdempotencyKey}, res)

	reqs := f.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/v1/payment_intents", r.Path)
	assert.Equal(t, "payment:p-1/authorize", r.Header.Get("Idempotency-Key"))
	assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
	assert.Empty(t, r.Header.Get("X-Stripe-Client-Telemetry"))
	want := url.Values{
		"amount":                  {"5000"},
		"currency":                {"usd"},
		"payment_method":          {"pm_card_visa"},
		"payment_method_types[0]": {"card"},
		"confirm":                 {"true"},
		"capture_method":          {"manual"},
		"customer":                {"cus_123"},
		"description":             {"copay"},
		"metadata[payment_id]":    {"p-1"},
		"metadata[workflow_id]":   {"payment:p-1"},
		"metadata[customer_ref]":  {"cus_123"},
	}
	assert.Equal(t, want, r.Form)

	ctx := t.Context()
	wf, err := h.store.LookupCrosswalk(ctx, crosswalk.StripePaymentIntent, "pi_1")
	require.NoError(t, err)
	assert.Equal(t, "payment:p-1", wf)
	wf, err = h.store.LookupCrosswalk(ctx, crosswalk.StripeCharge, "ch_1")
	require.NoError(t, err)
	assert.Equal(t, "payment:p-1", wf)

	recs := h.store.all()
	require.Len(t, recs, 1)
	rec := recs[0]
	assert.Equal(t, "worker", rec.Actor)
	assert.Equal(t, card.ActionAuthorize, rec.Action)
	assert.Equal(t, "payment:p-1", rec.Process)
	assert.Equal(t, "stripe", rec.Vendor)
	assert.Equal(t, "pi_1", rec.Exchange)
	assert.Equal(t, audit.OutcomeOK, rec.Outcome)
	assert.Equal(t, "200", rec.Code)
	assert.GreaterOrEqual(t, rec.Latency, time.Duration(0))
}

func TestAuthorizeOmitsCustomerUnlessStripeCustomer(t *testing.T) {
	f := newFakeStripe(t, fakeReply{200, piAuthorized})
	h := newHarness(t, f.srv.URL)
	in := authorizeInput()
	in.CustomerRef = "mrn-00042"
	in.Description = ""

	_, err := h.authorize(in)
	require.NoError(t, err)
	form := f.requests()[0].Form
	assert.NotContains(t, form, "customer")
	assert.NotContains(t, form, "description")
	assert.Equal(t, "mrn-00042", form.Get("metadata[customer_ref]"))
}

// TestMetadataKeysMatchPaymentsContract checks the authorization carries the payment under the
// metadata keys the payments contract (and so the Stripe webhook) reads.
func TestMetadataKeysMatchPaymentsContract(t *testing.T) {
	f := newFakeStripe(t, fakeReply{200, piAuthorized})
	h := newHarness(t, f.srv.URL)
	in := authorizeInput()
	_, err := h.authorize(in)
	require.NoError(t, err)
	form := f.requests()[0].Form
	assert.Equal(t, in.PaymentID, form.Get("metadata["+payments.MetadataPaymentID+"]"))
	assert.Equal(t, in.WorkflowID, form.Get("metadata["+payments.MetadataWorkflowID+"]"))
}

// secretText appears only in Stripe's free-text fields; it must never surface in an error.
const secretText = "Jane Q Patient"

func TestAuthorizeErrorClassification(t *testing.T) {
	cases := []struct {
		name         string
		status       int
		body         string
		retryable    bool
		errType      string
		auditOutcome string
		auditCode    string
		info         *card.DeclineInfo
		message      string
	}{
		{
			name: "500 is retryable", status: 500,
			body:      `{"error":{"type":"api_error","message":"boom ` + secretText + `"}}`,
			retryable: true, auditOutcome: audit.OutcomeError, auditCode: "500",
		},
		{
			name: "429 is retryable", status: 429,
			body:      `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow down"}}`,
			retryable: true, auditOutcome: audit.OutcomeError, auditCode: "429",
		},
		{
			name: "409 in-flight idempotency key is retryable", status: 409,
			body:      `{"error":{"type":"idempotency_error","code":"idempotency_key_in_use","message":"in use"}}`,
			retryable: true, auditOutcome: audit.OutcomeError, auditCode: "409",
		},
		{
			name: "402 card error is a decline", status: 402,
			body: `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
				"message":"Your card has insufficient funds.","payment_intent":{"id":"pi_declined","object":"payment_intent",
				"status":"requires_payment_method","description":"` + secretText + `"}}}`,
			errType: card.ErrTypeCardDeclined, auditOutcome: audit.OutcomeRejected, auditCode: "insufficient_funds",
			info:    &card.DeclineInfo{Code: "card_declined", DeclineCode: "insufficient_funds", HTTPStatus: 402, RequestID: "req_fake"},
			message: "card declined: insufficient_funds",
		},
		{
			name: "400 is an invalid request", status: 400,
			body: `{"error":{"type":"invalid_request_error","code":"parameter_invalid_integer","param":"amount",
				"message":"Invalid integer: ` + secretText + `"}}`,
			errType: card.ErrTypeInvalidRequest, auditOutcome: audit.OutcomeRejected, auditCode: "400",
			info:    &card.DeclineInfo{Code: "parameter_invalid_integer", HTTPStatus: 400, RequestID: "req_fake", Param: "amount"},
			message: "stripe rejected the request: parameter_invalid_integer",
		},
		{
			name: "401 is an authentication failure", status: 401,
			body:    `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****fake"}}`,
			errType: card.ErrTypeAuthentication, auditOutcome: audit.OutcomeRejected, auditCode: "401",
			info: &card.DeclineInfo{HTTPStatus: 401, RequestID: "req_fake"},
		},
		{
			name: "403 is an authentication failure", status: 403,
			body:    `{"error":{"type":"invalid_request_error","message":"forbidden"}}`,
			errType: card.ErrTypeAuthentication, auditOutcome: audit.OutcomeRejected, auditCode: "403",
			info: &card.DeclineInfo{HTTPStatus: 403, RequestID: "req_fake"},
		},
		{
			name: "404 is an invalid request", status: 404,
			body:    `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_method"}}`,
			errType: card.ErrTypeInvalidRequest, auditOutcome: audit.OutcomeRejected, auditCode: "404",
			info: &card.DeclineInfo{Code: "resource_missing", HTTPStatus: 404, RequestID: "req_fake"},
		},
		{
			name: "502 with a non-JSON page is retryable", status: 502,
			body:      `<html>bad gateway ` + secretText + `</html>`,
			retryable: true, auditOutcome: audit.OutcomeError, auditCode: "unexpected_response",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A second scripted success proves the client itself did not retry.
			f := newFakeStripe(t, fakeReply{tc.status, tc.body}, fakeReply{200, piAuthorized})
			h := newHarness(t, f.srv.URL)

			_, err := h.authorize(authorizeInput())
			ae := appErr(t, err)
			assert.Len(t, f.requests(), 1, "stripe-go must not retry on its own")
			assert.Equal(t, !tc.retryable, ae.NonRetryable(), "non-retryable flag")
			if tc.errType != "" {
				assert.Equal(t, tc.errType, ae.Type())
			}
			if tc.info != nil {
				var got card.DeclineInfo
				require.NoError(t, ae.Details(&got))
				assert.Equal(t, *tc.info, got)
			}
			if tc.message != "" {
				assert.Equal(t, tc.message, ae.Message())
			}
			// The whole chain, as stored in the history, carries codes only.
			assert.NotContains(t, err.Error(), secretText)
			assert.NotContains(t, err.Error(), "insufficient funds.")

			recs := h.store.all()
			require.Len(t, recs, 1)
			assert.Equal(t, tc.auditOutcome, recs[0].Outcome)
			assert.Equal(t, tc.auditCode, recs[0].Code)
		})
	}
}

func TestDeclineRecordsIntentCrosswalk(t *testing.T) {
	f := newFakeStripe(t, fakeReply{402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline",
		"payment_intent":{"id":"pi_declined","object":"payment_intent"}}}`})
	h := newHarness(t, f.srv.URL)
	_, err := h.authorize(authorizeInput())
	assert.Equal(t, card.ErrTypeCardDeclined, appErr(t, err).Type())
	wf, err := h.store.LookupCrosswalk(t.Context(), crosswalk.StripePaymentIntent, "pi_declined")
	require.NoError(t, err)
	assert.Equal(t, "payment:p-1", wf)
	assert.Equal(t, "pi_declined", h.store.all()[0].Exchange)
}

func TestAuthorizeRequiresActionIsDecline(t *testing.T) {
	f := newFakeStripe(t, fakeReply{200, `{"id":"pi_3ds","object":"payment_intent","status":"requires_action","amount":5000}`})
	h := newHarness(t, f.srv.URL)
	_, err := h.authorize(authorizeInput())
	ae := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, card.ErrTypeCardDeclined, ae.Type())
	var info card.DeclineInfo
	require.NoError(t, ae.Details(&info))
	assert.Equal(t, "authentication_required", info.Code)
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	f := newFakeStripe(t)
	f.srv.Close() // nothing listens any more
	h := newHarness(t, f.srv.URL)
	_, err := h.authorize(authorizeInput())
	ae := appErr(t, err)
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, "network", h.store.all()[0].Code)
}

func TestInvalidInputNeverReachesStripe(t *testing.T) {
	f := newFakeStripe(t)
	h := newHarness(t, f.srv.URL)
	in := authorizeInput()
	in.IdempotencyKey = ""
	_, err := h.authorize(in)
	ae := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, card.ErrTypeInvalidRequest, ae.Type())

	_, err = h.capture(card.CaptureInput{IdempotencyKey: "k", WorkflowID: "payment:p-1"})
	assert.Equal(t, card.ErrTypeInvalidRequest, appErr(t, err).Type())
	assert.Empty(t, f.requests())
}

func TestCaptureCancelRefundParams(t *testing.T) {
	f := newFakeStripe(t,
		fakeReply{200, `{"id":"pi_1","object":"payment_intent","status":"succeeded","amount_received":3000,"latest_charge":"ch_1"}`},
		fakeReply{200, `{"id":"pi_2","object":"payment_intent","status":"canceled"}`},
		fakeReply{200, `{"id":"re_1","object":"refund","status":"succeeded","amount":1000}`},
	)
	h := newHarness(t, f.srv.URL)

	cr, err := h.capture(card.CaptureInput{IdempotencyKey: "payment:p-1/capture", WorkflowID: "payment:p-1", PaymentIntentID: "pi_1", Amount: 3000})
	require.NoError(t, err)
	assert.Equal(t, card.CaptureResult{Status: "succeeded", AmountReceived: 3000, IdempotencyKey: "payment:p-1/capture"}, cr)

	xr, err := h.cancel(card.CancelInput{IdempotencyKey: "payment:p-2/cancel", WorkflowID: "payment:p-2", PaymentIntentID: "pi_2", Reason: "abandoned"})
	require.NoError(t, err)
	assert.Equal(t, card.CancelResult{Status: "canceled", IdempotencyKey: "payment:p-2/cancel"}, xr)

	rr, err := h.refund(card.RefundInput{IdempotencyKey: "payment:p-1/refund-1", WorkflowID: "payment:p-1", PaymentID: "p-1",
		PaymentIntentID: "pi_1", Amount: 1000, Reason: "requested_by_customer"})
	require.NoError(t, err)
	assert.Equal(t, card.RefundResult{RefundID: "re_1", Status: "succeeded", Amount: 1000, IdempotencyKey: "payment:p-1/refund-1"}, rr)

	reqs := f.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/v1/payment_intents/pi_1/capture", reqs[0].Path)
	assert.Equal(t, url.Values{"amount_to_capture": {"3000"}}, reqs[0].Form)
	assert.Equal(t, "payment:p-1/capture", reqs[0].Header.Get("Idempotency-Key"))

	assert.Equal(t, "/v1/payment_intents/pi_2/cancel", reqs[1].Path)
	assert.Equal(t, url.Values{"cancellation_reason": {"abandoned"}}, reqs[1].Form)
	assert.Equal(t, "payment:p-2/cancel", reqs[1].Header.Get("Idempotency-Key"))

	assert.Equal(t, "/v1/refunds", reqs[2].Path)
	assert.Equal(t, url.Values{
		"payment_intent": {"pi_1"}, "amount": {"1000"}, "reason": {"requested_by_customer"},
		"metadata[workflow_id]": {"payment:p-1"}, "metadata[payment_id]": {"p-1"},
		"metadata[careflow_key]": {"payment:p-1/refund-1"},
	}, reqs[2].Form)
	assert.Equal(t, "payment:p-1/refund-1", reqs[2].Header.Get("Idempotency-Key"))

	var actions []string
	for _, r := range h.store.all() {
		assert.Equal(t, audit.OutcomeOK, r.Outcome)
		actions = append(actions, r.Action+" "+r.Exchange)
	}
	assert.Equal(t, []string{"stripe.capture pi_1", "stripe.cancel pi_2", "stripe.refund re_1"}, actions)
	wf, err := h.store.LookupCrosswalk(t.Context(), crosswalk.StripeRefund, "re_1")
	require.NoError(t, err)
	assert.Equal(t, "payment:p-1", wf)
}

func TestZeroAmountsSendNoAmount(t *testing.T) {
	f := newFakeStripe(t,
		fakeReply{200, `{"id":"pi_1","object":"payment_intent","status":"succeeded","amount_received":5000}`},
		fakeReply{200, `{"id":"re_1","object":"refund","status":"pending","amount":5000}`},
	)
	h := newHarness(t, f.srv.URL)
	_, err := h.capture(card.CaptureInput{IdempotencyKey: "k1", WorkflowID: "payment:p-1", PaymentIntentID: "pi_1"})
	require.NoError(t, err)
	_, err = h.refund(card.RefundInput{IdempotencyKey: "k2", WorkflowID: "payment:p-1", PaymentIntentID: "pi_1"})
	require.NoError(t, err)
	reqs := f.requests()
	assert.Empty(t, reqs[0].Form)
	assert.Equal(t, url.Values{"payment_intent": {"pi_1"}, "metadata[workflow_id]": {"payment:p-1"},
		"metadata[careflow_key]": {"k2"}}, reqs[1].Form)
}

func TestAuditFailureDoesNotFailStripeCall(t *testing.T) {
	f := newFakeStripe(t, fakeReply{200, piAuthorized})
	h := newHarness(t, f.srv.URL)
	h.store.failWrites = true
	res, err := h.authorize(authorizeInput())
	require.NoError(t, err)
	assert.Equal(t, "pi_1", res.PaymentIntentID)
	assert.Empty(t, h.store.all())
}

func TestNewClientDefaultsToAnHTTPClientWithTimeout(t *testing.T) {
	f := newFakeStripe(t, fakeReply{200, piAuthorized})
	// A trailing slash must not produce "//v1/..." paths.
	c := card.NewClient(f.srv.URL+"/", testKey, nil)
	_, err := c.V1PaymentIntents.Cancel(t.Context(), "pi_1", nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(f.requests()[0].Path, "/v1/payment_intents/pi_1/cancel"))
}
