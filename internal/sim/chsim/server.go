package chsim

import "github.com/careflow/engine/internal/sim/simkit"

// Server is a simulator listening on a loopback address; the CORE endpoint
// is its URL + RealTimePath (see BaseURL).
type Server struct {
	*simkit.Server[*Sim]
}

// Start serves a new simulator on opts.Addr (default 127.0.0.1:0, a free
// loopback port); Close stops the listener, open connections and slow
// inquiries.
func Start(opts Options) (*Server, error) {
	s, err := simkit.Start(opts.Addr, New(opts))
	if err != nil {
		return nil, err
	}
	return &Server{s}, nil
}

// BaseURL is the CORE real-time endpoint to configure a client with
// (CLEARINGHOUSE_BASE_URL).
func (s *Server) BaseURL() string { return s.URL + RealTimePath }
