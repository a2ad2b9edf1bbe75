package stripesim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/careflow/engine/internal/sim/simkit/simkittest"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

// control sends a JSON control request without credentials.
var control = simkittest.Control

func TestControlAPI(t *testing.T) {
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{EnabledEvents: []string{"charge.dispute.created"}})
	sc := newClient(srv.URL, testKey)
	base := srv.URL + "/_sim"

	assert.Equal(t, http.StatusNoContent, control(t, http.MethodPut, base+"/webhook",
		`{"url":"`+rc.server.URL+`"}`, nil))
	assert.Equal(t, http.StatusBadRequest, control(t, http.MethodPost, base+"/faults",
		`{"op":"explode","kind":"500","count":1}`, nil))
	assert.Equal(t, http.StatusCreated, control(t, http.MethodPost, base+"/faults",
		`{"op":"capture","kind":"500","count":1}`, nil))
	var faults []stripesim.Fault
	assert.Equal(t, http.StatusOK, control(t, http.MethodGet, base+"/faults", "", &faults))
	require.Len(t, faults, 1)
	assert.Equal(t, "capture", faults[0].Op)

	pi := authorize(t, sc, 1000, "pm_card_visa", map[string]string{"payment_id": "pay_ctl"})
	_, err := sc.V1PaymentIntents.Capture(context.Background(), pi.ID, nil)
	assert.Equal(t, http.StatusInternalServerError, stripeErr(t, err).HTTPStatusCode)
	assert.Equal(t, http.StatusNoContent, control(t, http.MethodDelete, base+"/faults", "", nil))
	_, err = sc.V1PaymentIntents.Capture(context.Background(), pi.ID, nil)
	require.NoError(t, err)

	var du map[string]string
	assert.Equal(t, http.StatusCreated, control(t, http.MethodPost, base+"/disputes",
		`{"paymentIntent":"`+pi.ID+`","reason":"duplicate"}`, &du))
	assert.Regexp(t, `^du_`, du["id"])
	assert.Equal(t, http.StatusConflict, control(t, http.MethodPost, base+"/disputes",
		`{"paymentIntent":"`+pi.ID+`"}`, nil))
	assert.Equal(t, http.StatusNotFound, control(t, http.MethodPost, base+"/disputes",
		`{"paymentIntent":"pi_nope"}`, nil))

	var view stripesim.PaymentIntentView
	assert.Equal(t, http.StatusOK, control(t, http.MethodGet, base+"/payment_intents/"+pi.ID, "", &view))
	assert.Equal(t, "succeeded", view.Status)
	assert.True(t, view.Disputed)
	assert.Equal(t, "pay_ctl", view.Metadata["payment_id"])

	var st stripesim.Stats
	assert.Equal(t, http.StatusOK, control(t, http.MethodGet, base+"/stats", "", &st))
	assert.Equal(t, 1, st.Captures)
	assert.Equal(t, 1, st.Disputes)
	assert.Equal(t, 1, st.FaultsTriggered)
	assert.Equal(t, map[string]int{pi.ID: 1}, st.CapturesByIntent)

	waitFor(t, func() bool { return len(rc.eventsFor(pi.ID)) == 1 }, "dispute event reaches the URL set over HTTP")
	assert.Equal(t, stripe.EventType("charge.dispute.created"), rc.eventsFor(pi.ID)[0].Type)
}
