package twiliosim

import "github.com/careflow/engine/internal/sim/simkit"

// Server is a simulator listening on a loopback address; its URL is the
// base URL to give the Twilio client (TWILIO_BASE_URL).
type Server = simkit.Server[*Sim]

// Start creates a simulator and serves it on opts.Addr (default
// 127.0.0.1:0, a free loopback port); Close stops the listener, open
// connections and status callbacks.
func Start(opts Options) (*Server, error) { return simkit.Start(opts.Addr, New(opts)) }
