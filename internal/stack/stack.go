// Package stack assembles the whole engine in one process: Temporal client, workers, HTTP API,
// MLLP listener and, where allowed, simulators for unconfigured vendors. `careflow run`, the
// `worker` and `api` roles, the load generator and the end-to-end tests all start the engine
// through it, so they exercise the same wiring.
package stack

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/metrics"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/lissim"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/internal/sim/smtpsim"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/careflow/engine/internal/temporalclient"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workers"
)

// Options says which parts to start around the configuration.
type Options struct {
	Config config.Config
	Logger *slog.Logger
	// NoWorker leaves the workers stopped; tests start and stop them with StartWorker and
	// StopWorker to simulate a crashed worker.
	NoWorker bool
	// NoAPI leaves the HTTP API off (the `worker` role).
	NoAPI bool
	// SimulateUnconfigured serves every unconfigured vendor with its built-in simulator: only
	// `careflow run`, the load generator and the end-to-end tests set it. Without it only the
	// vendors Config.Simulate lists (SIMULATE) are simulated, and any other unconfigured
	// vendor stops the start.
	SimulateUnconfigured bool
	// PersistSimulators keeps simulator state in the data dir, so that `careflow run` can be
	// restarted without the simulated vendors forgetting what open workflows refer to.
	PersistSimulators bool
	// CodecFromUIOrigin lets the Web UI call the codec endpoints without a token: from the
	// UI's Origin, on /codec/<CodecRunSecret>/..., and only while the API listens on loopback.
	// Only `careflow run` sets it, for a developer setup where the UI has no login.
	CodecFromUIOrigin bool
	// CodecRunSecret is the per-run secret in the codec endpoint `run` hands to the Web UI;
	// the Origin header alone proves nothing, since any non-browser client can send it.
	CodecRunSecret string
	// WorkerOptions tunes the workers (tests shorten timeouts).
	WorkerOptions worker.Options
}

// Stack is a running engine.
type Stack struct {
	Config   config.Config
	Temporal client.Client
	Store    audit.Store
	Codec    converter.PayloadCodec
	// APIURL is the base URL the API listens on.
	APIURL string
	// Token is a bearer token with every scope when the stack generated a dev token; empty when
	// API_TOKENS came from configuration.
	Token string
	// StripeSim is the built-in Stripe simulator, nil when Stripe is configured; likewise
	// the EHR, clearinghouse, Twilio, LIS, pharmacy network and PMS simulators (simulators.go).
	StripeSim   *stripesim.Server
	EHRSim      *ehrsim.Server
	CHSim       *chsim.Server
	TwilioSim   *twiliosim.Server
	LISSim      *lissim.Server
	PharmacySim *pharmsim.Server
	PMSSim      *pmssim.Server
	// MLLPAddr is where the engine's MLLP listener accepts HL7 results.
	MLLPAddr string
	// Metrics serves the engine's Prometheus registry (the API's /metrics, the worker role's).
	Metrics http.Handler

	opts   Options
	keys   *payloadcodec.Keyring
	logger *slog.Logger
	wopts  worker.Options
	reg    *prometheus.Registry

	// deps collects the API's dependencies: the area starters fill in their process's
	// defaults, startAPI the rest.
	deps     api.Deps
	apiLn    net.Listener
	tokens   *api.Tokens
	http     *http.Server
	httpDone chan error

	// Built by one area and used by another (the lab reuses the check-in's EHR and SMS).
	fhirKey     crypto.Signer
	fhirClient  *fhir.Client
	checkinActs workers.CheckInActivities

	lisClient   *mllp.Client
	mllp        *mllp.Server
	mllpLn      net.Listener
	mllpTLS     *tls.Config
	mllpMetrics *metrics.MLLP

	// activityImpls are the activity structs the areas register, named by package in the
	// per-vendor activity metrics.
	activityImpls []any
	// notify is the notification process's part (its activities).
	notify notifyStack
	// smtpSim is the built-in SMTP simulator (SMTPSim), nil when SMTP_ADDR is set.
	smtpSim *smtpsim.Server
	// apptSearchAttribute is the registered conflict search attribute ("" when unavailable).
	apptSearchAttribute string

	mu         sync.Mutex
	newWorkers []func() worker.Worker
	workers    []worker.Worker
}

// areas start one process each: its vendors' clients and activities, its worker (addWorker)
// and its API defaults (s.deps). They run in this order, after the store, Temporal, the
// listeners and the simulators exist. A new process adds its starter, kept in
// internal/stack/<process>.go, to this list.
var areas = []func(*Stack) error{
	(*Stack).startPayments,
	(*Stack).startCheckIn,
	(*Stack).startLab,
	(*Stack).startPrescriptions,
	(*Stack).startClaims,
	(*Stack).startAppointments,
	(*Stack).startNotify,
}

// Start brings the engine up. On error everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	s := &Stack{Config: opts.Config, opts: opts, logger: opts.Logger, wopts: workerOptions(opts.WorkerOptions, opts.Config.Worker)}
	ApplyStickyCache(opts.Config.Worker)
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	steps := []func(context.Context) error{s.checkSimulators, s.startStore, s.startTemporal, s.registerOpsAttributes, s.bindAPI, s.bindMLLP, s.startSimulators}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	for _, start := range areas {
		if err := start(s); err != nil {
			return nil, err
		}
	}
	s.instrumentActivities()
	if !opts.NoWorker {
		if err := s.StartWorker(); err != nil {
			return nil, err
		}
	}
	if opts.NoAPI {
		// The MLLP listener was bound only so a simulated LIS knows where to send results.
		s.mllpLn.Close()
		s.mllpLn = nil
		return s, nil
	}
	s.startAPI()
	return s, nil
}

// startStore checks the notification templates, opens the data dir, the payload keys and the
// record store (audit trail and crosswalk).
func (s *Stack) startStore(ctx context.Context) error {
	cfg := s.Config
	// A broken or untranslated notification template stops the start, not a patient's text.
	if err := templates.Check(); err != nil {
		return fmt.Errorf("notification templates: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	keys, err := temporalclient.Keyring(cfg.PayloadKeys, cfg.DataDir)
	if err != nil {
		return err
	}
	s.keys = keys
	s.Codec = payloadcodec.NewCodec(keys)
	sealer, err := audit.NewAESGCMSealer(keys.DerivedKeys(payloadcodec.PurposeAudit))
	if err != nil {
		return err
	}
	if s.Store, err = audit.OpenWith(ctx, cfg.DatabaseURL, cfg.DataDir, audit.Options{Sealer: sealer}); err != nil {
		return fmt.Errorf("record store: %w", err)
	}
	return nil
}

// startTemporal creates the metrics registry and dials Temporal.
func (s *Stack) startTemporal(ctx context.Context) error {
	cfg := s.Config
	s.reg = metrics.NewRegistry()
	s.Metrics = metrics.Handler(s.reg)
	s.mllpMetrics = metrics.NewMLLP(s.reg)
	// With configured keys (production), the engine's client and workers refuse payloads our
	// codec did not encrypt; the codec endpoint for the Web UI keeps passing them through.
	clientCodec := s.Codec
	if cfg.PayloadKeys != "" {
		clientCodec = payloadcodec.NewStrictCodec(s.keys)
	}
	copts := temporalclient.Options(cfg.TemporalAddress, cfg.TemporalNamespace, clientCodec,
		metrics.NewTemporalHandler(s.reg, ""), s.logger.With("component", "temporal"))
	if err := (temporalclient.Security{CertFile: cfg.TemporalTLSCertFile, KeyFile: cfg.TemporalTLSKeyFile,
		CAFile: cfg.TemporalTLSCAFile, ServerName: cfg.TemporalTLSServerName, APIKey: cfg.TemporalAPIKey}).Apply(&copts); err != nil {
		return err
	}
	var err error
	s.Temporal, err = temporalclient.Dial(ctx, copts)
	return err
}

// WorkerStopTimeout is how long a stopping worker waits for its running activities.
const WorkerStopTimeout = 35 * time.Second

// DefaultWorkerOptions polls with more goroutines than the SDK's default of two per task
// type: measured with the load generator, two pollers left payment flows waiting for tasks
// (throughput +60%, p99 -65% with more pollers on a 2-core machine).
func DefaultWorkerOptions() worker.Options { return WorkerOptions(config.DefaultWorker) }

// Poller counts of config.PollersFixed, and the bounds of config.PollersAutoscale.
const (
	fixedWorkflowPollers = 4
	fixedActivityPollers = 8
	autoscaleMinPollers  = 2
	autoscaleMaxPollers  = 32
)

// The check-in worker's workflow pollers under autoscaling (frontDeskOptions).
const (
	frontDeskInitialPollers = 16
	frontDeskMinPollers     = 8
	frontDeskMaxPollers     = 64
)

// frontDeskOptions is o for the check-in worker, whose first workflow task the front desk waits
// on (the verdict): under the autoscale tuning its workflow pollers, sticky and normal queue
// each, start at 16 and never fall below 8, so a new check-in's task mostly finds a poll
// waiting instead of going to the server's backlog (measured: schedule-to-start p99 less than
// half, README benchmarks). Other workers keep the default: more pollers everywhere cost the
// MLLP phase CPU. Fixed pollers and a caller's own poller settings are left as they are.
func frontDeskOptions(o worker.Options, w config.Worker) worker.Options {
	w = w.OrDefault()
	if w.Pollers != config.PollersAutoscale || !reflect.DeepEqual(o.WorkflowTaskPollerBehavior, WorkerOptions(w).WorkflowTaskPollerBehavior) {
		return o
	}
	o.WorkflowTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{
		InitialNumberOfPollers: frontDeskInitialPollers, MinimumNumberOfPollers: frontDeskMinPollers,
		MaximumNumberOfPollers: frontDeskMaxPollers})
	return o
}

// WorkerOptions turns the WORKER_* tuning into worker options; the zero config.Worker means
// config.DefaultWorker. The sticky cache is the process's, set by ApplyStickyCache.
func WorkerOptions(w config.Worker) worker.Options {
	w = w.OrDefault()
	// WorkerStopTimeout lets in-flight activities (a Stripe capture, an SMS, an MLLP send)
	// finish on SIGTERM instead of being cut off and retried, which would repeat side effects
	// whose answer was lost; it outlasts the activities' 30s StartToCloseTimeout.
	o := worker.Options{WorkerStopTimeout: WorkerStopTimeout}
	switch w.Pollers {
	case config.PollersAutoscale:
		// Start where the fixed setting sits and let the server's backlog hints move it;
		// two is the least a workflow poller pair (sticky and normal queue) needs.
		o.WorkflowTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{
			InitialNumberOfPollers: fixedWorkflowPollers, MinimumNumberOfPollers: autoscaleMinPollers, MaximumNumberOfPollers: autoscaleMaxPollers})
		o.ActivityTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{
			InitialNumberOfPollers: fixedActivityPollers, MinimumNumberOfPollers: autoscaleMinPollers, MaximumNumberOfPollers: autoscaleMaxPollers})
	default:
		o.MaxConcurrentWorkflowTaskPollers, o.MaxConcurrentActivityTaskPollers = fixedWorkflowPollers, fixedActivityPollers
	}
	return o
}

// ApplyStickyCache sets the process-wide sticky workflow cache from the WORKER_* tuning (the
// zero config.Worker means config.DefaultWorker). The SDK reads it when the first worker
// starts, so it must run before that.
func ApplyStickyCache(w config.Worker) {
	w = w.OrDefault()
	worker.SetStickyWorkflowCacheSize(w.StickyCacheSize)
}

// workerOptions fills the pollers and stop timeout a caller left unset from the tuning.
func workerOptions(o worker.Options, w config.Worker) worker.Options {
	d := WorkerOptions(w)
	if o.MaxConcurrentWorkflowTaskPollers == 0 && o.MaxConcurrentActivityTaskPollers == 0 &&
		o.WorkflowTaskPollerBehavior == nil && o.ActivityTaskPollerBehavior == nil {
		o.MaxConcurrentWorkflowTaskPollers = d.MaxConcurrentWorkflowTaskPollers
		o.MaxConcurrentActivityTaskPollers = d.MaxConcurrentActivityTaskPollers
		o.WorkflowTaskPollerBehavior = d.WorkflowTaskPollerBehavior
		o.ActivityTaskPollerBehavior = d.ActivityTaskPollerBehavior
	}
	if o.WorkerStopTimeout == 0 {
		o.WorkerStopTimeout = WorkerStopTimeout
	}
	return o
}

// addWorker registers an area's worker; StartWorker builds and starts it.
func (s *Stack) addWorker(build func() worker.Worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.newWorkers = append(s.newWorkers, build)
}

// StartWorker starts every area's worker; it is a no-op when they run.
func (s *Stack) StartWorker() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers != nil {
		return nil
	}
	ws := make([]worker.Worker, 0, len(s.newWorkers))
	for _, build := range s.newWorkers {
		ws = append(ws, build())
	}
	for i, w := range ws {
		if err := w.Start(); err != nil {
			for _, started := range ws[:i] {
				started.Stop()
			}
			return fmt.Errorf("worker: %w", err)
		}
	}
	s.workers = ws
	return nil
}

// StopWorker stops the workers, as a crash or deploy would.
func (s *Stack) StopWorker() {
	s.mu.Lock()
	ws := s.workers
	s.workers = nil
	s.mu.Unlock()
	for _, w := range ws {
		w.Stop()
	}
}

// Close stops the API, the MLLP listener, the workers, the simulators and the clients, in
// that order.
func (s *Stack) Close() error {
	var errs []error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, s.http.Shutdown(ctx))
		cancel()
		if err := <-s.httpDone; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		s.http = nil
	}
	if s.apiLn != nil && s.httpDone == nil {
		// Bound but never served: Start failed before startAPI.
		s.apiLn.Close()
	}
	s.apiLn = nil
	s.stopMLLP()
	if s.deps.Deferred != nil {
		// The kept copies of accepted HL7 messages are written before the store closes.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, s.deps.Deferred.Wait(ctx))
		cancel()
	}
	s.StopWorker()
	s.closeSimulators()
	if s.Temporal != nil {
		s.Temporal.Close()
		s.Temporal = nil
	}
	if s.Store != nil {
		errs = append(errs, s.Store.Close())
		s.Store = nil
	}
	return errors.Join(errs...)
}
