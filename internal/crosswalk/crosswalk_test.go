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
	assert.Equal(t, "sms.sent", crosswalk.SMSSent)
	assert.Equal(t, "+15551230001:123456", crosswalk.PageCodeKey("+15551230001", "123456"))
	assert.Equal(t, "notify.sms-sid", crosswalk.NotifySMSSID)
	assert.Equal(t, "notify.slot", crosswalk.NotifySlot)
	assert.Equal(t, "pharmacy.message", crosswalk.PharmacyMessage)
	assert.Equal(t, "pms.appointment", crosswalk.PMSAppointment)
	assert.Equal(t, "fhir.appointment", crosswalk.FHIRAppointment)
	assert.Equal(t, "x12-837-group", crosswalk.X12Interchange)
	assert.Equal(t, "x12-837-set", crosswalk.X12InterchangeSet)
	assert.Equal(t, "x12-837-claim-submission", crosswalk.X12ClaimSubmission)
	assert.Equal(t, "77/0001", crosswalk.SetKey(77, "0001"))
	assert.Equal(t, "twilio.webhook", crosswalk.TwilioWebhook)
	assert.Equal(t, "payment_id", crosswalk.StripeMetadataPaymentID)
	assert.Equal(t, "workflow_id", crosswalk.StripeMetadataWorkflowID)
	assert.Equal(t, "customer_ref", crosswalk.StripeMetadataCustomerRef)
}
