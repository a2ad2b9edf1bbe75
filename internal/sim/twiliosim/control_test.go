package twiliosim_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultsCountedAndScopedByOp(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpFetch, Kind: twiliosim.FaultServerError})
	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpSend, Kind: twiliosim.FaultRateLimit, Count: 2})

	for range 2 {
		status, body := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110040", ""))
		assert.Equal(t, http.StatusTooManyRequests, status)
		assert.EqualValues(t, 20429, body["code"])
	}
	status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110040", ""))
	require.Equal(t, http.StatusCreated, status, "the send fault is used up")

	// The fetch fault has no count, so it stays until cleared.
	path := "/2010-04-01/Accounts/" + srv.Sim.AccountSID() + "/Messages/" + m["sid"].(string) + ".json"
	for range 2 {
		status, body := apiCall(t, srv, http.MethodGet, path, nil)
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.EqualValues(t, 20500, body["code"])
	}
	assert.Equal(t, []twiliosim.Fault{{Op: "fetch", Kind: "500"}}, srv.Sim.Faults())
	srv.Sim.ClearFaults()
	status, _ = apiCall(t, srv, http.MethodGet, path, nil)
	assert.Equal(t, http.StatusOK, status)

	st := srv.Sim.Stats()
	assert.Equal(t, 4, st.FaultsTriggered)
	assert.Equal(t, 1, st.Sent)
}

func TestFaultNeedsAuthentication(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpAny, Kind: twiliosim.FaultServerError, Count: 1})
	status, _ := rawCall(t, http.MethodPost, srv.URL+messagesPath(srv), sendForm("+15551110041", ""), "", "")
	assert.Equal(t, http.StatusUnauthorized, status, "credentials are checked before faults")
	assert.Len(t, srv.Sim.Faults(), 1)
}

func TestSlowFaultDelaysThenSucceeds(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpSend, Kind: twiliosim.FaultSlow, Count: 1, Delay: time.Millisecond})
	status, _ := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110042", ""))
	assert.Equal(t, http.StatusCreated, status)
	assert.Equal(t, 1, srv.Sim.Stats().FaultsTriggered)
}

func TestFaultJSON(t *testing.T) {
	var f twiliosim.Fault
	require.NoError(t, json.Unmarshal([]byte(`{"op":"send","kind":"slow","count":2,"delay":"1.5s"}`), &f))
	assert.Equal(t, twiliosim.Fault{Op: "send", Kind: "slow", Count: 2, Delay: 1500 * time.Millisecond}, f)
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, `{"op":"send","kind":"slow","count":2,"delay":"1.5s"}`, string(b))
	require.NoError(t, json.Unmarshal([]byte(`{"op":"*","kind":"500","delay":250}`), &f))
	assert.Equal(t, 250*time.Nanosecond, f.Delay)
	assert.Error(t, json.Unmarshal([]byte(`{"op":"*","kind":"500","delay":"soon"}`), &f))

	assert.Error(t, twiliosim.Fault{Op: "call", Kind: "500"}.Validate())
	assert.Error(t, twiliosim.Fault{Op: "send", Kind: "lost"}.Validate())
	assert.Error(t, twiliosim.Fault{Op: "send", Kind: "slow", Delay: -1}.Validate())
}

func TestControlRoutes(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})

	assert.Equal(t, http.StatusBadRequest, controlCall(t, srv, "POST", "/_sim/faults", `{"op":"call","kind":"500"}`, &map[string]string{}))
	assert.Equal(t, http.StatusBadRequest, controlCall(t, srv, "POST", "/_sim/faults", `{"op":"send","kind":"500","extra":1}`, &map[string]string{}))
	var f twiliosim.Fault
	assert.Equal(t, http.StatusCreated, controlCall(t, srv, "POST", "/_sim/faults", `{"op":"send","kind":"500","count":1}`, &f))
	var faults []twiliosim.Fault
	assert.Equal(t, http.StatusOK, controlCall(t, srv, "GET", "/_sim/faults", "", &faults))
	assert.Equal(t, []twiliosim.Fault{{Op: "send", Kind: "500", Count: 1}}, faults)
	status, _ := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110050", ""))
	assert.Equal(t, http.StatusInternalServerError, status)
	srv.Sim.InjectFault(twiliosim.Fault{Op: "send", Kind: "429"})
	assert.Equal(t, http.StatusNoContent, controlCall(t, srv, "DELETE", "/_sim/faults", "", nil))
	assert.Empty(t, srv.Sim.Faults())

	status, _ = apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110050", ""))
	require.Equal(t, http.StatusCreated, status)
	status, _ = apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110051", ""))
	require.Equal(t, http.StatusCreated, status)

	var st twiliosim.Stats
	assert.Equal(t, http.StatusOK, controlCall(t, srv, "GET", "/_sim/stats", "", &st))
	assert.Equal(t, map[string]int{"+15551110050": 1, "+15551110051": 1}, st.SentByTo)
	assert.Equal(t, 1, st.FaultsTriggered)

	var msgs []twiliosim.MessageView
	assert.Equal(t, http.StatusOK, controlCall(t, srv, "GET", "/_sim/messages?to=%2B15551110051", "", &msgs))
	require.Len(t, msgs, 1)
	assert.Equal(t, "+15551110051", msgs[0].To)

	// Replies: nowhere to send, then a receiver set over HTTP.
	var out map[string]string
	assert.Equal(t, http.StatusConflict, controlCall(t, srv, "POST", "/_sim/reply", `{"from":"+15551110052","to":"+15005550006","body":"ACK"}`, &out))
	rc := newReceiver(t, srv.Sim.AuthToken())
	assert.Equal(t, http.StatusNoContent, controlCall(t, srv, "PUT", "/_sim/inbound", `{"url":"`+rc.URL+`"}`, nil))
	assert.Equal(t, http.StatusBadRequest, controlCall(t, srv, "POST", "/_sim/reply", `{"from":"bad","to":"+15005550006","body":"ACK"}`, &out))
	assert.Equal(t, http.StatusCreated, controlCall(t, srv, "POST", "/_sim/reply", `{"from":"+15551110052","to":"+15005550006","body":"ACK"}`, &out))
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, out["sid"])
	require.Len(t, rc.deliveries(), 1)
	assert.True(t, rc.deliveries()[0].verified)
	assert.Equal(t, out["sid"], rc.deliveries()[0].form.Get("MessageSid"))

	assert.Equal(t, http.StatusOK, controlCall(t, srv, "GET", "/_sim/messages?direction=inbound", "", &msgs))
	require.Len(t, msgs, 1)
	assert.Equal(t, "ACK", msgs[0].Body)

	refusing := newReceiver(t, srv.Sim.AuthToken(), http.StatusInternalServerError)
	srv.Sim.SetInboundURL(refusing.URL)
	assert.Equal(t, http.StatusBadGateway, controlCall(t, srv, "POST", "/_sim/reply", `{"from":"+15551110052","to":"+15005550006","body":"ACK"}`, &out))
	assert.NotEmpty(t, out["sid"])
}
