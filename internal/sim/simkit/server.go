package simkit

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultAddr is the address a simulator listens on when none is given: a
// free loopback port.
const DefaultAddr = "127.0.0.1:0"

// Listen opens a TCP listener on addr, or on DefaultAddr when addr is empty.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	return net.Listen("tcp", addr)
}

// HTTPServer is an HTTP server running on a listener until Close.
type HTTPServer struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
	URL string

	srv  *http.Server
	done chan struct{}
}

// Serve starts serving h on ln in a goroutine and returns at once.
func Serve(ln net.Listener, h http.Handler) *HTTPServer {
	s := &HTTPServer{
		URL: "http://" + ln.Addr().String(),
		// ReadHeaderTimeout guards against slow clients holding connections.
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		// Serve returns http.ErrServerClosed after Close; any other error
		// means the listener broke, which callers notice as refused calls.
		_ = s.srv.Serve(ln)
	}()
	return s
}

// Close closes the listener and open connections, then waits for the
// serving goroutine to end; handlers still running are not waited for.
// Calling it again does nothing.
func (s *HTTPServer) Close() {
	_ = s.srv.Close()
	<-s.done
}

// Sim is a simulator that Server serves: its HTTP handler, and a Close
// that stops its own work (webhook deliveries, fault delays).
type Sim interface {
	http.Handler
	Close()
}

// Server is a simulator serving HTTP on a loopback listener.
type Server[S Sim] struct {
	// URL is the listener's base URL, e.g. "http://127.0.0.1:41234".
	URL string
	// Sim is the simulator behind the listener.
	Sim S

	http *HTTPServer
	once sync.Once
}

// Start serves sim on addr (DefaultAddr when empty); when it cannot
// listen, it closes sim.
func Start[S Sim](addr string, sim S) (*Server[S], error) {
	ln, err := Listen(addr)
	if err != nil {
		sim.Close()
		return nil, err
	}
	hs := Serve(ln, sim)
	return &Server[S]{URL: hs.URL, Sim: sim, http: hs}, nil
}

// Close stops the listener and open connections, then the simulator, which
// ends its fault delays and deliveries; calling it again does nothing.
func (s *Server[S]) Close() {
	s.once.Do(func() {
		// The listener first, so no request reaches a closed simulator; it
		// does not wait for running handlers, so a handler sleeping in a
		// slow fault cannot hold it up until the simulator ends the sleep.
		s.http.Close()
		s.Sim.Close()
	})
}
