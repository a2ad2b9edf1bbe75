package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/transport/mllp"
)

// bindMLLP binds the engine's MLLP listener (with TLS and client certificates when configured)
// before the simulators start: a simulated LIS sends its results there. It serves once the
// API's dependencies exist (startAPI).
func (s *Stack) bindMLLP(context.Context) error {
	cfg := s.Config
	srvTLS, err := serverTLS(cfg.MLLPTLSCertFile, cfg.MLLPTLSKeyFile)
	if err != nil {
		return err
	}
	if err := requireClientCerts(srvTLS, cfg.MLLP.ClientCAFile); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.MLLPAddr)
	if err != nil {
		return fmt.Errorf("mllp listen %s: %w", cfg.MLLPAddr, err)
	}
	s.mllpLn, s.mllpTLS = ln, srvTLS
	s.MLLPAddr = ln.Addr().String()
	return nil
}

// serveMLLP runs the MLLP listener with the API's handler until Close.
func (s *Stack) serveMLLP(ln net.Listener, deps api.Deps) {
	m := s.Config.MLLP
	s.mllp = &mllp.Server{Handler: s.mllpMetrics.CountACKs(api.MLLPInboundHandler(deps)), TLSConfig: s.mllpTLS, Logger: s.logger.With("component", "mllp"),
		MaxConns: m.MaxConns, IdleTimeout: m.IdleTimeout, FrameTimeout: m.FrameTimeout, HandshakeTimeout: m.HandshakeTimeout,
		LenientFraming: m.LenientFraming, Hooks: mllp.Hooks{Refused: func(_, reason string) { s.mllpMetrics.Refused(reason) }}}
	srv := s.mllp
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, mllp.ErrServerClosed) {
			s.logger.Error("mllp listener stopped", "error", err)
		}
	}()
}

// stopMLLP stops accepting HL7, lets in-flight messages finish and closes the LIS connection.
func (s *Stack) stopMLLP() {
	if s.mllp != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.mllp.Shutdown(ctx)
		cancel()
		s.mllp = nil
	} else if s.mllpLn != nil {
		s.mllpLn.Close()
	}
	s.mllpLn = nil
	if s.lisClient != nil {
		_ = s.lisClient.Close()
		s.lisClient = nil
	}
}
