// Package chaos kills the engine's processes and the Temporal server with SIGKILL while
// hundreds of processes are in flight, then checks the vendor simulators for duplicate side
// effects and lost inbound messages. It runs only with CAREFLOW_CHAOS=1 (`make chaos`): it
// takes minutes.
package chaos

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/pgtemporal"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/lissim"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/tests/replay"
)

const (
	// gate turns the test on; scaleVar sets how many processes are put in flight.
	gate     = "CAREFLOW_CHAOS"
	scaleVar = "CAREFLOW_CHAOS_N"
	// settleTimeout bounds the wait for every process to close after the last restart.
	settleTimeout = 20 * time.Minute
	// refundWindow keeps payments open through the kills, then lets them close.
	refundWindow = 3 * time.Minute
)

// proc is one OS process of the engine (the built careflow binary in one role).
type proc struct {
	role string
	cmd  *exec.Cmd
	logs *lockedWriter
	done chan struct{}
}

// harness is everything the chaos run started.
type harness struct {
	t      *testing.T
	bin    string
	env    []string
	apiURL string
	token  string
	pgOpts pgtemporal.Options
	srv    *pgtemporal.Server
	stripe *stripesim.Server
	ehr    *ehrsim.Server
	twilio *twiliosim.Server
	lis    *lissim.Server
	mu     sync.Mutex
	procs  map[string]*proc
	httpc  *http.Client
	// sem bounds concurrent process starts, as a client pool would.
	sem    chan struct{}
	canary atomic.Int64
	// started counts processes whose start the API accepted; running counts open workflows
	// at Temporal, to say how many were in flight at each kill.
	started atomic.Int64
	running client.Client
	results []killResult
	// baseReports and baseEncounters are the EHR's seeded counts before the run.
	baseReports, baseEncounters int
}

type killResult struct {
	target   string
	pid      int
	started  int64
	inFlight int64         // open workflow executions at the kill (the visibility store's count)
	down     time.Duration // kill until restarted process is up
	recovery time.Duration // kill until a new payment is authorized end to end
}

func TestChaos(t *testing.T) {
	if os.Getenv(gate) == "" {
		t.Skipf("%s unset: `make chaos` runs this (minutes long)", gate)
	}
	n := 200
	if v := os.Getenv(scaleVar); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, scaleVar)
	}
	h := start(t)

	// The processes: 40% payments (authorized, then captured, every fourth refunded), 30%
	// check-ins (eligibility, copay, SMS, EHR arrival), 30% lab orders (ORM out, ORU in).
	nPay, nCheck := n*4/10, n*3/10
	nLab := n - nPay - nCheck
	appts := h.seedAppointments(nCheck)
	h.baseReports, h.baseEncounters = len(h.ehr.Sim.Resources("DiagnosticReport")), len(h.ehr.Sim.Resources("Encounter"))
	var wg sync.WaitGroup
	var driverErrs atomic.Int64
	drive := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				driverErrs.Add(1)
				t.Logf("driver: %v", err)
			}
		}()
	}
	t0 := time.Now()
	for i := range max(nPay, nCheck, nLab) {
		if i < nPay {
			id := fmt.Sprintf("chaos-pay-%d", i)
			drive(func() error { return h.payment(id, i%4 == 0) })
		}
		if i < nCheck {
			appt := appts[i]
			drive(func() error {
				return h.start("/v1/checkins", map[string]any{"appointmentId": appt, "collectCopay": true,
					"notifyPatient": true, "paymentMethod": "pm_card_visa"})
			})
		}
		if i < nLab {
			placer := fmt.Sprintf("CHAOS-%d", i)
			drive(func() error {
				return h.start("/v1/lab-orders", map[string]any{"placerOrderNumber": placer, "patientRef": "pat-1001",
					"orderingProviderId": "1234567893", "orderingProvider": map[string]any{"role": "ordering-provider",
						"name": "Dr Sim", "phone": "+15550000001"}, "tests": []string{"2823-3", "2345-7"},
					"priority": "routine", "notifyPatient": true})
			})
		}
	}

	// The kills begin when two thirds of the processes have started, so the last third (check-ins
	// mid-eligibility among them) start through the outages, payments are being captured and
	// refunded, and lab orders wait for results the LIS is sending: worker, then API, then the
	// Temporal server, each restarted before the next kill.
	for h.started.Load() < int64(n*2/3) && time.Since(t0) < 10*time.Minute {
		time.Sleep(100 * time.Millisecond)
	}
	h.killAndRestart("worker")
	h.killAndRestart("api")
	h.killAndRestart("temporal")
	wg.Wait()
	loadTime := time.Since(t0)
	require.Zero(t, driverErrs.Load(), "every process was started (drivers retry through the outages)")

	// Every process reaches its final state.
	settle := time.Now()
	ids := map[string][]string{}
	for i := range nPay {
		ids["/v1/payments/"] = append(ids["/v1/payments/"], fmt.Sprintf("chaos-pay-%d", i))
	}
	for i := range int(h.canary.Load()) {
		ids["/v1/payments/"] = append(ids["/v1/payments/"], fmt.Sprintf("chaos-canary-%d", i))
	}
	ids["/v1/checkins/"] = appts
	for i := range nLab {
		ids["/v1/lab-orders/"] = append(ids["/v1/lab-orders/"], fmt.Sprintf("CHAOS-%d", i))
	}
	final := map[string]map[string][]byte{}
	deadline := time.Now().Add(settleTimeout)
	for prefix, list := range ids {
		final[prefix] = map[string][]byte{}
		for _, id := range list {
			for {
				body, err := h.get(prefix + id)
				var v struct {
					Closed bool `json:"closed"`
				}
				if err == nil && json.Unmarshal(body, &v) == nil && v.Closed {
					final[prefix][id] = body
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s%s did not reach a final state within %v: %s %v", prefix, id, settleTimeout, body, err)
				}
				time.Sleep(time.Second)
			}
		}
	}
	settleTime := time.Since(settle)

	v := h.check(final)
	h.summary(n, nPay, nCheck, nLab, int(h.canary.Load()), loadTime, settleTime, v)
	for _, line := range v.violations {
		t.Errorf("violation: %s", line)
	}
}

// start builds the binary, starts the Temporal server on fresh PostgreSQL databases, the
// simulators in this process and the worker and API as separate processes.
func start(t *testing.T) *harness {
	h := &harness{t: t, sem: make(chan struct{}, 16), procs: map[string]*proc{}, httpc: &http.Client{Timeout: 30 * time.Second}}
	h.bin = filepath.Join(t.TempDir(), "careflow")
	out, err := exec.Command("go", "build", "-o", h.bin, "github.com/careflow/engine/cmd/careflow").CombinedOutput()
	require.NoError(t, err, string(out))

	// Temporal on PostgreSQL, as testenv.StartPostgresTemporal but kept restartable.
	pg := testenv.NewPostgresDatabases(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.NoError(t, pgtemporal.Setup(ctx, "", pg))
	ports, err := pgtemporal.FreePorts()
	require.NoError(t, err)
	ports.UI = 0
	h.pgOpts = pgtemporal.Options{Postgres: pg, Ports: ports, LogWriter: io.Discard}
	h.srv, err = pgtemporal.Start(ctx, h.pgOpts)
	require.NoError(t, err)
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		_ = h.srv.Stop()
	})
	h.running, err = client.Dial(client.Options{HostPort: h.srv.Address(), Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	t.Cleanup(h.running.Close)
	storeURL := newDatabase(t, "careflow_chaos_store_")

	// The API's addresses are fixed for the run: a restarted API takes them again, and the
	// simulators keep delivering webhooks and results there.
	apiAddr, mllpAddr := freeAddr(t), freeAddr(t)
	h.apiURL = "http://" + apiAddr
	h.token = hex.EncodeToString(randomBytes(16))

	whsec := "whsec_" + hex.EncodeToString(randomBytes(12))
	h.stripe, err = stripesim.Start(stripesim.Options{SecretKey: "sk_test_chaos", WebhookSecret: whsec, WebhookURL: h.apiURL + "/webhooks/stripe"})
	require.NoError(t, err)
	t.Cleanup(h.stripe.Close)

	h.ehr, err = ehrsim.Start(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(h.ehr.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	require.NoError(t, h.ehr.Sim.RegisterClient("careflow", key.Public()))
	now := time.Now()
	require.NoError(t, h.ehr.Sim.Seed(append(ehrsim.DefaultSeedAt(now), ehrsim.LivedInSeed(now)...)...))
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "fhir.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))

	chPass := hex.EncodeToString(randomBytes(8))
	ch, err := chsim.Start(chsim.Options{Username: "careflow", Password: chPass})
	require.NoError(t, err)
	t.Cleanup(ch.Close)

	h.twilio, err = twiliosim.Start(twiliosim.Options{})
	require.NoError(t, err)
	t.Cleanup(h.twilio.Close)
	h.twilio.Sim.SetInboundURL(h.apiURL + "/webhooks/twilio")

	// Results follow an accepted order after 20s, so orders wait for results through the kills.
	h.lis, err = lissim.Start(lissim.Options{EngineAddr: mllpAddr, ResultDelay: 20 * time.Second, MaxAttempts: 1000})
	require.NoError(t, err)
	t.Cleanup(h.lis.Close)

	h.env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+h.srv.Address(), "TEMPORAL_NAMESPACE=default", "PAYLOAD_KEYS="+replay.PayloadKeys,
		"DATABASE_URL="+storeURL, "API_ADDR="+apiAddr, "MLLP_ADDR="+mllpAddr,
		"API_TOKENS=chaos:"+h.token+":*", "PUBLIC_URL="+h.apiURL,
		"STRIPE_BASE_URL="+h.stripe.URL, "STRIPE_SECRET_KEY=sk_test_chaos", "STRIPE_WEBHOOK_SECRET="+whsec,
		"FHIR_BASE_URL="+h.ehr.FHIRBaseURL, "FHIR_TOKEN_URL="+h.ehr.TokenURL, "FHIR_CLIENT_ID=careflow", "FHIR_PRIVATE_KEY_FILE="+keyFile,
		"CLEARINGHOUSE_BASE_URL="+ch.BaseURL(), "CLEARINGHOUSE_USERNAME=careflow", "CLEARINGHOUSE_PASSWORD="+chPass,
		"TWILIO_BASE_URL="+h.twilio.URL, "TWILIO_ACCOUNT_SID="+h.twilio.Sim.AccountSID(), "TWILIO_AUTH_TOKEN="+h.twilio.Sim.AuthToken(),
		"TWILIO_FROM=+15005550006", "LIS_MLLP_ADDR="+h.lis.Addr,
		"PAYMENT_AUTHORIZATION_TTL=1h", "PAYMENT_REFUND_WINDOW="+refundWindow.String(),
		"LAB_CORRECTIONS_WINDOW=5s", "LAB_RESULT_DEADLINE=1h", "LAB_ESCALATION_CHAIN=charge-nurse:+15550000002",
		"WORKER_METRICS_ADDR=", "TEMPORAL_TLS_CERT_FILE=", "TEMPORAL_TLS_KEY_FILE=", "TEMPORAL_TLS_CA_FILE=",
		"TEMPORAL_TLS_SERVER_NAME=", "TEMPORAL_API_KEY=", "PHARMACY_BASE_URL=", "PMS_BASE_URL=",
		"SMTP_ADDR=", "SMTP_USERNAME=", "SMTP_PASSWORD=", "SMTP_FROM=", "SIMULATE=pharmacy,pms,smtp",
		// Every check-in and lab order is for one patient; three notices an hour would defer
		// (and expire) nearly all of them.
		"NOTIFY_PATIENT_RATE_LIMIT=0")
	h.startProc("worker")
	h.startProc("api")
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, p := range h.procs {
			stopProc(p)
		}
	})
	h.waitAPI(2 * time.Minute)
	return h
}

// startProc starts the careflow binary in role with its own data dir.
func (h *harness) startProc(role string) *proc {
	cmd := exec.Command(h.bin, role)
	cmd.Env = append(append([]string{}, h.env...), "DATA_DIR="+h.t.TempDir())
	if role == "worker" {
		// The worker binds the listeners only to learn addresses; the API owns the fixed ones
		// (exec keeps the last of duplicate variables).
		cmd.Env = append(cmd.Env, "API_ADDR=127.0.0.1:0", "MLLP_ADDR=127.0.0.1:0")
	}
	// If this test dies, the kernel kills the child rather than leaving it running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{role: role, cmd: cmd, logs: &lockedWriter{buf: &bytes.Buffer{}}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	require.NoError(h.t, cmd.Start())
	go func() { _ = cmd.Wait(); close(p.done) }()
	h.mu.Lock()
	h.procs[role] = p
	h.mu.Unlock()
	return p
}

// stopProc ends p by its pid: SIGTERM, then SIGKILL after the worker's stop timeout.
func stopProc(p *proc) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(45 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// killAndRestart sends SIGKILL to target (worker, api or temporal), starts it again and
// measures how long until a new payment is authorized end to end.
func (h *harness) killAndRestart(target string) {
	t := h.t
	t0 := time.Now()
	started := h.started.Load()
	inFlight := h.openWorkflows()
	var pid int
	switch target {
	case "temporal":
		h.mu.Lock()
		pid = h.srv.Pid()
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		<-h.srv.Done()
		time.Sleep(2 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		srv, err := pgtemporal.Start(ctx, h.pgOpts)
		cancel()
		require.NoError(t, err, "restart the Temporal server")
		h.srv = srv
		h.mu.Unlock()
	default:
		h.mu.Lock()
		p := h.procs[target]
		h.mu.Unlock()
		pid = p.cmd.Process.Pid
		select {
		case <-p.done:
			t.Fatalf("the %s process had already exited before the kill:\n%s", target, p.logs.String())
		default:
		}
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		<-p.done
		time.Sleep(2 * time.Second)
		h.startProc(target)
		if target == "api" {
			h.waitAPI(2 * time.Minute)
		}
	}
	down := time.Since(t0)
	id := fmt.Sprintf("chaos-canary-%d", h.canary.Add(1)-1)
	_, err := h.post("/v1/payments", map[string]any{"paymentId": id, "amount": 1000, "currency": "usd",
		"customerRef": "cust-chaos", "paymentMethod": "pm_card_visa", "description": "canary"}, http.StatusCreated, http.StatusOK)
	require.NoError(t, err)
	_, err = h.waitStatus(id, "authorized")
	require.NoError(t, err)
	_, err = h.post("/v1/payments/"+id+"/cancel", map[string]any{}, http.StatusOK, http.StatusConflict)
	require.NoError(t, err)
	h.results = append(h.results, killResult{target: target, pid: pid, started: started, inFlight: inFlight, down: down, recovery: time.Since(t0)})
	t.Logf("killed %s (pid %d) with SIGKILL; back up in %v, a new payment authorized %v after the kill", target, pid, down, time.Since(t0))
}

// openWorkflows counts running workflow executions (-1 when the count fails).
func (h *harness) openWorkflows() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := h.running.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: "default", Query: "ExecutionStatus = 'Running'"})
	if err != nil {
		h.t.Logf("count open workflows: %v", err)
		return -1
	}
	return resp.GetCount()
}

// start starts one process through the API, at most cap(h.sem) at a time.
func (h *harness) start(path string, body any) error {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	if _, err := h.post(path, body, http.StatusCreated, http.StatusOK); err != nil {
		return err
	}
	h.started.Add(1)
	return nil
}

// payment drives one payment: create, wait for the authorization, capture, maybe refund.
func (h *harness) payment(id string, refund bool) error {
	if err := h.start("/v1/payments", map[string]any{"paymentId": id, "amount": 4200, "currency": "usd",
		"customerRef": "cust-chaos", "paymentMethod": "pm_card_visa", "description": "office visit"}); err != nil {
		return err
	}
	if _, err := h.waitStatus(id, "authorized"); err != nil {
		return err
	}
	if err := h.update(id, "capture", map[string]any{"amount": 4200}, "captured"); err != nil {
		return err
	}
	if !refund {
		return nil
	}
	return h.update(id, "refund", map[string]any{}, "refunded")
}

// update asks a payment to capture or refund. A retry after an outage may find the first
// request applied (its answer was lost with the killed API): the 422 then comes with the
// payment already in the wanted status, which update checks.
func (h *harness) update(id, action string, body any, status string) error {
	out, err := h.post("/v1/payments/"+id+"/"+action, body, http.StatusOK, http.StatusUnprocessableEntity)
	if err != nil {
		return err
	}
	v, err := h.waitStatus(id, status)
	if err != nil {
		return fmt.Errorf("%s %s: %w (answer %s)", action, id, err, out)
	}
	if v.Status != status && status == "refunded" {
		return fmt.Errorf("%s %s: status %s", action, id, v.Status)
	}
	return nil
}

// waitStatus polls a payment until it has reached status (or any later one).
func (h *harness) waitStatus(id, status string) (api.PaymentView, error) {
	order := []string{"authorizing", "authorized", "capturing", "captured", "refunded"}
	rank := func(s string) int {
		for i, o := range order {
			if o == s {
				return i
			}
		}
		return 100 // canceled, expired, declined, failed: final
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var v api.PaymentView
		body, err := h.get("/v1/payments/" + id)
		if err == nil && json.Unmarshal(body, &v) == nil && rank(v.Status) >= rank(status) {
			if rank(v.Status) == 100 {
				return v, fmt.Errorf("payment %s ended %s waiting for %s", id, v.Status, status)
			}
			return v, nil
		}
		if time.Now().After(deadline) {
			return v, fmt.Errorf("payment %s: no %s within 10m (last %s, %v)", id, status, body, err)
		}
		time.Sleep(2 * time.Second)
	}
}

// post sends a JSON request, retrying through outages (connection errors, 5xx, 429) as a
// client of the API would; a later attempt may also be answered with one of the want codes
// meaning "already done".
func (h *harness) post(path string, body any, want ...int) ([]byte, error) {
	b, _ := json.Marshal(body)
	deadline := time.Now().Add(10 * time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodPost, h.apiURL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.token)
		resp, err := h.httpc.Do(req)
		var out []byte
		if err == nil {
			out, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, w := range want {
				if resp.StatusCode == w {
					return out, nil
				}
			}
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
				return out, fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, out)
			}
			err = fmt.Errorf("status %d: %s", resp.StatusCode, out)
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("POST %s: %w", path, err)
		}
		time.Sleep(time.Second)
	}
}

// get fetches path once.
func (h *harness) get(path string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, h.apiURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return out, nil
}

// waitAPI waits for the API process's /readyz.
func (h *harness) waitAPI(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		resp, err := h.httpc.Get(h.apiURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			h.mu.Lock()
			logs := h.procs["api"].logs.String()
			h.mu.Unlock()
			h.t.Fatalf("the API did not become ready: %v\n%s", err, logs)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// seedAppointments copies the EHR simulator's appt-1001 (eligible, with copay) n times.
func (h *harness) seedAppointments(n int) []string {
	tmpl, ok := h.ehr.Sim.Resource("Appointment", "appt-1001")
	require.True(h.t, ok)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("chaos-appt-%d", i)
		tmpl["id"] = ids[i]
		delete(tmpl, "meta")
		body, err := json.Marshal(tmpl)
		require.NoError(h.t, err)
		require.NoError(h.t, h.ehr.Sim.Put("Appointment", ids[i], body))
	}
	return ids
}

// newDatabase creates a fresh database and drops it when the test ends.
func newDatabase(t *testing.T, prefix string) string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.PostgresAdminURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	name := prefix + hex.EncodeToString(randomBytes(6))
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, testenv.PostgresAdminURL)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return strings.Replace(testenv.PostgresAdminURL, "/postgres?", "/"+name+"?", 1)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// lockedWriter lets a process's stdout and stderr share one buffer.
type lockedWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

// String returns what was written so far.
func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
