package stripe_test

import (
	"testing"

	stripeact "github.com/careflow/engine/activities/stripe"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &stripeact.Activities{}, stripeact.AuthorizePaymentName, stripeact.CapturePaymentName, stripeact.CancelPaymentName, stripeact.RefundPaymentName, stripeact.ReleaseAuthorizationsName)
}
