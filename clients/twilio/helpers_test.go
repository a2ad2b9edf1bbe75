package twilio_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/stretchr/testify/require"
)

const testFrom = "+15005550006"

// hook is one webhook a receiver got.
type hook struct {
	form     url.Values
	verified bool
	token    string // I-Twilio-Idempotency-Token
}

// receiver is an httptest webhook endpoint that checks X-Twilio-Signature
// against its own configured URL, as the engine's /webhooks/twilio will.
type receiver struct {
	URL       string
	authToken string

	mu    sync.Mutex
	hooks []hook
}

// newReceiver starts a receiver that the test closes on cleanup.
func newReceiver(t *testing.T, authToken string) *receiver {
	t.Helper()
	rc := &receiver{authToken: authToken}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		ok := twilio.ValidateSignature(rc.authToken, rc.URL, r.PostForm, r.Header.Get(twilio.SignatureHeader))
		rc.mu.Lock()
		rc.hooks = append(rc.hooks, hook{form: r.PostForm, verified: ok,
			token: r.Header.Get(twiliosim.IdempotencyHeader)})
		rc.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/webhooks/twilio"
	return rc
}

// received returns a copy of the webhooks so far.
func (rc *receiver) received() []hook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hook(nil), rc.hooks...)
}

// statusesFor lists the MessageStatus values received for one message.
func (rc *receiver) statusesFor(sid string) []string {
	var out []string
	for _, h := range rc.received() {
		if h.form.Get("MessageSid") == sid {
			out = append(out, h.form.Get("MessageStatus"))
		}
	}
	return out
}

// startSim starts a simulator that the test closes on cleanup.
func startSim(t *testing.T) *twiliosim.Server {
	t.Helper()
	srv, err := twiliosim.Start(twiliosim.Options{StatusDelay: 5 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client for srv with statusCallback as the callback URL.
func newClient(t *testing.T, srv *twiliosim.Server, statusCallback string) *twilio.Client {
	t.Helper()
	c, err := twilio.New(twilio.Config{
		BaseURL: srv.URL, AccountSID: srv.Sim.AccountSID(), AuthToken: srv.Sim.AuthToken(),
		From: testFrom, StatusCallback: statusCallback,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
	require.NoError(t, err)
	return c
}

// requireTwilioError asserts err is a *twilio.Error and returns it.
func requireTwilioError(t *testing.T, err error) *twilio.Error {
	t.Helper()
	require.Error(t, err)
	te, ok := err.(*twilio.Error)
	require.Truef(t, ok, "want *twilio.Error, got %T: %v", err, err)
	return te
}
