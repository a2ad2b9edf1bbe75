package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/appointments"
)

// TestAppointmentWorkerKilledMidMerge: a separate `careflow worker` process is SIGKILLed
// while its merge write is at the PMS: the PMS has stored it, the answer has not reached the
// worker. The write runs as a local activity (appointment-local-sync), so nothing of the sync
// is in the history yet: a new worker takes the workflow task again, replays to the same sync,
// reads both sides (the PMS already holds the write) and finds nothing left to write; a write
// sent again would carry the old If-Match version and get 412. Either way the PMS gets exactly
// one write and both sides converge.
func TestAppointmentWorkerKilledMidMerge(t *testing.T) {
	srv, raw := testenv.StartTemporal(t, client.Options{})

	ehrSrv, err := ehrsim.Start(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(ehrSrv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	require.NoError(t, ehrSrv.Sim.RegisterClient("careflow", key.Public()))
	require.NoError(t, ehrSrv.Sim.Seed(ehrsim.DefaultSeedAt(time.Now())...))
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "fhir.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	// No webhooks: this test hands the change to the workflow itself.
	pmsSrv, err := pmssim.Start(pmssim.Options{Secret: "crash-secret"})
	require.NoError(t, err)
	t.Cleanup(pmsSrv.Close)

	// The worker reaches the PMS through this proxy, which holds the answer to the first
	// engine write with the note below until the test has killed the worker.
	const note = "Written once"
	applied, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	target, err := url.Parse(pmsSrv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodPut || resp.StatusCode != http.StatusOK {
			return nil
		}
		var a pms.Appointment
		body, _ := httputilDump(resp)
		if json.Unmarshal(body, &a) != nil || a.Note != note {
			return nil
		}
		held := false
		once.Do(func() { held = true })
		if held {
			close(applied)
			select {
			case <-release:
			case <-resp.Request.Context().Done():
			}
		}
		return nil
	}
	pmsProxy := httptest.NewServer(proxy)
	t.Cleanup(pmsProxy.Close)

	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = srv.FrontendHostPort(), "default", "http://127.0.0.1:8233"
	cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens, cfg.PayloadKeys = "127.0.0.1:0", t.TempDir(), "", "", replay.PayloadKeys
	cfg.MLLPAddr, cfg.LISMLLPAddr = "127.0.0.1:0", ""
	cfg.FHIR = config.FHIR{BaseURL: ehrSrv.FHIRBaseURL, TokenURL: ehrSrv.TokenURL, ClientID: "careflow", PrivateKeyFile: keyFile}
	cfg.Appointments.PMSBaseURL, cfg.Appointments.PMSWebhookSecret = pmsSrv.URL, "crash-secret"
	// This process runs the API (a Temporal client with the payload codec) only.
	st, err := stack.Start(context.Background(), stack.Options{Config: cfg, SimulateUnconfigured: true, NoWorker: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	e := &engine{t: t, st: st, raw: raw}

	startWorker := func() *workerProc {
		return startWorkerProcess(t, srv.FrontendHostPort(),
			"FHIR_BASE_URL="+ehrSrv.FHIRBaseURL, "FHIR_TOKEN_URL="+ehrSrv.TokenURL, "FHIR_CLIENT_ID=careflow", "FHIR_PRIVATE_KEY_FILE="+keyFile,
			"PMS_BASE_URL="+pmsProxy.URL, "PMS_WEBHOOK_SECRET=crash-secret",
			"SIMULATE=stripe,clearinghouse,twilio,lis,pharmacy,smtp")
	}

	w1 := startWorker()
	// A linked pair (the PMS simulator's seeded appt-1002): the link records its patient and
	// provider in the participant crosswalk, which this worker's own store starts without.
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "crash-1", "ehrId": "appt-1002", "pmsId": "appt-1002"}, http.StatusCreated)
	e.waitAppointment("crash-1", appointmentIn(appointments.StatusInSync))

	// A person edits the EHR; the change reaches the workflow and its merge writes the PMS.
	r, ok := ehrSrv.Sim.Resource("Appointment", "appt-1002")
	require.True(t, ok)
	r["comment"] = note
	b, err := json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, ehrSrv.Sim.Put("Appointment", "appt-1002", b))
	require.NoError(t, st.Temporal.SignalWorkflow(context.Background(), appointments.WorkflowID("crash-1"), "",
		appointments.ChangeSignalName, appointments.ChangeSignal{Source: appointments.SourceEHR, ID: "appt-1002"}))
	select {
	case <-applied:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the merge write never reached the PMS:\n%s", w1.output())
	}
	require.NoError(t, w1.cmd.Process.Signal(syscall.SIGKILL))
	<-w1.done
	close(release)

	startWorker()
	st2 := e.waitAppointment("crash-1", func(v api.AppointmentView) bool {
		return v.Merged.Note == note && v.Status == appointments.StatusInSync
	})
	writes := 0
	for _, h := range pmsSrv.Sim.History("appt-1002") {
		if h.Note == note && h.UpdatedBy == pms.EngineWriter {
			writes++
		}
	}
	require.Equal(t, 1, writes, "exactly one PMS write for one EHR edit: %+v", st2)
	a, _ := pmsSrv.Sim.Appointment("appt-1002")
	require.Equal(t, note, a.Note)
	ehrNow, _ := ehrSrv.Sim.Resource("Appointment", "appt-1002")
	require.Equal(t, note, ehrNow["comment"], "the EHR keeps its edit")

	// The sync the kill interrupted ran its calls locally: no PMS write was ever scheduled as
	// a regular activity.
	local, regularWrites := 0, 0
	it := raw.GetWorkflowHistory(context.Background(), appointments.WorkflowID("crash-1"), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if m := ev.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "LocalActivity" {
			local++
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == pmsact.WriteAppointmentName {
			regularWrites++
		}
	}
	require.Positive(t, local, "the sync read the sides as local activities")
	require.Zero(t, regularWrites, "the PMS write was never a regular activity")
}

// httputilDump reads a proxied response body and puts it back for the client.
func httputilDump(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}
