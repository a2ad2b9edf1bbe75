package chsim

import (
	"sync"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Server is a simulator listening on a loopback address.
type Server struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234"; the
	// CORE endpoint is URL + RealTimePath (see BaseURL).
	URL string
	// Sim is the simulator behind the listener.
	Sim *Sim

	http *simkit.HTTPServer
	once sync.Once
}

// Start serves a new simulator on opts.Addr (default 127.0.0.1:0, a free
// loopback port).
func Start(opts Options) (*Server, error) {
	ln, err := simkit.Listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	sim := New(opts)
	hs := simkit.Serve(ln, sim)
	return &Server{URL: hs.URL, Sim: sim, http: hs}, nil
}

// BaseURL is the CORE real-time endpoint to configure a client with
// (CLEARINGHOUSE_BASE_URL).
func (s *Server) BaseURL() string { return s.URL + RealTimePath }

// Close stops the listener, open connections and slow inquiries.
func (s *Server) Close() {
	s.once.Do(func() {
		// The simulator first, so handlers blocked in a slow inquiry return
		// and the server's Close does not wait on them.
		s.Sim.Close()
		s.http.Close()
	})
}
