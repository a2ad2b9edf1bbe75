package ehrsim

import "github.com/careflow/engine/internal/sim/simkit"

// Server is a simulator listening on a loopback address.
type Server struct {
	*simkit.Server[*Sim]
	// FHIRBaseURL is URL + "/fhir", the value for FHIR_BASE_URL.
	FHIRBaseURL string
	// TokenURL is the token endpoint, the value for FHIR_TOKEN_URL and the
	// audience of client assertions.
	TokenURL string
}

// Start creates a simulator (see New) and serves it on opts.Addr (default
// 127.0.0.1:0, a free loopback port). It holds no resources until seeded.
// Close stops the listener and open connections and interrupts fault
// delays.
func Start(opts Options) (*Server, error) {
	sim, err := New(opts)
	if err != nil {
		return nil, err
	}
	hs, err := simkit.Start(opts.Addr, sim)
	if err != nil {
		return nil, err
	}
	s := &Server{Server: hs, FHIRBaseURL: hs.URL + "/fhir", TokenURL: hs.URL + "/auth/token"}
	if opts.TokenURL != "" {
		s.TokenURL = opts.TokenURL
	}
	return s, nil
}
