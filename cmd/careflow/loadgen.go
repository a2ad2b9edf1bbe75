package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/devserver"
	"github.com/careflow/engine/internal/loadgen"
	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/careflow/engine/internal/pgtemporal"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/temporalclient"
	"github.com/careflow/engine/transport/mllp"
)

// runLoadgen is `careflow loadgen`: payment flows through the API, then the no-op baseline on the
// same Temporal server, printed side by side with their ratio.
func runLoadgen(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	apiURL := fs.String("api", "http://127.0.0.1:8080", "engine API base URL")
	token := fs.String("token", os.Getenv("CAREFLOW_TOKEN"), "API bearer token with payments scopes (default $CAREFLOW_TOKEN)")
	flows := fs.Int("n", 40, "number of payment flows")
	conc := fs.Int("c", 8, "concurrent flows")
	standalone := fs.Bool("standalone", false, "start a private Temporal server and engine on free loopback ports")
	server := fs.String("temporal", temporalDev, "with -standalone, the Temporal server to start: dev (SQLite dev server in memory), "+
		"dev-file (the dev server on a SQLite file in a temporary directory, as `careflow run` keeps it) or "+
		"postgres (the server on PostgreSQL built by temporal-pg/, on fresh databases dropped afterwards)")
	baseline := fs.Bool("baseline", true, "also run the no-op workflow baseline on the same Temporal server")
	checkins := fs.Int("checkins", 40, "check-ins through Update-with-Start (standalone only: it seeds the simulated EHR)")
	mllpMessages := fs.Int("mllp", 200, "ORU^R01 messages into the MLLP listener, against an immediate-ACK baseline (standalone only)")
	apptSyncs := fs.Int("appointments", 40, "appointment syncs (PMS edit -> EHR written) and one reconciliation over as many (standalone only)")
	mllpConns := fs.String("mllp-conns", "", "comma-separated MLLP sender connection counts, one MLLP phase each (default: -c)")
	mllpOrders := fs.Int("mllp-orders", 0, "lab orders each MLLP phase's results cycle through; 0: max(8, connections/4), about 4 "+
		"messages in flight per order, which then share workflow tasks; a few times the connections: each message reaches an "+
		"order with nothing else in flight, as most results from a lab do")
	cpuProfile := fs.String("cpuprofile", "", "write a pprof CPU profile of this process (in -standalone: the engine) to this file")
	blockProfile := fs.String("blockprofile", "", "write a pprof block profile of this process to this file")
	settleMax := fs.Duration("settle", 30*time.Second, "with -standalone, wait up to this long before each measured phase until the engine and "+
		"its Temporal server are quiet, so that no phase runs the previous one's tail (late webhooks, timers); 0 runs the phases back to back")
	var dynConfig dynamicConfigFlag
	fs.Var(&dynConfig, "dynamic-config", "with -standalone -temporal dev, a dynamic configuration value key=value (JSON value) for the "+
		"started dev server, e.g. system.enableActivityEagerExecution=true; repeatable")
	serverMetrics := fs.String("server-metrics", "", "the Temporal server's Prometheus endpoint (http://host:port/metrics), scraped "+
		"around each phase to print its schedule-to-start, persistence and frontend latencies (with -standalone: the started server's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	conns, err := parseConns(*mllpConns, *conc)
	if err != nil {
		return err
	}
	if *mllpOrders < 0 {
		return fmt.Errorf("loadgen: -mllp-orders wants 0 (the default) or a positive count, got %d", *mllpOrders)
	}
	stopProfiles, err := startProfiles(*cpuProfile, *blockProfile)
	if err != nil {
		return err
	}
	defer stopProfiles()
	opts := loadgen.Options{APIURL: *apiURL, Token: *token, Flows: *flows, Concurrency: *conc}
	if *standalone {
		// Only in -standalone are the engine and the server this process and its child, whose
		// CPU Settle can see.
		opts.SettleMax = *settleMax
	}
	if *serverMetrics != "" {
		opts.ServerMetrics = &loadgen.ServerMetrics{URL: *serverMetrics}
	}

	var tc client.Client
	var tuning config.Worker
	var standaloneMLLP string
	var standaloneStack *stack.Stack
	if *standalone {
		st, metricsURL, stop, err := startStandalone(ctx, *server, dynConfig)
		if err != nil {
			return err
		}
		defer stop()
		if metricsURL != "" && opts.ServerMetrics == nil {
			opts.ServerMetrics = &loadgen.ServerMetrics{URL: metricsURL}
		}
		opts.APIURL, opts.Token, tc, tuning = st.APIURL, st.Token, st.Temporal, st.Config.Worker
		standaloneStack = st
		standaloneMLLP = st.MLLPAddr
		if opts.CheckInAppointments, err = seedAppointments(st, *checkins); err != nil {
			return err
		}
		// The copies start appointment syncs (EHR notifications); their activities would
		// otherwise run during the payments phase, in its figures.
		if err := waitPMSTwins(st, opts.CheckInAppointments); err != nil {
			return err
		}
	} else if *baseline {
		cfg, err := config.FromEnv()
		if err != nil {
			return err
		}
		tuning = cfg.Worker
		keys, err := temporalclient.Keyring(cfg.PayloadKeys, cfg.DataDir)
		if err != nil {
			return err
		}
		copts := temporalclient.Options(cfg.TemporalAddress, cfg.TemporalNamespace, payloadcodec.NewCodec(keys), nil, nil)
		if tc, err = temporalclient.Dial(ctx, copts); err != nil {
			return err
		}
		defer tc.Close()
	}
	if opts.Token == "" {
		return errors.New("loadgen: a token is needed (-token or CAREFLOW_TOKEN; `make run` prints a dev token)")
	}
	if *baseline && tc != nil {
		// The baseline worker is tuned like the engine's (WORKER_*), so the ratio compares
		// work, not pollers.
		w := worker.New(tc, loadgen.NoopTaskQueue, stack.WorkerOptions(tuning))
		loadgen.RegisterNoop(w)
		if err := w.Start(); err != nil {
			return err
		}
		defer w.Stop()
		opts.Temporal = tc
	}
	fmt.Printf("loadgen: %d payment flows, %d at a time, against %s\n", opts.Flows, opts.Concurrency, opts.APIURL)
	if *standalone {
		t := tuning.OrDefault()
		fmt.Printf("engine workers: WORKER_POLLERS=%s WORKER_STICKY_CACHE_SIZE=%d\n", t.Pollers, t.StickyCacheSize)
	}
	rep, err := loadgen.Run(ctx, opts)
	fmt.Print(rep.String())
	if standaloneStack != nil {
		printVendorSteps(ctx, standaloneStack, "payments", &rep.Payments)
		printVendorSteps(ctx, standaloneStack, "check-ins", rep.CheckIns)
	}
	if err != nil {
		return err
	}
	if standaloneStack != nil && *apptSyncs > 0 {
		if err := appointmentLoad(ctx, standaloneStack, *apptSyncs, *conc, opts.Temporal); err != nil {
			return err
		}
	}
	if *standalone && *mllpMessages > 0 {
		for phase, c := range conns {
			if err := mllpLoad(ctx, opts, standaloneMLLP, *mllpMessages, c, mllpPlacers(phase, mllpOrderCount(*mllpOrders, c))); err != nil {
				return err
			}
		}
	}
	if rep.Payments.Errors > 0 || (rep.Baseline != nil && rep.Baseline.Errors > 0) {
		return fmt.Errorf("loadgen: %d payment flows and %d baseline flows failed", rep.Payments.Errors, baselineErrors(rep))
	}
	return nil
}

// printVendorSteps prints the vendor calls' latencies during a phase, from the audit trail: the
// part of a flow's time spent at the (simulated) vendors rather than in Temporal and the engine.
func printVendorSteps(ctx context.Context, st *stack.Stack, name string, s *loadgen.Stats) {
	if s == nil || s.Start.IsZero() {
		return
	}
	steps, err := loadgen.VendorSteps(ctx, st.Store, s.Start, s.Start.Add(s.Elapsed))
	if err != nil {
		fmt.Printf("%s vendor steps: %v\n", name, err)
		return
	}
	fmt.Printf("%s: audited steps (vendor calls and API records with a latency)\n%s", name, loadgen.FormatVendorSteps(steps))
}

func baselineErrors(r loadgen.Report) int {
	if r.Baseline == nil {
		return 0
	}
	return r.Baseline.Errors
}

// startStandalone starts a Temporal server of the given kind and the engine on free ports, for
// `make bench`; it also returns the server's metrics endpoint.
func startStandalone(ctx context.Context, kind string, dynConfig []string) (*stack.Stack, string, func(), error) {
	dev, err := startBenchServer(ctx, kind, dynConfig)
	if err != nil {
		return nil, "", nil, err
	}
	dir, err := os.MkdirTemp("", "careflow-loadgen-")
	if err != nil {
		dev.Stop()
		return nil, "", nil, err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		dev.Stop()
		return nil, "", nil, err
	}
	cfg.TemporalAddress, cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens = dev.Address(), "127.0.0.1:0", dir, "", ""
	// A free port, so a load runs beside `make run` or a test holding the default 2575.
	cfg.MLLPAddr = "127.0.0.1:0"
	cfg.Stripe = config.Stripe{}
	// Warnings and errors still show: a retried activity explains a slow percentile.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := stack.Start(ctx, stack.Options{Config: cfg, Logger: logger, SimulateUnconfigured: true})
	if err != nil {
		dev.Stop()
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	return st, dev.MetricsURL(), func() {
		st.Close()
		dev.Stop()
		os.RemoveAll(dir)
	}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// seedAppointments copies the simulated EHR's first booked appointment n times under new ids,
// so each check-in of the load is a new process with an eligible patient.
func seedAppointments(st *stack.Stack, n int) ([]string, error) { return seedCopies(st, "lg-appt-", n) }

// seedCopies puts n copies of the simulated EHR's appt-1001 under the ids prefix0..prefixN-1.
func seedCopies(st *stack.Stack, prefix string, n int) ([]string, error) {
	if st.EHRSim == nil || n <= 0 {
		return nil, nil
	}
	tmpl, ok := st.EHRSim.Sim.Resource("Appointment", "appt-1001")
	if !ok {
		return nil, errors.New("loadgen: the EHR simulator has no appt-1001 to copy")
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%d", prefix, i)
		tmpl["id"] = ids[i]
		delete(tmpl, "meta")
		body, err := json.Marshal(tmpl)
		if err != nil {
			return nil, err
		}
		if err := st.EHRSim.Sim.Put("Appointment", ids[i], body); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// mllpOrderCount is the number of lab orders an MLLP phase at conc connections sends results
// to: orders when set, else max(8, conc/4), at most ~4 messages in flight per order (results
// for one order are updates to one workflow, and Temporal caps the updates in flight per
// workflow, 10 by default).
func mllpOrderCount(orders, conc int) int {
	if orders > 0 {
		return orders
	}
	return max(8, conc/4)
}

// mllpPlacers names the lab orders of one MLLP phase. Each phase opens orders of its own: an
// order that already took an earlier phase's hundreds of results costs the server more per
// update (its execution's state holds every update it completed), which made later phases
// measure less than the same connection count run alone.
func mllpPlacers(phase, orders int) []string {
	placers := make([]string, orders)
	for i := range placers {
		// NO-RESULTS- keeps the simulated LIS from sending results of its own.
		placers[i] = fmt.Sprintf("NO-RESULTS-LG%d-%d", phase+1, i)
	}
	return placers
}

// mllpLoad opens the lab orders, then sends ORU^R01 results for them into the engine's MLLP
// listener (durable: AA only after the result update is stored) and into an immediate-ACK listener on
// the same machine, printing both and their ratio.
func mllpLoad(ctx context.Context, opts loadgen.Options, addr string, n, conc int, placers []string) error {
	for i := range placers {
		body := fmt.Sprintf(`{"placerOrderNumber":%q,"patientRef":"pat-1001","orderingProviderId":"1234567893",`+
			`"orderingProvider":{"role":"ordering-provider","phone":"+15550000001"},"tests":["2823-3"]}`, placers[i])
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, opts.APIURL+"/v1/lab-orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+opts.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("loadgen: lab order start answered %d", resp.StatusCode)
		}
	}
	runID := fmt.Sprintf("%x-%d", time.Now().UnixNano(), conc)
	settled := loadgen.Settle(ctx, opts.SettleMax)
	var before *loadgen.Scrape
	var scrapeErr error
	if opts.ServerMetrics != nil {
		before, scrapeErr = opts.ServerMetrics.Scrape(ctx)
	}
	durable, firstErr := loadgen.MLLPIngest(ctx, loadgen.MLLPOptions{Addr: addr, Messages: n, Concurrency: conc, Placers: placers, RunID: runID})
	var server string
	if opts.ServerMetrics != nil && scrapeErr == nil {
		var after *loadgen.Scrape
		if after, scrapeErr = opts.ServerMetrics.Scrape(ctx); scrapeErr == nil {
			server = loadgen.SummarisePhase(before, after).Lines()
		}
	}
	if scrapeErr != nil {
		server = fmt.Sprintf("temporal server metrics: %v\n", scrapeErr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &mllp.Server{Handler: loadgen.ImmediateACK()}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	base, _ := loadgen.MLLPIngest(ctx, loadgen.MLLPOptions{Addr: ln.Addr().String(), Messages: n, Concurrency: conc, Placers: placers, RunID: runID + "b"})
	fmt.Printf("%-22s n=%-5d err=%-3d %8.1f/s  p50=%-10v p99=%v  (%d orders; after %v for the previous phase's tail)\n",
		fmt.Sprintf("mllp durable ACK c=%d", conc), durable.Count, durable.Errors, durable.Throughput,
		durable.P50.Round(time.Millisecond/10), durable.P99.Round(time.Millisecond/10), len(placers), settled.Round(time.Millisecond))
	if durable.Cost != nil {
		fmt.Println(durable.Cost.String())
	}
	fmt.Print(server)
	fmt.Printf("%-22s n=%-5d err=%-3d %8.1f/s  p50=%-10v p99=%v\n", "mllp immediate ACK", base.Count, base.Errors,
		base.Throughput, base.P50.Round(time.Millisecond/10), base.P99.Round(time.Millisecond/10))
	if base.Throughput > 0 {
		fmt.Printf("durable/immediate throughput ratio = %.3f; p99 latency ratio = %.1f\n",
			durable.Throughput/base.Throughput, float64(durable.P99)/float64(max(base.P99, 1)))
	}
	if durable.Errors > 0 {
		return fmt.Errorf("loadgen: %d MLLP messages not accepted: %s", durable.Errors, firstErr)
	}
	return nil
}

// benchServer is the Temporal server a standalone load runs against.
type benchServer interface {
	Address() string
	// MetricsURL is the server's Prometheus endpoint.
	MetricsURL() string
	Stop() error
}

// temporalDevFile is the load generator's third server: the dev server on a SQLite file, which
// is how `careflow run` keeps it (the in-memory one syncs nothing to disk).
const temporalDevFile = "dev-file"

// startBenchServer starts the dev server in memory or on a SQLite file in a temporary directory
// (removed again by Stop), or the server on PostgreSQL on fresh databases (created by the schema
// tool, dropped again by Stop).
func startBenchServer(ctx context.Context, kind string, dynConfig []string) (benchServer, error) {
	if len(dynConfig) > 0 && kind == temporalPostgres {
		return nil, fmt.Errorf("loadgen: -dynamic-config is for -temporal %s or %s; the server on PostgreSQL reads temporal-pg/config/dynamicconfig", temporalDev, temporalDevFile)
	}
	switch kind {
	case temporalDev, temporalDevFile:
		bin, err := devserver.FindBinary()
		if err != nil {
			return nil, err
		}
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		metricsPort, err := freePort()
		if err != nil {
			return nil, err
		}
		var extra []string
		for _, kv := range dynConfig {
			extra = append(extra, "--dynamic-config-value", kv)
		}
		opts := devserver.Options{BinPath: bin, Host: "127.0.0.1", Port: port, UIPort: 0, MetricsPort: metricsPort,
			SearchAttributes: stack.SearchAttributes(), ExtraArgs: extra}
		if kind == temporalDev {
			return devserver.Start(ctx, opts)
		}
		dir, err := os.MkdirTemp("", "careflow-loadgen-temporal-")
		if err != nil {
			return nil, err
		}
		opts.DBFile = filepath.Join(dir, "temporal.db")
		srv, err := devserver.Start(ctx, opts)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		return &fileBenchServer{Server: srv, dir: dir}, nil
	case temporalPostgres:
		pg, drop := pgtemporal.FreshDatabases("careflow_loadgen_")
		if err := pgtemporal.Setup(ctx, "", pg); err != nil {
			_ = drop(context.WithoutCancel(ctx))
			return nil, err
		}
		ports, err := pgtemporal.FreePorts()
		if err != nil {
			_ = drop(context.WithoutCancel(ctx))
			return nil, err
		}
		ports.UI = 0
		srv, err := pgtemporal.Start(ctx, pgtemporal.Options{Postgres: pg, Ports: ports})
		if err != nil {
			_ = drop(context.WithoutCancel(ctx))
			return nil, err
		}
		return &pgBenchServer{Server: srv, drop: drop}, nil
	default:
		return nil, fmt.Errorf("-temporal %q: want %s, %s or %s", kind, temporalDev, temporalDevFile, temporalPostgres)
	}
}

// fileBenchServer removes its SQLite file's directory once the server stopped, so repeated runs
// start equal.
type fileBenchServer struct {
	*devserver.Server
	dir string
}

func (f *fileBenchServer) Stop() error {
	return errors.Join(f.Server.Stop(), os.RemoveAll(f.dir))
}

// pgBenchServer drops its databases once the server stopped, so repeated runs start equal.
type pgBenchServer struct {
	*pgtemporal.Server
	drop func(context.Context) error
}

func (p *pgBenchServer) Stop() error {
	err := p.Server.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return errors.Join(err, p.drop(ctx))
}
