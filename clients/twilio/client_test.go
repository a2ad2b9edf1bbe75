package twilio_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wait bounds how long eventual conditions may take; it never asserts speed.
const wait = 10 * time.Second

func TestSendSMSDeliversWithSignedCallbacks(t *testing.T) {
	srv := startSim(t)
	rc := newReceiver(t, srv.Sim.AuthToken())
	c := newClient(t, srv, rc.URL)

	msg, err := c.SendSMS(context.Background(), "+15551230001", "Hi Ann, you are checked in for 10:30.")
	require.NoError(t, err)
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, msg.SID)
	assert.Equal(t, "queued", msg.Status)
	assert.Equal(t, "+15551230001", msg.To)
	assert.Zero(t, msg.ErrorCode)

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []string{"sent", "delivered"}, rc.statusesFor(msg.SID))
		// The simulator counts a callback once the receiver has answered.
		assert.Equal(c, 2, srv.Sim.Stats().CallbacksDelivered)
	}, wait, 5*time.Millisecond)
	for _, h := range rc.received() {
		assert.True(t, h.verified, "signature of %s callback", h.form.Get("MessageStatus"))
		assert.Equal(t, srv.Sim.AccountSID(), h.form.Get("AccountSid"))
		assert.Equal(t, testFrom, h.form.Get("From"))
		assert.Empty(t, h.form.Get("Body"), "status callbacks carry no body")
		assert.NotEmpty(t, h.token)
	}

	got, err := c.GetMessage(context.Background(), msg.SID)
	require.NoError(t, err)
	assert.Equal(t, twilio.Message{SID: msg.SID, Status: "delivered", To: "+15551230001"}, *got)

	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.SentByTo["+15551230001"])
	v, ok := srv.Sim.Message(msg.SID)
	require.True(t, ok)
	assert.Equal(t, "Hi Ann, you are checked in for 10:30.", v.Body)
	assert.Equal(t, rc.URL, v.StatusCallback)
}

func TestSendSMSFailedDeliveryIsReportedByCallback(t *testing.T) {
	srv := startSim(t)
	rc := newReceiver(t, srv.Sim.AuthToken())
	c := newClient(t, srv, rc.URL)

	msg, err := c.SendSMS(context.Background(), twiliosim.NumberFailed, "code 4411")
	require.NoError(t, err, "a delivery failure is not a send failure")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []string{"failed"}, rc.statusesFor(msg.SID))
	}, wait, 5*time.Millisecond)
	h := rc.received()[0]
	assert.True(t, h.verified)
	assert.Equal(t, "30008", h.form.Get("ErrorCode"))

	got, err := c.GetMessage(context.Background(), msg.SID)
	require.NoError(t, err)
	assert.Equal(t, "failed", got.Status)
	assert.Equal(t, twiliosim.ErrorUnknownError, got.ErrorCode)
}

func TestSendSMSMagicNumbersArePermanent(t *testing.T) {
	srv := startSim(t)
	c := newClient(t, srv, "")
	cases := map[string]int{
		twiliosim.NumberInvalid:          twilio.CodeInvalidTo,
		twiliosim.NumberCannotRoute:      twilio.CodeCannotRoute,
		twiliosim.NumberRegionNotEnabled: twilio.CodeRegionNotEnabled,
		twiliosim.NumberUnsubscribed:     twilio.CodeUnsubscribed,
		twiliosim.NumberNotMobile:        twilio.CodeNotMobile,
	}
	for to, code := range cases {
		t.Run(to, func(t *testing.T) {
			_, err := c.SendSMS(context.Background(), to, "code 4411")
			te := requireTwilioError(t, err)
			assert.Equal(t, code, te.Code)
			assert.Equal(t, http.StatusBadRequest, te.HTTPStatus)
			assert.False(t, te.Retryable)
			assert.False(t, twilio.IsRetryable(err))
			// Twilio's message quotes the number; ours must not.
			assert.NotContains(t, err.Error(), strings.TrimPrefix(to, "+"))
			assert.NotContains(t, err.Error(), "4411")
		})
	}
	assert.Equal(t, len(cases), srv.Sim.Stats().Rejected)
	assert.Zero(t, srv.Sim.Stats().Sent)
}

func TestSendSMSServerFaultsAreRetryable(t *testing.T) {
	cases := []struct {
		kind   string
		status int
		code   int
	}{
		{twiliosim.FaultServerError, 500, 20500},
		{twiliosim.FaultRateLimit, 429, twilio.CodeTooManyRequests},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			srv := startSim(t)
			c := newClient(t, srv, "")
			srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpSend, Kind: tc.kind, Count: 1})

			_, err := c.SendSMS(context.Background(), "+15551230002", "code 4411")
			te := requireTwilioError(t, err)
			assert.Equal(t, tc.status, te.HTTPStatus)
			assert.Equal(t, tc.code, te.Code)
			assert.True(t, te.Retryable)
			assert.Zero(t, srv.Sim.Stats().Sent, "a faulted send sends nothing")

			// The fault is used up, so the retry goes through.
			msg, err := c.SendSMS(context.Background(), "+15551230002", "code 4411")
			require.NoError(t, err)
			assert.Equal(t, "queued", msg.Status)
			assert.Equal(t, 1, srv.Sim.Stats().SentByTo["+15551230002"])
		})
	}
}

func TestSendSMSWrongCredentialsArePermanent(t *testing.T) {
	srv := startSim(t)
	c, err := twilio.New(twilio.Config{BaseURL: srv.URL, AccountSID: srv.Sim.AccountSID(),
		AuthToken: "wrongtoken", From: testFrom})
	require.NoError(t, err)

	_, err = c.SendSMS(context.Background(), "+15551230003", "code 4411")
	te := requireTwilioError(t, err)
	assert.Equal(t, twilio.CodeAuthenticate, te.Code)
	assert.Equal(t, http.StatusUnauthorized, te.HTTPStatus)
	assert.False(t, te.Retryable)
	assert.NotContains(t, err.Error(), "wrongtoken")
	assert.Equal(t, 1, srv.Sim.Stats().AuthFailures)
}

func TestSendSMSValidatesBeforeCalling(t *testing.T) {
	srv := startSim(t)
	c := newClient(t, srv, "")
	cases := []struct {
		name, to, body string
		code           int
	}{
		{"national number", "5551230004", "hi", twilio.CodeInvalidTo},
		{"letters", "+1555CALLNOW", "hi", twilio.CodeInvalidTo},
		{"too many digits", "+1234567890123456", "hi", twilio.CodeInvalidTo},
		{"leading zero", "+0123456789", "hi", twilio.CodeInvalidTo},
		{"empty body", "+15551230004", "", twilio.CodeBodyRequired},
		{"1601 characters", "+15551230004", strings.Repeat("a", 1601), twilio.CodeBodyTooLong},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SendSMS(context.Background(), tc.to, tc.body)
			te := requireTwilioError(t, err)
			assert.Equal(t, tc.code, te.Code)
			assert.Zero(t, te.HTTPStatus, "refused before sending")
			assert.False(t, te.Retryable)
		})
	}
	st := srv.Sim.Stats()
	assert.Zero(t, st.Sent+st.Rejected, "nothing reached the simulator")

	// The limit counts characters, not bytes: 1600 two-byte runes pass.
	msg, err := c.SendSMS(context.Background(), "+15551230004", strings.Repeat("é", 1600))
	require.NoError(t, err)
	v, _ := srv.Sim.Message(msg.SID)
	assert.Equal(t, strings.Repeat("é", 1600), v.Body)
}

func TestSendSMSTimeoutAndCancelAreRetryable(t *testing.T) {
	srv := startSim(t)
	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpSend, Kind: twiliosim.FaultSlow, Delay: time.Minute})
	c, err := twilio.New(twilio.Config{BaseURL: srv.URL, AccountSID: srv.Sim.AccountSID(),
		AuthToken: srv.Sim.AuthToken(), From: testFrom,
		HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	require.NoError(t, err)

	_, err = c.SendSMS(context.Background(), "+15551230005", "code 4411")
	te := requireTwilioError(t, err)
	assert.True(t, te.Retryable)
	assert.Zero(t, te.HTTPStatus)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "HTTPClient.Timeout bounds the call")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.SendSMS(ctx, "+15551230005", "code 4411")
	assert.True(t, twilio.IsRetryable(err))
	assert.ErrorIs(t, err, context.Canceled, "the caller's context reaches the request")
}

func TestSendSMSNetworkAndProxyFailures(t *testing.T) {
	// A port with nothing listening: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	// htmlError answers like a proxy in front of Twilio: no Twilio JSON.
	htmlError := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>proxy says no</html>", status)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("not json"))
	}))
	t.Cleanup(garbage.Close)

	cases := []struct {
		name, base string
		status     int
		retryable  bool
	}{
		{"refused", deadURL, 0, true},
		{"html 502", htmlError(http.StatusBadGateway), http.StatusBadGateway, true},
		{"html 429", htmlError(http.StatusTooManyRequests), http.StatusTooManyRequests, true},
		{"html 403", htmlError(http.StatusForbidden), http.StatusForbidden, false},
		{"unreadable 201", garbage.URL, http.StatusCreated, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := twilio.New(twilio.Config{BaseURL: tc.base, AccountSID: "AC1", AuthToken: "tok", From: testFrom})
			require.NoError(t, err)
			_, err = c.SendSMS(context.Background(), "+15551230006", "code 4411")
			te := requireTwilioError(t, err)
			assert.Equal(t, tc.status, te.HTTPStatus)
			assert.Equal(t, tc.retryable, te.Retryable)
			assert.Zero(t, te.Code)
			assert.NotContains(t, err.Error(), "5551230006")
		})
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	sim := twiliosim.New(twiliosim.Options{StatusDelay: time.Millisecond})
	t.Cleanup(sim.Close)
	var (
		mu    sync.Mutex
		paths []string
	)
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), paths...)
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		http.StripPrefix("/vendor/twilio", sim).ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c, err := twilio.New(twilio.Config{BaseURL: front.URL + "/vendor/twilio/", AccountSID: sim.AccountSID(),
		AuthToken: sim.AuthToken(), From: testFrom})
	require.NoError(t, err)

	msg, err := c.SendSMS(context.Background(), "+15551230007", "code 4411")
	require.NoError(t, err)
	assert.Equal(t, []string{"/vendor/twilio/2010-04-01/Accounts/" + sim.AccountSID() + "/Messages.json"}, seen())
	_, err = c.GetMessage(context.Background(), msg.SID)
	require.NoError(t, err)

	_, err = c.GetMessage(context.Background(), "SM"+strings.Repeat("0", 32))
	te := requireTwilioError(t, err)
	assert.Equal(t, twilio.CodeNotFound, te.Code)
	assert.False(t, te.Retryable)
	_, err = c.GetMessage(context.Background(), "../../x")
	assert.False(t, twilio.IsRetryable(err))
	assert.Len(t, seen(), 3, "a malformed SID is refused locally")
}

func TestNewValidatesConfig(t *testing.T) {
	good := twilio.Config{BaseURL: "http://127.0.0.1:1", AccountSID: "AC1", AuthToken: "tok", From: testFrom}
	_, err := twilio.New(good)
	require.NoError(t, err)

	cases := map[string]func(*twilio.Config){
		"relative base":      func(c *twilio.Config) { c.BaseURL = "/twilio" },
		"ftp base":           func(c *twilio.Config) { c.BaseURL = "ftp://127.0.0.1" },
		"no sid":             func(c *twilio.Config) { c.AccountSID = "" },
		"sid with dash":      func(c *twilio.Config) { c.AccountSID = "AC-1" },
		"no token":           func(c *twilio.Config) { c.AuthToken = "" },
		"no from":            func(c *twilio.Config) { c.From = "" },
		"relative callback":  func(c *twilio.Config) { c.StatusCallback = "/webhooks/twilio" },
		"unparsable base":    func(c *twilio.Config) { c.BaseURL = "http://[::1" },
		"token with a colon": func(c *twilio.Config) { c.AuthToken = "a:b" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mutate(&cfg)
			_, err := twilio.New(cfg)
			assert.Error(t, err)
		})
	}

	def, err := twilio.New(twilio.Config{AccountSID: "AC1", AuthToken: "secret", From: testFrom})
	require.NoError(t, err)
	assert.Contains(t, def.String(), twilio.DefaultBaseURL)
	assert.NotContains(t, def.String(), "secret")
}

func TestErrorText(t *testing.T) {
	cases := []struct {
		err  *twilio.Error
		want string
	}{
		{&twilio.Error{Code: 21211, HTTPStatus: 400}, "twilio: error 21211 (invalid 'To' number), HTTP 400 [permanent]"},
		{&twilio.Error{Code: 20429, HTTPStatus: 429, Retryable: true}, "twilio: error 20429 (too many requests), HTTP 429 [retryable]"},
		{&twilio.Error{Code: 21617}, "twilio: error 21617 (message body too long) [permanent]"},
		{&twilio.Error{HTTPStatus: 503, Retryable: true}, "twilio: HTTP 503 [retryable]"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.err.Error())
	}
	assert.False(t, twilio.IsRetryable(errors.New("other")))
}

// SendSMSTracked puts the caller's correlation key into the status callback URL; Twilio signs
// the URL with it, so the receiver can trust the key it routes by.
func TestSendSMSTrackedCarriesTheRefInTheSignedCallback(t *testing.T) {
	srv := startSim(t)
	type hit struct {
		ref      string
		verified bool
	}
	hits := make(chan hit, 8)
	var base string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		hits <- hit{ref: r.URL.Query().Get(twilio.CallbackRefParam),
			verified: twilio.ValidateSignature(srv.Sim.AuthToken(), base+r.URL.RequestURI(), r.PostForm, r.Header.Get(twilio.SignatureHeader))}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hs.Close)
	base = hs.URL
	c := newClient(t, srv, hs.URL+"/webhooks/twilio")

	_, err := c.SendSMSTracked(context.Background(), "+15551230001", "Hi Ann", "notification:n-1")
	require.NoError(t, err)
	select {
	case h := <-hits:
		assert.Equal(t, "notification:n-1", h.ref)
		assert.True(t, h.verified, "the signature covers the URL with its ref")
	case <-time.After(wait):
		t.Fatal("no status callback")
	}
	// Plain SendSMS keeps the configured URL as it is.
	_, err = c.SendSMS(context.Background(), "+15551230001", "Hi Ann")
	require.NoError(t, err)
	for range 3 {
		select {
		case h := <-hits:
			if h.ref == "" {
				assert.True(t, h.verified)
				return
			}
		case <-time.After(wait):
			t.Fatal("no status callback for the untracked message")
		}
	}
	t.Fatal("the untracked message's callback carried a ref")
}
