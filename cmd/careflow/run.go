package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/devserver"
	"github.com/careflow/engine/internal/stack"
)

// runAll is `careflow run`: the whole engine in the foreground until Ctrl-C.
func runAll(ctx context.Context, args []string) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}

	var dev *devserver.Server
	// The Web UI of the bundled dev server has no login; it reaches the codec through a path
	// holding this per-run secret, which the API accepts only from the UI's origin on loopback.
	secret, err := newRunSecret()
	if err != nil {
		return err
	}
	// -temporal postgres starts the PostgreSQL-backed server and Web UI instead (runpostgres.go).
	pg, err := startPostgresIfAsked(ctx, args, &cfg, secret, logger)
	if err != nil {
		return err
	}
	if pg != nil {
		defer stopPostgres(pg, logger)
	} else if os.Getenv("TEMPORAL_ADDRESS") == "" {
		if dev, err = startDevServer(ctx, cfg, secret); err != nil {
			return err
		}
		defer func() {
			if err := dev.Stop(); err != nil {
				logger.Warn("temporal dev server stop", "err", err)
			}
		}()
		cfg.TemporalAddress = dev.Address()
		logger.Info("temporal: dev server started", "address", dev.Address(), "ui", dev.UIURL(),
			"db", filepath.Join(cfg.DataDir, "temporal.db"))
	}

	st, err := stack.Start(ctx, stack.Options{Config: cfg, Logger: logger, SimulateUnconfigured: true, CodecFromUIOrigin: dev != nil || pg != nil,
		CodecRunSecret: secret, PersistSimulators: true})
	if err != nil {
		return err
	}
	defer st.Close()

	fmt.Printf(`
careflow is running.
  API         %s   (OpenAPI: %s/openapi.json)
  Web UI      %s   (payloads decoded through %s/codec)
  Temporal    %s   namespace %s
`, st.APIURL, st.APIURL, cfg.TemporalUIURL, st.APIURL, cfg.TemporalAddress, cfg.TemporalNamespace)
	if st.Token != "" {
		fmt.Printf("  Dev token   %s   (all scopes; set API_TOKENS to configure real tokens)\n", st.Token)
	}
	fmt.Printf("  MLLP        %s   (HL7 v2 results from the laboratory)\n", st.MLLPAddr)
	for _, sim := range []struct{ name, where, env string }{
		{"Stripe", urlOf(st.StripeSim != nil, func() string { return st.StripeSim.URL }), "STRIPE_BASE_URL"},
		{"EHR (FHIR)", urlOf(st.EHRSim != nil, func() string { return st.EHRSim.FHIRBaseURL }), "FHIR_BASE_URL"},
		{"Clearinghouse", urlOf(st.CHSim != nil, func() string { return st.CHSim.BaseURL() }), "CLEARINGHOUSE_BASE_URL"},
		{"Twilio", urlOf(st.TwilioSim != nil, func() string { return st.TwilioSim.URL }), "TWILIO_BASE_URL"},
		{"LIS (MLLP)", urlOf(st.LISSim != nil, func() string { return st.LISSim.Addr }), "LIS_MLLP_ADDR"},
		{"Pharmacy", urlOf(st.PharmacySim != nil, func() string { return st.PharmacySim.URL }), "PHARMACY_BASE_URL"},
		{"PMS", urlOf(st.PMSSim != nil, func() string { return st.PMSSim.URL }), "PMS_BASE_URL"},
		{"SMTP", urlOf(st.SMTPSim() != nil, func() string { return st.SMTPSim().SMTPAddr + ", mail at " + st.SMTPSim().URL + "/messages" }), "SMTP_ADDR"},
	} {
		if sim.where != "" {
			fmt.Printf("  %-13s simulator at %s (set %s for the real system)\n", sim.name, sim.where, sim.env)
		}
	}
	fmt.Printf(`
Try it:
  TOKEN=%s
  curl -s -H "Authorization: Bearer $TOKEN" --json '{"paymentId":"pay-1","amount":2500,"currency":"usd","customerRef":"cust-1","paymentMethod":"pm_card_visa"}' %s/v1/payments
Press Ctrl-C to stop.
`, tokenHint(st.Token), st.APIURL)
	<-ctx.Done()
	logger.Info("shutting down")
	return nil
}

// startDevServer starts the project-built Temporal dev server with its SQLite file in the data
// dir, so open workflows survive a restart of `make run`.
// newRunSecret returns 32 random bytes, hex-encoded, for the codec endpoint of this run.
func newRunSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func startDevServer(ctx context.Context, cfg config.Config, codecSecret string) (*devserver.Server, error) {
	bin, err := devserver.FindBinary()
	if err != nil {
		return nil, err
	}
	host, port, err := splitHostPort(cfg.TemporalAddress)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS: %w", err)
	}
	uiPort := 8233
	if u, err := url.Parse(cfg.TemporalUIURL); err == nil && u.Port() != "" {
		uiPort, _ = strconv.Atoi(u.Port())
	}
	logFile, err := os.OpenFile(filepath.Join(cfg.DataDir, "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return devserver.Start(ctx, devserver.Options{
		BinPath:          bin,
		DBFile:           filepath.Join(cfg.DataDir, "temporal.db"),
		Host:             host,
		Port:             port,
		UIPort:           uiPort,
		Namespace:        cfg.TemporalNamespace,
		UICodecEndpoint:  "http://" + cfg.APIAddr + "/codec/" + codecSecret,
		LogWriter:        logFile,
		SearchAttributes: stack.SearchAttributes(),
	})
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}

// tokenHint is what the banner's example assigns to TOKEN.
func tokenHint(tok string) string {
	if tok == "" {
		return "<a token from API_TOKENS with payments.write>"
	}
	return tok
}

// urlOf returns where() when the simulator runs, else "".
func urlOf(running bool, where func() string) string {
	if !running {
		return ""
	}
	return where()
}
