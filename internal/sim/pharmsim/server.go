package pharmsim

import (
	"sync"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Server is a simulator listening on a loopback address.
type Server struct {
	// URL is the base URL to give the pharmacy client (PHARMACY_BASE_URL),
	// e.g. "http://127.0.0.1:41234".
	URL string
	// Sim is the simulator behind the listener.
	Sim *Sim

	http *simkit.HTTPServer
	once sync.Once
}

// Start creates a simulator and serves it on opts.Addr (default
// 127.0.0.1:0, a free loopback port).
func Start(opts Options) (*Server, error) {
	ln, err := simkit.Listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	sim := New(opts)
	hs := simkit.Serve(ln, sim)
	return &Server{URL: hs.URL, Sim: sim, http: hs}, nil
}

// Close stops the listener, open connections and webhook deliveries.
func (s *Server) Close() {
	s.once.Do(func() {
		s.http.Close()
		s.Sim.Close()
	})
}
