package simkit_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListenDefaultsToLoopback(t *testing.T) {
	ln, err := simkit.Listen("")
	require.NoError(t, err)
	defer ln.Close()
	addr := ln.Addr().String()
	assert.True(t, strings.HasPrefix(addr, "127.0.0.1:"), addr)
	assert.NotEqual(t, "127.0.0.1:0", addr, "a free port was chosen")
}

func TestServeAndClose(t *testing.T) {
	ln, err := simkit.Listen("")
	require.NoError(t, err)
	hs := simkit.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "pong "+r.URL.Path)
	}))
	assert.Equal(t, "http://"+ln.Addr().String(), hs.URL)

	c := newTestClient()
	assert.Equal(t, "pong /ping", get(t, c, hs.URL+"/ping"))

	hs.Close()
	hs.Close() // a second Close is harmless
	c.CloseIdleConnections()
	_, err = c.Get(hs.URL + "/ping")
	assert.Error(t, err, "the listener is closed")
}

// closingSim records Close calls.
type closingSim struct {
	http.Handler
	closed int
}

func (s *closingSim) Close() { s.closed++ }

func TestStartServesTheSimAndCloseStopsBoth(t *testing.T) {
	sim := &closingSim{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "sim "+r.URL.Path)
	})}
	srv, err := simkit.Start("", sim)
	require.NoError(t, err)
	assert.Same(t, sim, srv.Sim)

	c := newTestClient()
	assert.Equal(t, "sim /x", get(t, c, srv.URL+"/x"))

	srv.Close()
	srv.Close()
	assert.Equal(t, 1, sim.closed, "the simulator is closed once")
	c.CloseIdleConnections()
	_, err = c.Get(srv.URL + "/x")
	assert.Error(t, err, "the listener is closed")
}

func TestStartClosesTheSimWhenItCannotListen(t *testing.T) {
	sim := &closingSim{Handler: http.NotFoundHandler()}
	_, err := simkit.Start("256.0.0.1:0", sim)
	require.Error(t, err)
	assert.Equal(t, 1, sim.closed)
}

// newTestClient returns a client whose timeout only bounds a hung test.
func newTestClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

// get returns the body of a GET of url.
func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	require.NoError(t, err)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, res.Body.Close())
	require.NoError(t, err)
	return string(b)
}
