package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/payments"
)

// localActivityMarker is the marker name under which the Go SDK records a local activity's result.
const localActivityMarker = "LocalActivity"

// A deploy sends SIGTERM to a separate `careflow worker` process while a capture is at Stripe.
// The worker lets the capture finish and reports it before exiting (WorkerStopTimeout), so the
// capture is recorded as completed by that worker, and Stripe captured exactly once.
func TestSIGTERMWorkerProcessFinishesCapture(t *testing.T) {
	srv, raw := testenv.StartTemporal(t, client.Options{})
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = srv.FrontendHostPort(), "default", "http://127.0.0.1:8233"
	cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens, cfg.PayloadKeys = "127.0.0.1:0", t.TempDir(), "", "", replay.PayloadKeys
	cfg.MLLPAddr, cfg.LISMLLPAddr = "127.0.0.1:0", ""
	cfg.Stripe, cfg.FHIR, cfg.Twilio = config.Stripe{}, config.FHIR{}, config.Twilio{}
	cfg.Clearinghouse.BaseURL = ""
	cfg.PaymentAuthorizationTTL, cfg.PaymentRefundWindow = time.Hour, time.Hour
	// This process runs the API and the Stripe simulator only; the worker is another process.
	st, err := stack.Start(context.Background(), stack.Options{Config: cfg, SimulateUnconfigured: true, NoWorker: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	e := &engine{t: t, st: st, raw: raw}
	sim := st.StripeSim.Sim

	startWorker := func() *workerProc {
		return startWorkerProcess(t, srv.FrontendHostPort(),
			"STRIPE_BASE_URL="+st.Config.Stripe.BaseURL, "STRIPE_SECRET_KEY="+st.Config.Stripe.SecretKey,
			"STRIPE_WEBHOOK_SECRET="+st.Config.Stripe.WebhookSecret,
			"SIMULATE=fhir,clearinghouse,twilio,lis,pms,pharmacy,smtp")
	}
	stopWorker := func(w *workerProc) {
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case <-w.done:
			require.True(t, w.cmd.ProcessState.Success(), "the worker exits cleanly on SIGTERM:\n%s", w.output())
		case <-time.After(90 * time.Second):
			t.Fatalf("the worker did not exit after SIGTERM:\n%s", w.output())
		}
	}

	w1 := startWorker()
	code, v := e.call("POST", "/v1/payments", newPayment("pay-term-1", 2700, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitFor("pay-term-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	pi := v.payment().PaymentIntentID

	// The capture is slow at Stripe; SIGTERM arrives while it is in flight.
	faults := sim.Stats().FaultsTriggered
	sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultSlow, Count: 1, Delay: 4 * time.Second})
	var wg sync.WaitGroup
	wg.Add(1)
	var capCode int
	go func() {
		defer wg.Done()
		capCode, _ = e.call("POST", "/v1/payments/pay-term-1/capture", map[string]any{})
	}()
	require.Eventually(t, func() bool { return sim.Stats().FaultsTriggered > faults }, 30*time.Second, 50*time.Millisecond)
	stopWorker(w1)

	// With no worker running, the history already holds the capture's completion: the
	// terminating worker finished it rather than abandoning it to a retry. The payment runs
	// the authorization first as a local activity (payments-local-stripe), whose result is a
	// marker; the capture an update asks for is a regular activity.
	completed := 0
	iter := raw.GetWorkflowHistory(context.Background(), payments.WorkflowID("pay-term-1"), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			completed++
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if m := ev.GetMarkerRecordedEventAttributes(); m.GetMarkerName() == localActivityMarker && m.GetFailure() == nil {
				completed++
			}
		}
	}
	require.Equal(t, 2, completed, "authorization and capture completed by the terminating worker")
	require.Equal(t, 1, sim.Stats().CapturesByIntent[pi])

	w2 := startWorker()
	v = e.waitFor("pay-term-1", func(v api.PaymentView) bool { return v.Status == payments.StatusCaptured })
	wg.Wait()
	require.NotEqual(t, http.StatusGatewayTimeout, capCode)
	require.EqualValues(t, 2700, v.payment().CapturedAmount)
	require.Equal(t, 1, sim.Stats().CapturesByIntent[pi], "exactly one capture at Stripe")
	stopWorker(w2)
}
