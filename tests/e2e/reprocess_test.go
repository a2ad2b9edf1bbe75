package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/payments"
)

// A result refused because its order did not exist yet is listed as rejected, and once the
// order exists, reprocessing it (issue 13 item 5) files it through the real MLLP inbound path;
// reprocessing it again is a duplicate the lab order ignores by MSH-10.
func TestReprocessRejectedResultAfterOrderExists(t *testing.T) {
	e := startEngine(t, func(c *config.Config) {
		c.Lab.AckTimeout = 3 * time.Second
		// The order stays open, so the second reprocess reaches it whatever the machine's speed.
		c.Lab.CorrectionsWindow = time.Hour
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
	})
	// The simulator sends no results of its own for a no-results order.
	const placer = "NO-RESULTS-RP1"
	oru := "MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-RP-1|P|2.5.1\r" +
		"PID|1||MRN1001^^^CLINIC^MR~pat-1001^^^^PI||Reprocess^Test\rORC|RE|" + placer + "\r" +
		"OBR|1|" + placer + "||2823-3^Potassium^LN|||||||||||||||||||F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F\r" +
		"OBX|2|NM|2345-7^Glucose^LN||90|mg/dL|70-99|N|||F\r"
	ack, err := e.st.LISSim.Sim.SendRaw([]byte(oru))
	require.NoError(t, err)
	require.Contains(t, string(ack), "MSA|AE|MSG-RP-1")

	code, list := e.call("GET", "/v1/admin/messages?outcome=rejected", nil)
	require.Equal(t, http.StatusOK, code, list)
	require.NotContains(t, list.String(), "Reprocess^Test", "metadata only")
	require.NotContains(t, list.String(), "MRN1001", "metadata only")
	var id int64
	for _, m := range decodeAs[api.MessageList](list).Messages {
		if m.Exchange == "MSG-RP-1" {
			require.Equal(t, true, m.HasPayload)
			id = m.ID
		}
	}
	require.NotZero(t, id, "the refused result is listed: %s", list)
	path := fmt.Sprintf("/v1/admin/messages/%d/reprocess", id)

	code, v := e.call("POST", "/v1/lab-orders", labOrder(placer))
	require.Equal(t, http.StatusCreated, code, v)
	require.Eventually(t, func() bool { _, ok := e.st.LISSim.Sim.Order(placer); return ok }, 30*time.Second, 100*time.Millisecond)

	code, res := e.call("POST", path, nil)
	require.Equal(t, http.StatusOK, code, res)
	rp := decodeAs[api.ReprocessResult](res)
	require.Equal(t, "AA", rp.Ack, res)
	require.False(t, rp.Duplicate)
	require.NotContains(t, res.String(), `"duplicate"`, "absent, not false")
	records := rp.Records
	require.Len(t, records, 1)
	v = e.waitLab(placer, func(v api.LabOrderView) bool { return len(v.Results) >= 2 })
	require.Equal(t, 0, v.labOrder().DuplicatesIgnored, v)

	// The new record is listed as accepted and names the original.
	code, list = e.call("GET", "/v1/admin/messages?outcome=accepted", nil)
	require.Equal(t, http.StatusOK, code, list)
	msgs := decodeAs[api.MessageList](list).Messages
	require.Len(t, msgs, 1, list)
	require.Equal(t, records[0], msgs[0].ID)
	require.Equal(t, id, msgs[0].ReprocessOf)

	// Again: safe, the order recognizes the MSH-10 and files nothing twice.
	code, res = e.call("POST", path, nil)
	require.Equal(t, http.StatusOK, code, res)
	rp = decodeAs[api.ReprocessResult](res)
	require.Equal(t, "AA", rp.Ack, res)
	require.Equal(t, true, rp.Duplicate, res)
	v = e.waitLab(placer, func(v api.LabOrderView) bool { return v.DuplicatesIgnored == 1 })
	results := v.labOrder().Results
	require.Len(t, results, 2, v)

	code, p := e.call("POST", "/v1/admin/messages/987654/reprocess", nil)
	require.Equal(t, http.StatusNotFound, code, p)
	require.Equal(t, "application/problem+json", p.ContentType)
}

// A Stripe delivery the engine took is listed on the webhook channel (metadata only) and can be
// re-driven through /webhooks/stripe, signed again by the engine: the payment workflow sees the
// same event id and applies it once.
func TestReprocessKeptStripeDelivery(t *testing.T) {
	e := startEngine(t, nil)
	const id = "pay-rp-webhook"
	e.mustCall("POST", "/v1/payments", newPayment(id, 3000, "pm_card_visa"), http.StatusCreated)
	e.waitFor(id, func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{}, http.StatusOK)
	before := e.waitFor(id, func(v api.PaymentView) bool { return v.EventsApplied > 0 }).payment()

	code, list := e.call("GET", "/v1/admin/messages?channel=webhook&outcome=accepted", nil)
	require.Equal(t, http.StatusOK, code, list)
	var kept api.MessageView
	for _, m := range decodeAs[api.MessageList](list).Messages {
		if m.Action == "webhook.stripe" && m.Process == payments.WorkflowID(id) && m.HasPayload {
			kept = m
		}
	}
	require.NotZero(t, kept.ID, "the accepted delivery is listed: %s", list)
	require.Equal(t, "webhook", kept.Channel)

	code, res := e.call("POST", fmt.Sprintf("/v1/admin/messages/%d/reprocess", kept.ID), nil)
	require.Equal(t, http.StatusOK, code, res)
	rp := decodeAs[api.ReprocessResult](res)
	require.Equal(t, http.StatusOK, rp.Status, res)
	require.Len(t, rp.Records, 1)
	after := e.waitFor(id, func(v api.PaymentView) bool { return true }).payment()
	// Stripe may still be delivering other events for this payment; whatever it delivered, the
	// workflow applied each distinct event id once, the re-driven one included.
	_, list = e.call("GET", "/v1/admin/messages?channel=webhook", nil)
	events := map[string]bool{}
	for _, m := range decodeAs[api.MessageList](list).Messages {
		if m.Action == "webhook.stripe" && m.Process == payments.WorkflowID(id) && m.Outcome == "accepted" {
			events[m.Exchange] = true
		}
	}
	require.GreaterOrEqual(t, after.EventsApplied, before.EventsApplied)
	require.LessOrEqual(t, after.EventsApplied, len(events), "the workflow applied the re-driven event once")
}
