package crosswalk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/careflow/engine/internal/crosswalk"
)

// TestValuesAreStable pins the stored kinds and keys: mappings and Stripe objects written by
// earlier versions must still be found.
func TestValuesAreStable(t *testing.T) {
	assert.Equal(t, "stripe.payment_intent", crosswalk.StripePaymentIntent)
	assert.Equal(t, "stripe.charge", crosswalk.StripeCharge)
	assert.Equal(t, "stripe.refund", crosswalk.StripeRefund)
	assert.Equal(t, "sms.page-code", crosswalk.SMSPageCode)
	assert.Equal(t, "sms.page-sid", crosswalk.SMSPageSID)
	assert.Equal(t, "+15551230001:123456", crosswalk.PageCodeKey("+15551230001", "123456"))
	assert.Equal(t, "payment_id", crosswalk.StripeMetadataPaymentID)
	assert.Equal(t, "workflow_id", crosswalk.StripeMetadataWorkflowID)
	assert.Equal(t, "customer_ref", crosswalk.StripeMetadataCustomerRef)
}
