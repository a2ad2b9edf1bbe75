// Package e2e drives the engine end to end: a real Temporal dev server built by the project, the
// real worker and HTTP API (internal/stack), and the Stripe simulator, all on loopback.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
)

// engine is a running stack plus helpers for calling its API.
type engine struct {
	t  *testing.T
	st *stack.Stack
	// raw is a Temporal client without the payload codec: it sees what the server stores.
	raw client.Client
}

// startEngine starts a private dev server and the whole engine; mutate adjusts the config.
func startEngine(t *testing.T, mutate func(*config.Config)) *engine {
	t.Helper()
	srv, raw := testenv.StartTemporal(t, client.Options{})
	return startEngineOn(t, srv.FrontendHostPort(), raw, stack.Options{}, mutate)
}

// startEngineOn starts the whole engine against the Temporal frontend at addr; raw is a client
// without the payload codec; opts carries stack options beyond the config (Config and Logger
// are filled in here).
func startEngineOn(t *testing.T, addr string, raw client.Client, opts stack.Options, mutate func(*config.Config)) *engine {
	t.Helper()
	// Defaults as FromEnv applies them, then this test's private addresses and vendors.
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = addr, "default", "http://127.0.0.1:8233"
	cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens, cfg.PayloadKeys = "127.0.0.1:0", t.TempDir(), "", "", ""
	cfg.MLLPAddr, cfg.LISMLLPAddr = "127.0.0.1:0", ""
	cfg.Stripe, cfg.FHIR, cfg.Twilio = config.Stripe{}, config.FHIR{}, config.Twilio{}
	cfg.Clearinghouse.BaseURL = ""
	cfg.PaymentAuthorizationTTL, cfg.PaymentRefundWindow = time.Hour, time.Hour
	cfg.Claims.BatchWindow = time.Second // claims go through the batcher without slowing tests
	if mutate != nil {
		mutate(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("E2E_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts.Config, opts.Logger, opts.SimulateUnconfigured = cfg, logger, true
	st, err := stack.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	e := &engine{t: t, st: st, raw: raw}
	// Runs before the stack closes (cleanups run last-in first-out).
	t.Cleanup(e.validateReceivedFHIR)
	return e
}

// reply is one API answer as a client sees it: the body, decoded on demand into the API's own
// types, and the headers the tests read. It prints as its body in failure messages.
type reply struct {
	t           *testing.T
	Body        []byte
	ContentType string
	Location    string
}

func (r reply) String() string { return string(r.Body) }

// decodeAs decodes the body into T, failing the test when it is not one.
func decodeAs[T any](r reply) T {
	r.t.Helper()
	var v T
	require.NoError(r.t, json.Unmarshal(r.Body, &v), "body: %s", r.Body)
	return v
}

func (r reply) payment() api.PaymentView           { return decodeAs[api.PaymentView](r) }
func (r reply) checkIn() api.CheckInView           { return decodeAs[api.CheckInView](r) }
func (r reply) labOrder() api.LabOrderView         { return decodeAs[api.LabOrderView](r) }
func (r reply) prescription() api.PrescriptionView { return decodeAs[api.PrescriptionView](r) }
func (r reply) claim() api.ClaimView               { return decodeAs[api.ClaimView](r) }
func (r reply) appointment() api.AppointmentView   { return decodeAs[api.AppointmentView](r) }
func (r reply) notification() api.NotificationView { return decodeAs[api.NotificationView](r) }
func (r reply) problem() api.Problem               { return decodeAs[api.Problem](r) }

// call sends a JSON request with the dev token.
func (e *engine) call(method, path string, body any) (int, reply) {
	e.t.Helper()
	return e.callWith(method, path, body, map[string]string{"Authorization": "Bearer " + e.st.Token})
}

// mustCall is call that fails the test unless the status is want.
func (e *engine) mustCall(method, path string, body any, want int) reply {
	e.t.Helper()
	code, v := e.call(method, path, body)
	require.Equal(e.t, want, code, v)
	return v
}

// updateTwice sends the same update twice with one Idempotency-Key, as a client retrying
// after a lost answer does; both must answer 200, and the answers are returned in order.
func (e *engine) updateTwice(path string, body any, key string) (first, again reply) {
	e.t.Helper()
	headers := map[string]string{"Authorization": "Bearer " + e.st.Token, "Idempotency-Key": key}
	code, first := e.callWith("POST", path, body, headers)
	require.Equal(e.t, http.StatusOK, code, first)
	code, again = e.callWith("POST", path, body, headers)
	require.Equal(e.t, http.StatusOK, code, again)
	return first, again
}

func (e *engine) callWith(method, path string, body any, headers map[string]string) (int, reply) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		buf, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.st.APIURL+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, reply{t: e.t, Body: raw, ContentType: resp.Header.Get("Content-Type"), Location: resp.Header.Get("Location")}
}

// waitUntil polls GET path until it answers 200 and cond holds for its view V, and returns
// that answer.
func waitUntil[V any](e *engine, path string, cond func(V) bool) reply {
	e.t.Helper()
	var last reply
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		code, r := e.call("GET", path, nil)
		last = r
		if !assertTrue(c, code == http.StatusOK, "GET %s status %d: %s", path, code, r) {
			return
		}
		var v V
		if !assertTrue(c, json.Unmarshal(r.Body, &v) == nil, "GET %s: %s", path, r) {
			return
		}
		assertTrue(c, cond(v), "condition not met yet: %s", r)
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

// waitStatus polls GET path until the process's status is want.
func (e *engine) waitStatus(path, want string) reply {
	e.t.Helper()
	return waitUntil(e, path, func(v struct{ Status string }) bool { return v.Status == want })
}

// waitClosed waits until Temporal reports the workflow closed.
func (e *engine) waitClosed(wid string) {
	e.t.Helper()
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		desc, err := e.raw.DescribeWorkflowExecution(context.Background(), wid, "")
		if !assertTrue(c, err == nil, "describe %s", wid) {
			return
		}
		assertTrue(c, desc.GetWorkflowExecutionInfo().GetCloseTime() != nil, "%s still open", wid)
	}, 90*time.Second, 200*time.Millisecond)
}

// waitFor polls GET /v1/payments/{id} until cond holds for the view.
func (e *engine) waitFor(id string, cond func(v api.PaymentView) bool) reply {
	e.t.Helper()
	return waitUntil(e, "/v1/payments/"+id, cond)
}

// newPayment returns a valid start body for id.
func newPayment(id string, amount int64, pm string) map[string]any {
	return map[string]any{
		"paymentId": id, "amount": amount, "currency": "usd",
		"customerRef": "cust-e2e", "paymentMethod": pm, "description": "office visit copay",
	}
}
