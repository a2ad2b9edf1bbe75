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

	// The timeout only bounds a hung test.
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(hs.URL + "/ping")
	require.NoError(t, err)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, res.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, "pong /ping", string(b))

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

	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(srv.URL + "/x")
	require.NoError(t, err)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, res.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, "sim /x", string(b))

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
