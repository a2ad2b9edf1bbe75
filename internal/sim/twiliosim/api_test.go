package twiliosim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateAndFetchMessageShape(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), sendForm("+15551110001", ""))
	require.Equal(t, http.StatusCreated, status, m)

	sid, _ := m["sid"].(string)
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, sid)
	assert.Equal(t, "queued", m["status"])
	assert.Equal(t, "+15551110001", m["to"])
	assert.Equal(t, "+15005550006", m["from"])
	assert.Equal(t, "Your results are ready.", m["body"])
	assert.Equal(t, "outbound-api", m["direction"])
	assert.Equal(t, srv.Sim.AccountSID(), m["account_sid"])
	assert.Equal(t, "2010-04-01", m["api_version"])
	assert.Equal(t, "1", m["num_segments"])
	assert.Equal(t, "0", m["num_media"])
	assert.Nil(t, m["error_code"])
	assert.Nil(t, m["date_sent"])
	assert.Equal(t, "/2010-04-01/Accounts/"+srv.Sim.AccountSID()+"/Messages/"+sid+".json", m["uri"])
	assert.NotEmpty(t, m["date_created"])

	// Without a callback URL the message still progresses.
	path := "/2010-04-01/Accounts/" + srv.Sim.AccountSID() + "/Messages/" + sid + ".json"
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		_, got := apiCall(t, srv, http.MethodGet, path, nil)
		assert.Equal(c, "delivered", got["status"])
		assert.NotNil(c, got["date_sent"])
	}, wait, tick)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Sent)
	assert.Equal(t, 1, st.Delivered)
	assert.Zero(t, st.CallbacksDelivered)
}

func TestAPIErrors(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	sid, token := srv.Sim.AccountSID(), srv.Sim.AuthToken()
	cases := []struct {
		name, method, path string
		form               url.Values
		user, pass         string
		status, code       int
	}{
		{"no auth", "POST", messagesPath(srv), sendForm("+15551110002", ""), "", "", 401, 20003},
		{"wrong token", "POST", messagesPath(srv), sendForm("+15551110002", ""), sid, token + "x", 401, 20003},
		{"other account", "POST", "/2010-04-01/Accounts/AC9/Messages.json", sendForm("+15551110002", ""), sid, token, 404, 20404},
		{"unknown message", "GET", "/2010-04-01/Accounts/" + sid + "/Messages/SM0.json", nil, sid, token, 404, 20404},
		{"no .json", "GET", "/2010-04-01/Accounts/" + sid + "/Messages/SM0", nil, sid, token, 404, 20404},
		{"unknown route", "GET", "/2010-04-01/Accounts/" + sid + "/Calls.json", nil, sid, token, 404, 20404},
		{"unknown route no auth", "GET", "/2010-04-01/Accounts/" + sid + "/Calls.json", nil, "", "", 401, 20003},
		{"no To", "POST", messagesPath(srv), url.Values{"From": {"+15005550006"}, "Body": {"x"}}, sid, token, 400, 21604},
		{"no From", "POST", messagesPath(srv), url.Values{"To": {"+15551110002"}, "Body": {"x"}}, sid, token, 400, 21603},
		{"no Body", "POST", messagesPath(srv), url.Values{"To": {"+15551110002"}, "From": {"+15005550006"}}, sid, token, 400, 21602},
		{"long Body", "POST", messagesPath(srv), url.Values{"To": {"+15551110002"}, "From": {"+15005550006"},
			"Body": {strings.Repeat("x", 1601)}}, sid, token, 400, 21617},
		{"not E.164", "POST", messagesPath(srv), sendForm("555-111-0002", ""), sid, token, 400, 21211},
		{"bad callback", "POST", messagesPath(srv), sendForm("+15551110002", "/relative"), sid, token, 400, 21609},
		{"magic invalid", "POST", messagesPath(srv), sendForm(twiliosim.NumberInvalid, ""), sid, token, 400, 21211},
		{"magic unsubscribed", "POST", messagesPath(srv), sendForm(twiliosim.NumberUnsubscribed, ""), sid, token, 400, 21610},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawCall(t, tc.method, srv.URL+tc.path, tc.form, tc.user, tc.pass)
			assert.Equal(t, tc.status, status)
			assert.EqualValues(t, tc.code, body["code"])
			assert.EqualValues(t, tc.status, body["status"])
			assert.Contains(t, body["more_info"], "https://www.twilio.com/docs/errors/")
		})
	}
	st := srv.Sim.Stats()
	assert.Zero(t, st.Sent)
	assert.Equal(t, 3, st.AuthFailures)
	assert.Equal(t, 8, st.Rejected)
}

func TestSegmentsCounted(t *testing.T) {
	srv := startSim(t, twiliosim.Options{})
	cases := map[string]string{
		strings.Repeat("a", 160): "1",
		strings.Repeat("a", 161): "2",
		strings.Repeat("a", 306): "2",
		strings.Repeat("a", 307): "3",
		strings.Repeat("é", 70):  "1",
		strings.Repeat("é", 71):  "2",
	}
	for body, want := range cases {
		f := sendForm("+15551110003", "")
		f.Set("Body", body)
		status, m := apiCall(t, srv, http.MethodPost, messagesPath(srv), f)
		require.Equal(t, http.StatusCreated, status)
		assert.Equal(t, want, m["num_segments"], "%d runes", len([]rune(body)))
	}
}
