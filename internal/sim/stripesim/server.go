package stripesim

import "github.com/careflow/engine/internal/sim/simkit"

// Server is a simulator listening on a loopback address; its URL is the
// base URL to give stripe-go (BackendConfig.URL).
type Server = simkit.Server[*Sim]

// Start opens a simulator (see Open, including its StateFile errors) and
// serves it on opts.Addr (default 127.0.0.1:0, a free loopback port);
// Close stops the listener, open connections and webhook deliveries.
func Start(opts Options) (*Server, error) {
	// Opening first means a bad state file never leaves a listener behind.
	sim, err := Open(opts)
	if err != nil {
		return nil, err
	}
	return simkit.Start(opts.Addr, sim)
}
