package twiliosim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/stretchr/testify/require"
)

// wait bounds eventual conditions and tick is how often they are polled;
// neither asserts speed.
const (
	wait = 10 * time.Second
	tick = 2 * time.Millisecond
)

// plainClient sends hand-written requests; the timeout only bounds a hung test.
var plainClient = &http.Client{Timeout: 10 * time.Second}

// startSim starts a simulator server that the test closes on cleanup.
func startSim(t *testing.T, opts twiliosim.Options) *twiliosim.Server {
	t.Helper()
	if opts.StatusDelay == 0 {
		opts.StatusDelay = 2 * time.Millisecond
	}
	if opts.CallbackBackoff == 0 {
		opts.CallbackBackoff = time.Millisecond
	}
	srv, err := twiliosim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// delivery is one webhook request a receiver got.
type delivery struct {
	form     url.Values
	verified bool
	token    string
}

// receiver records webhooks, verifying their signatures against its URL,
// and answers with the statuses from plan in turn (then 204).
type receiver struct {
	URL   string
	token string

	mu   sync.Mutex
	got  []delivery
	plan []int
}

// newReceiver starts a receiver that the test closes on cleanup.
func newReceiver(t *testing.T, authToken string, plan ...int) *receiver {
	t.Helper()
	rc := &receiver{token: authToken, plan: plan}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		d := delivery{form: r.PostForm, token: r.Header.Get(twiliosim.IdempotencyHeader),
			verified: twilio.ValidateSignature(rc.token, rc.URL, r.PostForm, r.Header.Get(twilio.SignatureHeader))}
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		status := http.StatusNoContent
		if len(rc.plan) > 0 {
			status, rc.plan = rc.plan[0], rc.plan[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/webhooks/twilio?src=sim"
	return rc
}

// deliveries returns a copy of what was received.
func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// statuses lists MessageStatus of every received request, retries included.
func (rc *receiver) statuses() []string {
	var out []string
	for _, d := range rc.deliveries() {
		out = append(out, d.form.Get("MessageStatus"))
	}
	return out
}

// apiCall sends a Twilio API request authenticated as the simulator's account.
func apiCall(t *testing.T, srv *twiliosim.Server, method, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	return rawCall(t, method, srv.URL+path, form, srv.Sim.AccountSID(), srv.Sim.AuthToken())
}

// rawCall sends a request with the given basic-auth credentials ("" for
// none) and decodes the JSON answer.
func rawCall(t *testing.T, method, target string, form url.Values, user, pass string) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := plainClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), string(b))
	}
	return resp.StatusCode, out
}

// messagesPath is the Messages list URL path of the simulator's account.
func messagesPath(srv *twiliosim.Server) string {
	return "/2010-04-01/Accounts/" + srv.Sim.AccountSID() + "/Messages.json"
}

// sendForm is a valid send to to with an optional status callback.
func sendForm(to, callback string) url.Values {
	f := url.Values{"To": {to}, "From": {"+15005550006"}, "Body": {"Your results are ready."}}
	if callback != "" {
		f.Set("StatusCallback", callback)
	}
	return f
}

// controlCall sends a JSON control request and decodes the JSON answer.
func controlCall(t *testing.T, srv *twiliosim.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := plainClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}
