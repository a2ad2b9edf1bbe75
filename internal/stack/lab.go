package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/lissim"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workers"
	"github.com/careflow/engine/workflows/laborders"
)

// startLab binds the engine's MLLP listener and connects to the LIS (the simulator when
// LIS_MLLP_ADDR is unset). The listener serves once the API's dependencies exist.
func (s *Stack) startLab(fc *fhir.Client) (workers.LabActivities, net.Listener, error) {
	cfg := &s.Config
	var acts workers.LabActivities
	srvTLS, err := serverTLS(cfg.MLLPTLSCertFile, cfg.MLLPTLSKeyFile)
	if err != nil {
		return acts, nil, err
	}
	if err := requireClientCerts(srvTLS, cfg.MLLP.ClientCAFile); err != nil {
		return acts, nil, err
	}
	ln, err := net.Listen("tcp", cfg.MLLPAddr)
	if err != nil {
		return acts, nil, fmt.Errorf("mllp listen %s: %w", cfg.MLLPAddr, err)
	}
	s.mllpTLS = srvTLS
	s.MLLPAddr = ln.Addr().String()
	if cfg.LISMLLPAddr == "" {
		if s.LISSim, err = lissim.Start(lissim.Options{EngineAddr: s.MLLPAddr, ResultDelay: 2 * time.Second}); err != nil {
			ln.Close()
			return acts, nil, fmt.Errorf("lis simulator: %w", err)
		}
		cfg.LISMLLPAddr = s.LISSim.Addr
		s.logger.Info("lis: built-in HL7/MLLP simulator (LIS_MLLP_ADDR unset)", "addr", cfg.LISMLLPAddr)
	}
	lisTLS, err := clientTLS(cfg.LISMLLPCAFile)
	if err != nil {
		ln.Close()
		return acts, nil, err
	}
	s.lisClient = &mllp.Client{Addr: cfg.LISMLLPAddr, TLSConfig: lisTLS, DialTimeout: 5 * time.Second, AckTimeout: 30 * time.Second}
	acts.LIS = &lis.Activities{MLLP: s.lisClient, FHIR: fc, Records: s.Store, SendingApplication: "CAREFLOW",
		SendingFacility: "CLINIC", ReceivingApplication: "LIS", ReceivingFacility: "LAB", Now: time.Now, Charset: cfg.LISCharset}
	acts.EHR, acts.SMS = s.checkinActs.EHR, s.checkinActs.SMS
	acts.Records = &records.Activities{Records: s.Store}
	return acts, ln, nil
}

// serveMLLP runs the MLLP listener with the API's handler until Close.
func (s *Stack) serveMLLP(ln net.Listener, deps api.Deps) {
	m := s.Config.MLLP
	s.mllp = &mllp.Server{Handler: s.mllpMetrics.CountACKs(api.MLLPInboundHandler(deps)), TLSConfig: s.mllpTLS, Logger: s.logger.With("component", "mllp"),
		MaxConns: m.MaxConns, IdleTimeout: m.IdleTimeout, FrameTimeout: m.FrameTimeout, HandshakeTimeout: m.HandshakeTimeout,
		LenientFraming: m.LenientFraming, Hooks: mllp.Hooks{Refused: func(_, reason string) { s.mllpMetrics.Refused(reason) }}}
	go func() {
		if err := s.mllp.Serve(ln); err != nil && !errors.Is(err, mllp.ErrServerClosed) {
			s.logger.Error("mllp listener stopped", "error", err)
		}
	}()
}

// stopMLLP stops accepting HL7 and lets in-flight messages finish.
func (s *Stack) stopMLLP() {
	if s.mllp != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.mllp.Shutdown(ctx)
		cancel()
		s.mllp = nil
	}
	if s.lisClient != nil {
		_ = s.lisClient.Close()
	}
	if s.LISSim != nil {
		s.LISSim.Close()
		s.LISSim = nil
	}
}

// labDefaults converts the configuration into the API's lab-order defaults.
func labDefaults(l config.Lab) api.LabDefaults {
	d := api.LabDefaults{AckTimeout: l.AckTimeout, ResultDeadline: l.ResultDeadline, CorrectionsWindow: l.CorrectionsWindow}
	for _, c := range l.EscalationChain {
		d.EscalationChain = append(d.EscalationChain, laborders.Contact{Role: c.Role, Phone: c.Phone})
	}
	for code, b := range l.CriticalThresholds {
		if d.CriticalThresholds == nil {
			d.CriticalThresholds = map[string]laborders.Threshold{}
		}
		d.CriticalThresholds[code] = laborders.Threshold{Low: b[0], High: b[1]}
	}
	return d
}
