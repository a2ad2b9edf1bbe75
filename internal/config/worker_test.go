package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWorkerTuning(t *testing.T) {
	t.Setenv("WORKER_POLLERS", "")
	t.Setenv("WORKER_STICKY_CACHE_SIZE", "")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, DefaultWorker, c.Worker)

	t.Setenv("WORKER_POLLERS", " Autoscale ")
	t.Setenv("WORKER_STICKY_CACHE_SIZE", "0")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, Worker{Pollers: PollersAutoscale, StickyCacheSize: 0}, c.Worker)

	t.Setenv("WORKER_POLLERS", "fixed")
	t.Setenv("WORKER_STICKY_CACHE_SIZE", "2500")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, Worker{Pollers: PollersFixed, StickyCacheSize: 2500}, c.Worker)

	for _, bad := range []string{"resource", "auto", "8"} {
		t.Setenv("WORKER_POLLERS", bad)
		_, err = FromEnv()
		require.ErrorContains(t, err, "WORKER_POLLERS", bad)
	}
	t.Setenv("WORKER_POLLERS", "")
	for _, bad := range []string{"-1", "lots", "1.5", "1000001"} {
		t.Setenv("WORKER_STICKY_CACHE_SIZE", bad)
		_, err = FromEnv()
		require.ErrorContains(t, err, "WORKER_STICKY_CACHE_SIZE", bad)
	}
}
