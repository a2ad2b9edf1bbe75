package stripesim_test

import (
	"context"
	"testing"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stripe/stripe-go/v85"
)

// BenchmarkAuthorizeCapture measures a full authorize+capture round trip
// through stripe-go, the unit of work a load generator drives.
func BenchmarkAuthorizeCapture(b *testing.B) {
	srv, err := stripesim.Start(stripesim.Options{SecretKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	sc := newClient(srv.URL, testKey)
	ctx := context.Background()
	for b.Loop() {
		pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
			Amount: stripe.Int64(1000), Currency: stripe.String("usd"),
			PaymentMethod: stripe.String("pm_card_visa"), CaptureMethod: stripe.String("manual"),
			Confirm: stripe.Bool(true), Metadata: map[string]string{"payment_id": "bench"},
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sc.V1PaymentIntents.Capture(ctx, pi.ID, nil); err != nil {
			b.Fatal(err)
		}
	}
}
