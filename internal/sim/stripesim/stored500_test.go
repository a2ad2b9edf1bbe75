package stripesim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

// A 500 stored under a key is replayed to every retry with that key, as Stripe does for 24
// hours; only a new key reaches the operation, and the intent's state tells the two apart.
func TestStoredServerErrorReplaysForTheKey(t *testing.T) {
	srv, sc := startWithClient(t)
	pi := authorize(t, sc, 1500, "pm_card_visa", map[string]string{"workflow_id": "payment:p1"})
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultStoredServerError, Count: 1})

	for range 3 {
		_, err := captureWithKey(sc, pi.ID, "payment:p1/capture")
		se := stripeErr(t, err)
		assert.Equal(t, http.StatusInternalServerError, se.HTTPStatusCode)
	}
	got, err := sc.V1PaymentIntents.Retrieve(context.Background(), pi.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusRequiresCapture, got.Status, "the stored 500 captured nothing")

	done, err := captureWithKey(sc, pi.ID, "payment:p1/capture#2")
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, done.Status)
	assert.Equal(t, 1, srv.Sim.Stats().Captures)
	assert.Equal(t, 2, srv.Sim.Stats().Replays)
}

// Search by metadata and refund lists by payment intent find what reconciliation needs.
func TestSearchIntentsAndListRefunds(t *testing.T) {
	_, sc := startWithClient(t)
	ctx := context.Background()
	pi := authorize(t, sc, 1500, "pm_card_visa", map[string]string{"workflow_id": "payment:p1"})
	authorize(t, sc, 900, "pm_card_visa", map[string]string{"workflow_id": "payment:p2"})

	var ids []string
	for found, err := range sc.V1PaymentIntents.Search(ctx, &stripe.PaymentIntentSearchParams{
		SearchParams: stripe.SearchParams{Query: "metadata['workflow_id']:'payment:p1'"}}).All(ctx) {
		require.NoError(t, err)
		ids = append(ids, found.ID)
	}
	assert.Equal(t, []string{pi.ID}, ids)

	_, err := captureWithKey(sc, pi.ID, "k1")
	require.NoError(t, err)
	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID),
		Amount: stripe.Int64(100), Metadata: map[string]string{"careflow_key": "payment:p1/refund/1"}})
	require.NoError(t, err)
	var keys []string
	for re, err := range sc.V1Refunds.List(ctx, &stripe.RefundListParams{PaymentIntent: stripe.String(pi.ID)}).All(ctx) {
		require.NoError(t, err)
		keys = append(keys, re.Metadata["careflow_key"])
	}
	assert.Equal(t, []string{"payment:p1/refund/1"}, keys)
}
