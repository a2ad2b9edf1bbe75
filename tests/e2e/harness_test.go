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
	// Defaults as FromEnv applies them, then this test's private addresses and vendors.
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = srv.FrontendHostPort(), "default", "http://127.0.0.1:8233"
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
	st, err := stack.Start(context.Background(), stack.Options{Config: cfg, Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	e := &engine{t: t, st: st, raw: raw}
	// Runs before the stack closes (cleanups run last-in first-out).
	t.Cleanup(e.validateReceivedFHIR)
	return e
}

// call sends a JSON request with the dev token and decodes a JSON answer into a map.
func (e *engine) call(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	return e.callWith(method, path, body, map[string]string{"Authorization": "Bearer " + e.st.Token})
}

func (e *engine) callWith(method, path string, body any, headers map[string]string) (int, map[string]any) {
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
	out := map[string]any{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out)
	}
	out["_raw"] = string(raw)
	out["_contentType"] = resp.Header.Get("Content-Type")
	out["_location"] = resp.Header.Get("Location")
	return resp.StatusCode, out
}

// waitFor polls GET /v1/payments/{id} until cond holds for the view.
func (e *engine) waitFor(id string, cond func(v map[string]any) bool) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		code, v := e.call("GET", "/v1/payments/"+id, nil)
		last = v
		if !assertTrue(c, code == http.StatusOK, "GET status %d", code) {
			return
		}
		assertTrue(c, cond(v), "condition not met yet: %s", v["_raw"])
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

// newPayment returns a valid start body for id.
func newPayment(id string, amount int64, pm string) map[string]any {
	return map[string]any{
		"paymentId": id, "amount": amount, "currency": "usd",
		"customerRef": "cust-e2e", "paymentMethod": pm, "description": "office visit copay",
	}
}

func num(v map[string]any, k string) int64 {
	f, _ := v[k].(float64)
	return int64(f)
}
