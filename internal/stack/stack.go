// Package stack assembles the whole engine in one process: Temporal client, worker, HTTP API and
// the vendor simulators for unconfigured vendors. `careflow run`, the load generator and the
// end-to-end tests all start the engine through it, so they exercise the same wiring.
package stack

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	stripeact "github.com/careflow/engine/activities/stripe"
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
	// NoWorker leaves the payments worker stopped; tests start and stop it with StartWorker and
	// StopWorker to simulate a crashed worker.
	NoWorker bool
	// PersistSimulators keeps simulator state in the data dir, so that `careflow run` can be
	// restarted without the simulated vendors forgetting what open workflows refer to.
	PersistSimulators bool
	// NoAPI leaves the HTTP API off (the `worker` subcommand).
	NoAPI bool
	// CodecFromUIOrigin lets the Web UI call the codec endpoints without a token: from the
	// UI's Origin, on /codec/<CodecRunSecret>/..., and only while the API listens on loopback.
	// Only `careflow run` sets it, for a developer setup where the UI has no login.
	CodecFromUIOrigin bool
	// CodecRunSecret is the per-run secret in the codec endpoint `run` hands to the Web UI;
	// the Origin header alone proves nothing, since any non-browser client can send it.
	CodecRunSecret string
	// WorkerOptions tunes the payments worker (tests shorten timeouts).
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
	// the EHR, clearinghouse and Twilio simulators.
	StripeSim *stripesim.Server
	EHRSim    *ehrsim.Server
	CHSim     *chsim.Server
	TwilioSim *twiliosim.Server
	LISSim    *lissim.Server
	notify    notifyStack
	// MLLPAddr is where the engine's MLLP listener accepts HL7 results.
	MLLPAddr string

	logger      *slog.Logger
	acts        *stripeact.Activities
	checkinActs workers.CheckInActivities
	labActs     workers.LabActivities
	fhirClient  *fhir.Client
	lisClient   *mllp.Client
	mllp        *mllp.Server
	mllpLn      net.Listener
	mllpTLS     *tls.Config
	mllpMetrics *metrics.MLLP
	wopts       worker.Options
	http        *http.Server
	httpDone    chan error

	mu      sync.Mutex
	workers []worker.Worker
}

// Start brings the engine up. On error everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	cfg := opts.Config
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s := &Stack{Config: cfg, logger: logger, wopts: opts.WorkerOptions}
	if s.wopts.MaxConcurrentWorkflowTaskPollers == 0 && s.wopts.MaxConcurrentActivityTaskPollers == 0 {
		d := DefaultWorkerOptions()
		s.wopts.MaxConcurrentWorkflowTaskPollers = d.MaxConcurrentWorkflowTaskPollers
		s.wopts.MaxConcurrentActivityTaskPollers = d.MaxConcurrentActivityTaskPollers
	}
	if s.wopts.WorkerStopTimeout == 0 {
		s.wopts.WorkerStopTimeout = WorkerStopTimeout
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// A broken or untranslated notification template stops the start, not a patient's text.
	if err := templates.Check(); err != nil {
		return nil, fmt.Errorf("notification templates: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}

	keys, err := temporalclient.Keyring(cfg.PayloadKeys, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.Codec = payloadcodec.NewCodec(keys)

	sealer, err := audit.NewAESGCMSealer(keys.DerivedKeys(payloadcodec.PurposeAudit))
	if err != nil {
		return nil, err
	}
	if s.Store, err = audit.OpenWith(ctx, cfg.DatabaseURL, cfg.DataDir, audit.Options{Sealer: sealer}); err != nil {
		return nil, fmt.Errorf("record store: %w", err)
	}

	reg := metrics.NewRegistry()
	s.mllpMetrics = metrics.NewMLLP(reg)
	// With configured keys (production), the engine's client and workers refuse payloads our
	// codec did not encrypt; the codec endpoint for the Web UI keeps passing them through.
	clientCodec := s.Codec
	if cfg.PayloadKeys != "" {
		clientCodec = payloadcodec.NewStrictCodec(keys)
	}
	copts := temporalclient.Options(cfg.TemporalAddress, cfg.TemporalNamespace, clientCodec,
		metrics.NewTemporalHandler(reg, ""), logger.With("component", "temporal"))
	if err := (temporalclient.Security{CertFile: cfg.TemporalTLSCertFile, KeyFile: cfg.TemporalTLSKeyFile,
		CAFile: cfg.TemporalTLSCAFile, ServerName: cfg.TemporalTLSServerName, APIKey: cfg.TemporalAPIKey}).Apply(&copts); err != nil {
		return nil, err
	}
	if s.Temporal, err = temporalclient.Dial(ctx, copts); err != nil {
		return nil, err
	}

	// Bind the API first: the simulators need its address for webhooks.
	ln := net.Listener(nopListener{})
	s.APIURL = "http://" + cfg.APIAddr
	if !opts.NoAPI {
		if ln, err = net.Listen("tcp", cfg.APIAddr); err != nil {
			return nil, fmt.Errorf("api listen %s: %w", cfg.APIAddr, err)
		}
		s.APIURL = "http://" + ln.Addr().String()
	}

	tokens := cfg.APITokens
	if tokens == "" {
		if s.Token, err = devToken(cfg.DataDir); err != nil {
			ln.Close()
			return nil, err
		}
		tokens = "dev:" + s.Token + ":*"
	}
	parsedTokens, err := api.ParseTokens(tokens)
	if err != nil {
		ln.Close()
		return nil, err
	}

	stripeCfg := cfg.Stripe
	if stripeCfg.Simulated() {
		stripeCfg.SecretKey = "sk_test_simulator"
		stripeCfg.WebhookSecret = "whsec_" + randomHex(24)
		simOpts := stripesim.Options{
			SecretKey:     stripeCfg.SecretKey,
			WebhookSecret: stripeCfg.WebhookSecret,
			WebhookURL:    s.APIURL + "/webhooks/stripe",
		}
		if opts.PersistSimulators {
			simOpts.StateFile = filepath.Join(cfg.DataDir, "stripe-sim.json")
		}
		s.StripeSim, err = stripesim.Start(simOpts)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("stripe simulator: %w", err)
		}
		stripeCfg.BaseURL = s.StripeSim.URL
		logger.Info("stripe: built-in simulator (STRIPE_BASE_URL unset)", "url", s.StripeSim.URL)
	} else {
		logger.Info("stripe: vendor endpoint from STRIPE_BASE_URL", "url", stripeCfg.BaseURL)
	}
	s.Config.Stripe = stripeCfg

	s.acts = &stripeact.Activities{
		Stripe:  stripeact.NewClient(stripeCfg.BaseURL, stripeCfg.SecretKey, &http.Client{Timeout: 25 * time.Second}),
		Records: s.Store,
		Now:     time.Now,
	}
	if s.checkinActs, err = s.startCheckInVendors(); err != nil {
		ln.Close()
		return nil, err
	}
	if err := s.startNotify(); err != nil {
		ln.Close()
		return nil, err
	}
	if s.labActs, s.mllpLn, err = s.startLab(s.fhirClient); err != nil {
		ln.Close()
		return nil, err
	}
	if !opts.NoWorker {
		if err := s.StartWorker(); err != nil {
			ln.Close()
			return nil, err
		}
	}

	if opts.NoAPI {
		s.mllpLn.Close()
		return s, nil
	}
	codecOpts := payloadcodec.HandlerOptions{AllowedOrigins: uiOrigins(cfg.TemporalUIURL)}
	labDefaults := labDefaults(cfg.Lab)
	labDefaults.EscalationSearchAttribute = s.labSearchAttribute()
	deps := api.Deps{
		Temporal:            s.Temporal,
		Namespace:           cfg.TemporalNamespace,
		UIURL:               cfg.TemporalUIURL,
		Tokens:              parsedTokens,
		Records:             s.Store,
		Logger:              logger.With("component", "api"),
		Metrics:             metrics.Handler(reg),
		Codec:               payloadcodec.NewHTTPHandler(s.Codec, codecOpts),
		StripeWebhookSecret: stripeCfg.WebhookSecret,
		TwilioAuthToken:     s.Config.Twilio.AuthToken,
		PublicURL:           s.Config.Twilio.PublicURL,
		LabDefaults:         labDefaults,
		HL7Inbound: api.HL7InboundOptions{AllowedSenders: cfg.MLLP.AllowedSenders,
			Refused: s.mllpMetrics.Refused, Warned: s.mllpMetrics.Warned},
		CheckInDefaults: api.CheckInDefaults{
			PayerWindow:      cfg.CheckInPayerWindow,
			AttentionTimeout: cfg.CheckInAttentionTimeout,
			WindowBefore:     cfg.CheckInWindowBefore,
			WindowAfter:      cfg.CheckInWindowAfter,
			ProviderNPI:      cfg.ProviderNPI,
			ProviderName:     cfg.ProviderName,
		},
		PaymentDefaults: api.PaymentDefaults{
			AuthorizationTTL: cfg.PaymentAuthorizationTTL,
			RefundWindow:     cfg.PaymentRefundWindow,
		},
		Ready: s.Store.Ping,
		Middleware: func(h http.Handler) http.Handler {
			return metrics.HTTPMiddleware(reg, h, nil)
		},
	}
	if opts.CodecFromUIOrigin && opts.CodecRunSecret != "" && isLoopbackAddr(cfg.APIAddr) {
		allowed := codecOpts.AllowedOrigins
		secret := []byte(opts.CodecRunSecret)
		deps.CodecAuthorize = func(r *http.Request) bool {
			o := r.Header.Get("Origin")
			for _, a := range allowed {
				if o == a && subtle.ConstantTimeCompare([]byte(r.PathValue("secret")), secret) == 1 {
					return true
				}
			}
			return parsedTokens.Allows(r, "codec")
		}
	}
	s.http = &http.Server{
		Handler:           api.New(deps),
		ReadHeaderTimeout: api.ReadHeaderTimeout,
		ReadTimeout:       api.ReadTimeout,
		WriteTimeout:      api.WriteTimeout,
		IdleTimeout:       api.IdleTimeout,
	}
	s.serveMLLP(s.mllpLn, deps)
	s.httpDone = make(chan error, 1)
	go func() { s.httpDone <- s.http.Serve(ln) }()
	return s, nil
}

// WorkerStopTimeout is how long a stopping worker waits for its running activities.
const WorkerStopTimeout = 35 * time.Second

// DefaultWorkerOptions polls with more goroutines than the SDK's default of two per task
// type: measured with the load generator, two pollers left payment flows waiting for tasks
// (throughput +60%, p99 -65% with more pollers on a 2-core machine).
func DefaultWorkerOptions() worker.Options {
	// WorkerStopTimeout lets in-flight activities (a Stripe capture, an SMS, an MLLP send)
	// finish on SIGTERM instead of being cut off and retried, which would repeat side effects
	// whose answer was lost; it outlasts the activities' 30s StartToCloseTimeout.
	return worker.Options{MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 8,
		WorkerStopTimeout: WorkerStopTimeout}
}

// StartWorker starts the payments and check-in workers; it is a no-op when they run.
func (s *Stack) StartWorker() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers != nil {
		return nil
	}
	ws := []worker.Worker{
		workers.NewPaymentsWorker(s.Temporal, s.acts, s.wopts),
		workers.NewCheckInWorker(s.Temporal, s.checkinActs, s.wopts),
		workers.NewLabWorker(s.Temporal, s.labActs, s.wopts),
		s.notificationsWorker(),
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

// Close stops the API, the worker, the simulators and the clients, in that order.
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
	s.stopMLLP()
	s.StopWorker()
	if s.StripeSim != nil {
		s.StripeSim.Close()
		s.StripeSim = nil
	}
	if s.EHRSim != nil {
		s.EHRSim.Close()
		s.EHRSim = nil
	}
	if s.CHSim != nil {
		s.CHSim.Close()
		s.CHSim = nil
	}
	if s.TwilioSim != nil {
		s.TwilioSim.Close()
		s.TwilioSim = nil
	}
	s.closeNotify()
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

// devToken returns the dev API token kept in dataDir, creating it on first use so that a
// restarted `make run` keeps working with the token printed before.
func devToken(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "dev-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	tok := randomHex(24)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("dev token: %w", err)
	}
	return tok, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure means the system is unusable
	}
	return hex.EncodeToString(b)
}

// uiOrigins returns the Web UI's origin plus its localhost/127.0.0.1 twin, since browsers
// treat them as different origins.
func uiOrigins(uiURL string) []string {
	u, err := url.Parse(uiURL)
	if err != nil || u.Host == "" {
		return nil
	}
	origins := []string{u.Scheme + "://" + u.Host}
	host, port := u.Hostname(), u.Port()
	twin := map[string]string{"127.0.0.1": "localhost", "localhost": "127.0.0.1"}[host]
	if twin != "" {
		if port != "" {
			twin += ":" + port
		}
		origins = append(origins, u.Scheme+"://"+twin)
	}
	return origins
}

// nopListener stands in for the API listener when the API is off, so error paths can close it.
type nopListener struct{ net.Listener }

func (nopListener) Close() error { return nil }
