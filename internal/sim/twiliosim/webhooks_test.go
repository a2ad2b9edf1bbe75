package twiliosim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusCallbacksSignedAndInOrder(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	rc := newReceiver(t, srv.Sim.AuthToken())
	var sids []string
	for _, to := range []string{"+15551110010", twiliosim.NumberFailed, twiliosim.NumberUndelivered} {
		status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm(to, rc.URL))
		require.Equal(t, http.StatusCreated, status, m)
		sids = append(sids, m["sid"].(string))
	}
	want := map[string][]string{
		sids[0]: {"sent", "delivered"},
		sids[1]: {"failed"},
		sids[2]: {"sent", "undelivered"},
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := map[string][]string{}
		for _, d := range rc.deliveries() {
			sid := d.form.Get("MessageSid")
			got[sid] = append(got[sid], d.form.Get("MessageStatus"))
		}
		assert.Equal(c, want, got)
		assert.Equal(c, 5, srv.Sim.Stats().CallbacksDelivered)
	}, wait, tick)

	for _, d := range rc.deliveries() {
		assert.True(t, d.verified, "X-Twilio-Signature verifies")
		assert.Equal(t, d.form.Get("MessageSid"), d.form.Get("SmsSid"))
		assert.Equal(t, d.form.Get("MessageStatus"), d.form.Get("SmsStatus"))
		assert.Equal(t, "2010-04-01", d.form.Get("ApiVersion"))
		assert.Equal(t, "+15005550006", d.form.Get("From"))
		assert.False(t, d.form.Has("Body"), "status callbacks carry no body")
		assert.Equal(t, d.form.Get("MessageSid")+"-"+d.form.Get("MessageStatus"), d.token)
		switch d.form.Get("MessageStatus") {
		case "failed":
			assert.Equal(t, "30008", d.form.Get("ErrorCode"))
		case "undelivered":
			assert.Equal(t, "30003", d.form.Get("ErrorCode"))
		default:
			assert.False(t, d.form.Has("ErrorCode"))
		}
	}

	v, ok := srv.Sim.Message(sids[2])
	require.True(t, ok)
	assert.Equal(t, "undelivered", v.Status)
	assert.Equal(t, twiliosim.ErrorUnreachable, v.ErrorCode)
	assert.Equal(t, []string{"sent", "undelivered"}, v.Callbacks)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Delivered)
	assert.Equal(t, 1, st.Failed)
	assert.Equal(t, 1, st.Undelivered)
	assert.Equal(t, 5, st.CallbacksDelivered)
	assert.Equal(t, map[string]int{"+15551110010": 1, twiliosim.NumberFailed: 1, twiliosim.NumberUndelivered: 1}, st.SentByTo)
}

func TestStatusCallbackRetriedWithSameToken(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	// The first attempt of the first callback fails; everything else succeeds.
	rc := newReceiver(t, srv.Sim.AuthToken(), http.StatusServiceUnavailable)
	status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110011", rc.URL))
	require.Equal(t, http.StatusCreated, status)

	// The simulator records a delivery after the receiver answers, so
	// wait for its side, not the receiver's.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, 2, srv.Sim.Stats().CallbacksDelivered)
	}, wait, tick)
	assert.Equal(t, []string{"sent", "sent", "delivered"}, rc.statuses())
	d := rc.deliveries()
	assert.Equal(t, d[0].token, d[1].token, "a retry is the same event")
	assert.NotEqual(t, d[1].token, d[2].token)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.CallbackAttemptsFailed)
	assert.Zero(t, st.CallbacksFailed)
	v, _ := srv.Sim.Message(m["sid"].(string))
	assert.Equal(t, []string{"sent", "delivered"}, v.Callbacks)
}

func TestStatusCallbackAbandonedAfterLastAttempt(t *testing.T) {
	srv := startSim(t, twiliosim.Options{CallbackMaxAttempts: 2})
	rc := newReceiver(t, srv.Sim.AuthToken(), 500, 500, 500, 500)
	status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110012", rc.URL))
	require.Equal(t, http.StatusCreated, status)

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, 2, srv.Sim.Stats().CallbacksFailed)
	}, wait, tick)
	assert.Equal(t, []string{"sent", "sent", "delivered", "delivered"}, rc.statuses())
	st := srv.Sim.Stats()
	assert.Equal(t, 4, st.CallbackAttemptsFailed)
	assert.Zero(t, st.CallbacksDelivered)
	v, _ := srv.Sim.Message(m["sid"].(string))
	assert.Equal(t, "delivered", v.Status, "Twilio's state does not depend on the receiver")
	assert.Empty(t, v.Callbacks)
}

func TestReplyPostsSignedInboundMessage(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	require.ErrorIs(t, srv.Sim.Reply("+15551110020", "+15005550006", "ACK 4411"), twiliosim.ErrNoInboundURL)
	assert.Empty(t, srv.Sim.Messages(), "a reply with nowhere to go is not recorded")

	rc := newReceiver(t, srv.Sim.AuthToken())
	srv.Sim.SetInboundURL(rc.URL)
	require.NoError(t, srv.Sim.Reply("+15551110020", "+15005550006", "ACK 4411"))

	d := rc.deliveries()
	require.Len(t, d, 1)
	assert.True(t, d[0].verified)
	f := d[0].form
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, f.Get("MessageSid"))
	assert.Equal(t, f.Get("MessageSid"), f.Get("SmsMessageSid"))
	assert.Equal(t, f.Get("MessageSid"), d[0].token)
	assert.Equal(t, srv.Sim.AccountSID(), f.Get("AccountSid"))
	assert.Equal(t, "+15551110020", f.Get("From"))
	assert.Equal(t, "+15005550006", f.Get("To"))
	assert.Equal(t, "ACK 4411", f.Get("Body"))
	assert.Equal(t, "1", f.Get("NumSegments"))
	assert.Equal(t, "0", f.Get("NumMedia"))
	assert.Equal(t, "received", f.Get("SmsStatus"))

	msgs := srv.Sim.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "inbound", msgs[0].Direction)
	assert.Equal(t, f.Get("MessageSid"), msgs[0].SID)
	assert.Equal(t, []string{"received"}, msgs[0].Callbacks)
	assert.Equal(t, 1, srv.Sim.Stats().InboundDelivered)

	assert.Error(t, srv.Sim.Reply("5551110020", "+15005550006", "ACK"), "from must be E.164")
	assert.Error(t, srv.Sim.Reply("+15551110020", "", "ACK"), "to is required")
}

func TestReplyRefusedByReceiver(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	rc := newReceiver(t, "not-the-token", http.StatusForbidden)
	srv.Sim.SetInboundURL(rc.URL)

	err := srv.Sim.Reply("+15551110021", "+15005550006", "ACK 4411")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "403")
	d := rc.deliveries()
	require.Len(t, d, 1)
	assert.False(t, d[0].verified, "signed with the simulator's token, not the receiver's")
	assert.Equal(t, 1, srv.Sim.Stats().InboundFailed)
	assert.Empty(t, srv.Sim.Messages()[0].Callbacks)
}

func TestCloseStopsProgression(t *testing.T) {
	srv, err := twiliosim.Start(twiliosim.Options{StatusDelay: time.Hour})
	require.NoError(t, err)
	status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110030", ""))
	require.Equal(t, http.StatusCreated, status)
	srv.Close() // returns although the progression was mid-wait
	srv.Close() // idempotent
	v, _ := srv.Sim.Message(m["sid"].(string))
	assert.Equal(t, "queued", v.Status)
	assert.ErrorIs(t, srv.Sim.Reply("+15551110030", "+15005550006", "x"), twiliosim.ErrClosed)
}
