package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/prescriptions"
)

// A separate `careflow worker` process is killed with SIGKILL after the pharmacy network took
// the NewRx and before the workflow recorded its answer (the simulator's held-answer pharmacy
// holds the Status until the sender disconnects, which the kill does). A restarted worker
// resends the same MessageID when the send's StartToCloseTimeout ends the dead attempt: the
// network accepted exactly one NewRx, the resend was its duplicate, and the prescription is sent.
func TestPrescriptionWorkerKilledBetweenNewRxAndStatus(t *testing.T) {

	srv, raw := testenv.StartTemporal(t, client.Options{})

	// The EHR and the pharmacy network live in this process, so both worker processes (and
	// this test) see one chart and one network log.
	ehr, err := ehrsim.Start(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(ehr.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	require.NoError(t, ehr.Sim.RegisterClient("careflow", key.Public()))
	require.NoError(t, ehr.Sim.Seed(append(ehrsim.DefaultSeedAt(time.Now()), ehrsim.PrescriptionSeed()...)...))
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "fhir.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	network, err := pharmsim.Start(pharmsim.Options{})
	require.NoError(t, err)
	t.Cleanup(network.Close)
	sim := network.Sim

	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = srv.FrontendHostPort(), "default", "http://127.0.0.1:8233"
	cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens, cfg.PayloadKeys = "127.0.0.1:0", t.TempDir(), "", "", replay.PayloadKeys
	cfg.MLLPAddr, cfg.LISMLLPAddr = "127.0.0.1:0", ""
	cfg.Stripe, cfg.Twilio = config.Stripe{}, config.Twilio{}
	cfg.Clearinghouse.BaseURL = ""
	cfg.FHIR = config.FHIR{BaseURL: ehr.FHIRBaseURL, TokenURL: ehr.TokenURL, ClientID: "careflow", PrivateKeyFile: keyFile}
	cfg.Pharmacy = config.Pharmacy{BaseURL: network.URL, WebhookSecret: sim.WebhookSecret()}
	// This process runs the API only; the worker is another process.
	st, err := stack.Start(context.Background(), stack.Options{Config: cfg, SimulateUnconfigured: true, NoWorker: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	sim.SetWebhookURL(st.APIURL + "/webhooks/pharmacy")
	e := &engine{t: t, st: st, raw: raw}

	startWorker := func() *workerProc {
		return startWorkerProcess(t, srv.FrontendHostPort(),
			"FHIR_BASE_URL="+ehr.FHIRBaseURL, "FHIR_TOKEN_URL="+ehr.TokenURL, "FHIR_CLIENT_ID=careflow", "FHIR_PRIVATE_KEY_FILE="+keyFile,
			"PHARMACY_BASE_URL="+network.URL, "PHARMACY_WEBHOOK_SECRET="+sim.WebhookSecret(),
			"SIMULATE=stripe,clearinghouse,twilio,lis,pms,smtp")
	}

	w1 := startWorker()
	e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": "rx-held"}, http.StatusCreated)
	messageID := pharmacyact.MessageID(prescriptions.WorkflowID("rx-held"), "newrx")

	// The network has processed the NewRx; its answer is held, so the attempt is in flight.
	if !assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, 1, sim.Stats().Received["NewRx"])
	}, 2*time.Minute, 100*time.Millisecond) {
		t.Fatalf("the network never got the NewRx; worker log:\n%s", w1.output())
	}
	v := e.mustCall("GET", "/v1/prescriptions/rx-held", nil, http.StatusOK).prescription()
	require.Equal(t, prescriptions.StatusSending, v.Status, "the workflow has not recorded the answer")
	desc, err := raw.DescribeWorkflowExecution(context.Background(), prescriptions.WorkflowID("rx-held"), "")
	require.NoError(t, err)
	pending := desc.GetPendingActivities()
	require.Len(t, pending, 1)
	require.Equal(t, "SendNewRx", pending[0].GetActivityType().GetName())

	require.NoError(t, syscall.Kill(w1.cmd.Process.Pid, syscall.SIGKILL))
	<-w1.done
	ws, ok := w1.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "the worker died of SIGKILL: %v", w1.cmd.ProcessState)

	w2 := startWorker()
	// The dead attempt ends at its StartToCloseTimeout (45 s); the retry runs on the new worker.
	if !assert.EventuallyWithT(t, func(c *assert.CollectT) {
		code, r := e.call("GET", "/v1/prescriptions/rx-held", nil)
		if assert.Equal(c, http.StatusOK, code) {
			assert.Equal(c, prescriptions.StatusSent, r.prescription().Status)
		}
	}, 3*time.Minute, 500*time.Millisecond) {
		t.Fatalf("the prescription was not sent after the restart; worker log:\n%s", w2.output())
	}
	v = e.mustCall("GET", "/v1/prescriptions/rx-held", nil, http.StatusOK).prescription()
	assert.Equal(t, messageID, v.MessageID)

	var newRx []pharmsim.MessageView
	for _, m := range sim.Messages() {
		if m.Type == "NewRx" && m.PrescriberOrderNumber == "rx-held" {
			newRx = append(newRx, m)
		}
	}
	require.Len(t, newRx, 1, "exactly one NewRx accepted by the network")
	assert.Equal(t, messageID, newRx[0].MessageID)
	assert.GreaterOrEqual(t, newRx[0].Posts, 2, "the restarted worker resent it")
	stats := sim.Stats()
	assert.Equal(t, 1, stats.Received["NewRx"])
	assert.GreaterOrEqual(t, stats.Duplicates["NewRx"], 1, "the resend was deduplicated by MessageID")

	require.NoError(t, w2.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-w2.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("the worker did not exit after SIGTERM:\n%s", w2.output())
	}
}
