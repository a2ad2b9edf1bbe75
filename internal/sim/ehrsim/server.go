package ehrsim

import (
	"sync"

	"github.com/careflow/engine/internal/sim/simkit"
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

	http *simkit.HTTPServer
	once sync.Once
}

// Start creates a simulator (see New) and serves it on opts.Addr (default
// 127.0.0.1:0, a free loopback port). It holds no resources until seeded.
func Start(opts Options) (*Server, error) {
	sim, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := simkit.Listen(opts.Addr)
	if err != nil {
		sim.Close()
		return nil, err
	}
	hs := simkit.Serve(ln, sim)
	s := &Server{
		URL:         hs.URL,
		FHIRBaseURL: hs.URL + "/fhir",
		TokenURL:    hs.URL + "/auth/token",
		Sim:         sim,
		http:        hs,
	}
	if opts.TokenURL != "" {
		s.TokenURL = opts.TokenURL
	}
	return s, nil
}

// Close stops the listener and open connections and interrupts fault
// delays.
func (s *Server) Close() {
	s.once.Do(func() {
		// Cancelling first ends slow-fault sleeps, so Close never waits
		// on them.
		s.Sim.Close()
		s.http.Close()
	})
}
