package chsim

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a simulator listening on a loopback address.
type Server struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234"; the
	// CORE endpoint is URL + RealTimePath (see BaseURL).
	URL string
	// Sim is the simulator behind the listener.
	Sim *Sim

	srv  *http.Server
	done chan struct{}
	once sync.Once
}

// Start serves a new simulator on opts.Addr (default 127.0.0.1:0, a free
// loopback port).
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	sim := New(opts)
	s := &Server{
		URL: "http://" + ln.Addr().String(),
		Sim: sim,
		// ReadHeaderTimeout guards against slow clients holding connections.
		srv:  &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		// Serve returns http.ErrServerClosed after Close; any other error
		// means the listener broke, which callers notice as refused calls.
		_ = s.srv.Serve(ln)
	}()
	return s, nil
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
		_ = s.srv.Close()
		<-s.done
	})
}
