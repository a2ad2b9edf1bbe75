package stripesim_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

func TestDeclines(t *testing.T) {
	srv, sc := startWithClient(t)
	cases := []struct {
		pm          string
		code        stripe.ErrorCode
		declineCode stripe.DeclineCode
	}{
		{"pm_card_chargeDeclined", stripe.ErrorCodeCardDeclined, "generic_decline"},
		{"pm_card_chargeDeclinedInsufficientFunds", stripe.ErrorCodeCardDeclined, "insufficient_funds"},
		{"pm_card_chargeDeclinedExpiredCard", stripe.ErrorCodeExpiredCard, "expired_card"},
		{"pm_card_chargeDeclinedIncorrectCvc", stripe.ErrorCodeIncorrectCVC, "incorrect_cvc"},
	}
	for _, tc := range cases {
		t.Run(tc.pm, func(t *testing.T) {
			_, err := sc.V1PaymentIntents.Create(context.Background(), &stripe.PaymentIntentCreateParams{
				Amount: stripe.Int64(2500), Currency: stripe.String("usd"), PaymentMethod: stripe.String(tc.pm),
				CaptureMethod: stripe.String("manual"), Confirm: stripe.Bool(true),
				Metadata: map[string]string{"payment_id": "pay_d"},
			})
			se := stripeErr(t, err)
			assert.Equal(t, http.StatusPaymentRequired, se.HTTPStatusCode)
			assert.Equal(t, stripe.ErrorTypeCard, se.Type)
			assert.Equal(t, tc.code, se.Code)
			assert.Equal(t, tc.declineCode, se.DeclineCode)
			assert.NotEmpty(t, se.Msg)
			assert.Regexp(t, `^ch_`, se.ChargeID)

			var cardErr *stripe.CardError
			require.True(t, errors.As(err, &cardErr), "typed CardError is surfaced")
			assert.Equal(t, tc.declineCode, cardErr.DeclineCode)

			require.NotNil(t, se.PaymentIntent, "the declined PaymentIntent is embedded")
			assert.Equal(t, stripe.PaymentIntentStatusRequiresPaymentMethod, se.PaymentIntent.Status)
			require.NotNil(t, se.PaymentIntent.LastPaymentError)
			assert.Equal(t, tc.declineCode, se.PaymentIntent.LastPaymentError.DeclineCode)
			view, ok := srv.Sim.PaymentIntent(se.PaymentIntent.ID)
			require.True(t, ok)
			assert.Equal(t, string(tc.declineCode), view.DeclineCode)
			assert.Equal(t, "pay_d", view.Metadata["payment_id"])
		})
	}
	st := srv.Sim.Stats()
	assert.Equal(t, len(cases), st.Declines)
	assert.Zero(t, st.Creates, "declined creates are not successful operations")
}

func TestDeclinedThenConfirmedWithAnotherCard(t *testing.T) {
	_, sc := startWithClient(t)
	ctx := context.Background()
	_, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(900), Currency: stripe.String("usd"),
		PaymentMethod: stripe.String("pm_card_chargeDeclined"),
		CaptureMethod: stripe.String("manual"), Confirm: stripe.Bool(true)})
	se := stripeErr(t, err)
	require.NotNil(t, se.PaymentIntent)

	pi, err := sc.V1PaymentIntents.Confirm(ctx, se.PaymentIntent.ID, &stripe.PaymentIntentConfirmParams{
		PaymentMethod: stripe.String("pm_card_visa")})
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusRequiresCapture, pi.Status)
	assert.Nil(t, pi.LastPaymentError)
	assert.NotEqual(t, se.ChargeID, pi.LatestCharge.ID, "a new attempt makes a new charge")
}

func TestValidation(t *testing.T) {
	srv, sc := startWithClient(t)
	cases := []struct {
		name   string
		params *stripe.PaymentIntentCreateParams
		status int
		param  string
		code   stripe.ErrorCode
	}{
		{"zero amount", &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(0), Currency: stripe.String("usd")},
			400, "amount", stripe.ErrorCodeAmountTooSmall},
		{"negative amount", &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(-5), Currency: stripe.String("usd")},
			400, "amount", stripe.ErrorCodeAmountTooSmall},
		{"missing amount", &stripe.PaymentIntentCreateParams{Currency: stripe.String("usd")},
			400, "amount", stripe.ErrorCodeParameterMissing},
		{"unknown currency", &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("xyz")},
			400, "currency", ""},
		{"uppercase currency", &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("USD")},
			400, "currency", ""},
		{"unknown payment method", &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100),
			Currency: stripe.String("usd"), PaymentMethod: stripe.String("pm_nope"), Confirm: stripe.Bool(true)},
			400, "payment_method", stripe.ErrorCodeResourceMissing},
		{"bad capture method", &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100),
			Currency: stripe.String("usd"), CaptureMethod: stripe.String("later")},
			400, "capture_method", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sc.V1PaymentIntents.Create(context.Background(), tc.params)
			se := stripeErr(t, err)
			assert.Equal(t, tc.status, se.HTTPStatusCode)
			assert.Equal(t, stripe.ErrorTypeInvalidRequest, se.Type)
			assert.Equal(t, tc.param, se.Param)
			assert.Equal(t, tc.code, se.Code)
			var inv *stripe.InvalidRequestError
			assert.True(t, errors.As(err, &inv))
		})
	}
	assert.Zero(t, srv.Sim.Stats().Creates)
}
