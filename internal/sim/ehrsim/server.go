package ehrsim

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a simulator listening on a loopback address.
type Server struct {
	// URL is the listener's base URL, e.g. "http://127.0.0.1:41234".
	URL string
	// FHIRBaseURL is URL + "/fhir", the value for FHIR_BASE_URL.
	FHIRBaseURL string
	// TokenURL is the token endpoint, the value for FHIR_TOKEN_URL and the
	// audience of client assertions.
	TokenURL string
	// Sim is the simulator behind the listener.
	Sim *Sim

	srv  *http.Server
	done chan struct{}
	once sync.Once
}

// Start creates a simulator (see New) and serves it on opts.Addr (default
// 127.0.0.1:0, a free loopback port). It holds no resources until seeded.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	sim, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		sim.Close()
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	s := &Server{
		URL:         base,
		FHIRBaseURL: base + "/fhir",
		TokenURL:    base + "/auth/token",
		Sim:         sim,
		// ReadHeaderTimeout guards against slow clients holding connections.
		srv:  &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	if opts.TokenURL != "" {
		s.TokenURL = opts.TokenURL
	}
	go func() {
		defer close(s.done)
		// Serve returns http.ErrServerClosed after Close; any other error
		// means the listener broke, which callers notice as refused calls.
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the listener and open connections and interrupts fault
// delays.
func (s *Server) Close() {
	s.once.Do(func() {
		// Cancelling first ends slow-fault sleeps, so Close never waits
		// on them.
		s.Sim.Close()
		_ = s.srv.Close()
		<-s.done
	})
}
