package pmssim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/stretchr/testify/require"
)

// receiver collects webhooks, verifying each signature.
type receiver struct {
	srv    *httptest.Server
	secret []byte
	events chan received
	mu     sync.Mutex
	status int
	// failFirst answers that many requests 503 before status.
	failFirst int
}

type received struct {
	body     []byte
	verified bool
}

func newReceiver(t *testing.T, secret []byte) *receiver {
	rv := &receiver{secret: secret, events: make(chan received, 64), status: http.StatusNoContent}
	rv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		st := rv.status
		if rv.failFirst > 0 {
			rv.failFirst--
			st = http.StatusServiceUnavailable
		}
		rv.mu.Unlock()
		rv.events <- received{body: b, verified: pms.Verify(rv.secret, b, r.Header.Get(pms.SignatureHeader))}
		w.WriteHeader(st)
	}))
	t.Cleanup(rv.srv.Close)
	return rv
}

// next waits for one webhook; the generous bound only stops a hung test.
func (rv *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case e := <-rv.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived")
		return received{}
	}
}

// start runs a simulator and a client for it.
func start(t *testing.T, opts pmssim.Options) (*pmssim.Server, *pms.Client) {
	t.Helper()
	srv, err := pmssim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c, err := pms.New(srv.URL, &http.Client{Timeout: 5 * time.Second})
	require.NoError(t, err)
	return srv, c
}

// raw sends one request to the simulator.
func raw(t *testing.T, method, url, body string, h map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
