package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/workflows/laborders"
)

// startEngineWithServerArgs is startEngine on a dev server started with extra arguments.
func startEngineWithServerArgs(t *testing.T, args []string, mutate func(*config.Config)) *engine {
	t.Helper()
	srv, raw := testenv.StartTemporalWith(t, testenv.Options{ExtraArgs: args})
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = srv.FrontendHostPort(), "default", "http://127.0.0.1:8233"
	cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens, cfg.PayloadKeys = "127.0.0.1:0", t.TempDir(), "", "", ""
	cfg.MLLPAddr, cfg.LISMLLPAddr = "127.0.0.1:0", ""
	cfg.Stripe, cfg.FHIR, cfg.Twilio = config.Stripe{}, config.FHIR{}, config.Twilio{}
	cfg.Clearinghouse.BaseURL = ""
	if mutate != nil {
		mutate(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := stack.Start(context.Background(), stack.Options{Config: cfg, SimulateUnconfigured: true, Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return &engine{t: t, st: st, raw: raw}
}

// TestLabOrderContinuesAsNewWhileStillPaging: with Temporal suggesting continue-as-new after a
// few dozen events, an order that keeps paging moves to new runs without losing its results,
// its message list or its escalation, and closes when acknowledged.
func TestLabOrderContinuesAsNewWhileStillPaging(t *testing.T) {
	e := startEngineWithServerArgs(t, []string{"--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=40"},
		func(c *config.Config) {
			c.Lab.AckTimeout = time.Second
			c.Lab.CorrectionsWindow = time.Second
			c.Lab.ResultDeadline = time.Hour
			c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
		})
	const placer = "CRITICAL-POTASSIUM-CAN1"
	e.mustCall("POST", "/v1/lab-orders", labOrder(placer), http.StatusCreated)
	first := e.waitLab(placer, func(v api.LabOrderView) bool { return v.MessagesReceived == 1 })
	firstRun := first.labOrder().Temporal.RunID
	v := e.waitLab(placer, func(v api.LabOrderView) bool {
		return v.Temporal.RunID != firstRun && v.Unacknowledged == true
	})
	require.EqualValues(t, 1, v.labOrder().MessagesReceived, v)
	require.Len(t, v.labOrder().MessageIDs, 1)
	require.NotNil(t, result(v.labOrder(), "2823-3"), "results carried to the new run")
	require.Equal(t, v.labOrder().ResultsVersion, v.labOrder().FiledVersion)
	pagesBefore := len(v.labOrder().Escalation.Pages)
	v = e.waitLab(placer, func(v api.LabOrderView) bool { return len(v.Escalation.Pages) > pagesBefore })
	code, v := e.call("POST", "/v1/lab-orders/"+placer+"/acknowledge", map[string]any{"by": "dr.can"})
	require.Equal(t, http.StatusOK, code, v)
	v = e.waitLab(placer, func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, laborders.EscalationAcknowledged, v.labOrder().Escalation.State)
}

// TestRecordLabContinueAsNewHistories records both runs of an order that continued as new, for
// the replay tests (same rules as TestRecordReplayHistories).
func TestRecordLabContinueAsNewHistories(t *testing.T) {
	e := startEngineWithServerArgs(t, []string{"--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=40"},
		recording(t, func(c *config.Config) {
			c.Lab.AckTimeout = time.Second
			c.Lab.CorrectionsWindow = time.Second
			c.Lab.ResultDeadline = time.Hour
			c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
		}))
	const placer = "CRITICAL-POTASSIUM-CAN-R1"
	e.mustCall("POST", "/v1/lab-orders", labOrder(placer), http.StatusCreated)
	first := e.waitLab(placer, func(v api.LabOrderView) bool { return v.MessagesReceived == 1 })
	firstRun := first.labOrder().Temporal.RunID
	e.waitLab(placer, func(v api.LabOrderView) bool {
		return v.Temporal.RunID != firstRun && v.Unacknowledged == true
	})
	e.mustCall("POST", "/v1/lab-orders/"+placer+"/acknowledge", map[string]any{"by": "dr.replay"}, http.StatusOK)
	e.waitLab(placer, func(v api.LabOrderView) bool { return v.Closed == true })
	e.exportRun(laborders.WorkflowID(placer), firstRun, "laborder-v2-continued-first-run.json")
	e.exportWorkflow(laborders.WorkflowID(placer), "laborder-v2-continued-last-run.json")
}
