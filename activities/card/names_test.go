package card_test

import (
	"testing"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &card.Activities{}, card.AuthorizePaymentName, card.CapturePaymentName, card.CancelPaymentName, card.RefundPaymentName, card.ReleaseAuthorizationsName)
}
