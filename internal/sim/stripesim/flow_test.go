package stripesim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

func TestAuthorizeCaptureRefundFlow(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()

	pi := authorize(t, sc, 5000, "pm_card_visa", map[string]string{"payment_id": "pay_1"})
	assert.Regexp(t, `^pi_[0-9A-Za-z]{24}$`, pi.ID)
	assert.Equal(t, stripe.PaymentIntentStatusRequiresCapture, pi.Status)
	assert.Equal(t, int64(5000), pi.AmountCapturable)
	assert.Equal(t, int64(0), pi.AmountReceived)
	assert.Equal(t, "pay_1", pi.Metadata["payment_id"])
	require.NotNil(t, pi.LatestCharge)
	assert.Regexp(t, `^ch_[0-9A-Za-z]{24}$`, pi.LatestCharge.ID)
	require.NotNil(t, pi.PaymentMethod)
	assert.Equal(t, "pm_card_visa", pi.PaymentMethod.ID)

	captured, err := sc.V1PaymentIntents.Capture(ctx, pi.ID, &stripe.PaymentIntentCaptureParams{
		AmountToCapture: stripe.Int64(3000)})
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, captured.Status)
	assert.Equal(t, int64(3000), captured.AmountReceived)
	assert.Equal(t, int64(0), captured.AmountCapturable)

	r1, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1000),
		Reason: stripe.String("requested_by_customer"), Metadata: map[string]string{"refund_id": "r1"}})
	require.NoError(t, err)
	assert.Regexp(t, `^re_[0-9A-Za-z]{24}$`, r1.ID)
	assert.Equal(t, stripe.RefundStatusSucceeded, r1.Status)
	assert.Equal(t, int64(1000), r1.Amount)
	assert.Equal(t, pi.LatestCharge.ID, r1.Charge.ID)
	assert.Equal(t, pi.ID, r1.PaymentIntent.ID)
	assert.Equal(t, "r1", r1.Metadata["refund_id"])

	// No amount refunds what is left: 3000 captured - 1000 refunded.
	r2, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	require.NoError(t, err)
	assert.Equal(t, int64(2000), r2.Amount)

	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1)})
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusBadRequest, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorTypeInvalidRequest, se.Type)
	assert.Equal(t, stripe.ErrorCode("charge_already_refunded"), se.Code)

	got, err := sc.V1Refunds.Retrieve(ctx, r1.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), got.Amount)

	ch, err := sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(3000), ch.AmountRefunded)
	assert.Equal(t, int64(3000), ch.AmountCaptured)
	assert.True(t, ch.Refunded)
	assert.Equal(t, "pay_1", ch.Metadata["payment_id"], "charge carries the PaymentIntent's metadata")

	view, ok := srv.Sim.PaymentIntent(pi.ID)
	require.True(t, ok)
	assert.Equal(t, "succeeded", view.Status)
	assert.Equal(t, int64(3000), view.AmountRefunded)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Creates)
	assert.Equal(t, 1, st.Captures)
	assert.Equal(t, 2, st.Refunds)
	assert.Equal(t, map[string]int{pi.ID: 1}, st.CapturesByIntent)
}

func TestOverRefundRejected(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()
	pi := authorize(t, sc, 2000, "pm_card_mastercard", nil)
	_, err := sc.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	require.NoError(t, err)
	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1500)})
	require.NoError(t, err)

	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(501)})
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusBadRequest, se.HTTPStatusCode)
	assert.Equal(t, "amount", se.Param)
	assert.Contains(t, se.Msg, "$5.00")
	assert.Equal(t, 1, srv.Sim.Stats().Refunds, "a rejected refund is not counted")
}

func TestCaptureRules(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()
	pi := authorize(t, sc, 1000, "pm_card_visa", nil)

	_, err := sc.V1PaymentIntents.Capture(ctx, pi.ID, &stripe.PaymentIntentCaptureParams{
		AmountToCapture: stripe.Int64(1001)})
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusBadRequest, se.HTTPStatusCode)
	assert.Equal(t, "amount_to_capture", se.Param)

	_, err = sc.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	require.NoError(t, err)
	_, err = sc.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	se = stripeErr(t, err)
	assert.Equal(t, stripe.ErrorCodePaymentIntentUnexpectedState, se.Code)
	require.NotNil(t, se.PaymentIntent)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, se.PaymentIntent.Status)

	_, err = sc.V1PaymentIntents.Cancel(ctx, pi.ID, nil)
	se = stripeErr(t, err)
	assert.Equal(t, stripe.ErrorCodePaymentIntentUnexpectedState, se.Code)
	assert.Equal(t, 1, srv.Sim.Stats().CapturesByIntent[pi.ID])
}

func TestCancelAuthorization(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()
	pi := authorize(t, sc, 1000, "pm_card_visa", nil)

	canceled, err := sc.V1PaymentIntents.Cancel(ctx, pi.ID, &stripe.PaymentIntentCancelParams{
		CancellationReason: stripe.String("abandoned")})
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusCanceled, canceled.Status)
	assert.Equal(t, stripe.PaymentIntentCancellationReasonAbandoned, canceled.CancellationReason)
	assert.NotZero(t, canceled.CanceledAt)

	_, err = sc.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	assert.Equal(t, stripe.ErrorCodePaymentIntentUnexpectedState, stripeErr(t, err).Code)
	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	assert.Equal(t, http.StatusBadRequest, stripeErr(t, err).HTTPStatusCode)
	assert.Equal(t, 1, srv.Sim.Stats().Cancels)
}

func TestCreateThenConfirmAndAutomaticCapture(t *testing.T) {
	_, sc := startWithClient(t)
	ctx := context.Background()

	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(700), Currency: stripe.String("eur")})
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusRequiresPaymentMethod, pi.Status)
	assert.Equal(t, stripe.PaymentIntentCaptureMethodAutomaticAsync, pi.CaptureMethod)
	assert.Nil(t, pi.LatestCharge)

	confirmed, err := sc.V1PaymentIntents.Confirm(ctx, pi.ID, &stripe.PaymentIntentConfirmParams{
		PaymentMethod: stripe.String("pm_card_amex")})
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, confirmed.Status)
	assert.Equal(t, int64(700), confirmed.AmountReceived)

	params := &stripe.PaymentIntentRetrieveParams{}
	params.AddExpand("latest_charge")
	got, err := sc.V1PaymentIntents.Retrieve(ctx, pi.ID, params)
	require.NoError(t, err)
	require.NotNil(t, got.LatestCharge)
	assert.True(t, got.LatestCharge.Captured, "expanded charge is an object")
	assert.Equal(t, "amex", string(got.LatestCharge.PaymentMethodDetails.Card.Brand))

	_, err = sc.V1PaymentIntents.Retrieve(ctx, "pi_missing", nil)
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusNotFound, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorCodeResourceMissing, se.Code)
}

func TestAuthentication(t *testing.T) {
	srv := startSim(t, stripesim.Options{})
	ctx := context.Background()
	params := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("usd")}

	_, err := newClient(srv.URL, "sk_test_wrong").V1PaymentIntents.Create(ctx, params)
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusUnauthorized, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorTypeInvalidRequest, se.Type)
	assert.NotContains(t, se.Msg, "sk_test_wrong", "the key is redacted")

	resp, err := plainClient.Post(srv.URL+"/v1/payment_intents", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	var body struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, "invalid_request_error", body.Error.Type)
	assert.Contains(t, body.Error.Message, "did not provide an API key")
	assert.Zero(t, srv.Sim.Stats().Creates)
}

func TestUnknownRoute(t *testing.T) {
	srv := startSim(t, stripesim.Options{})
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/customers", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := plainClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
