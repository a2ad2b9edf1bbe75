package simkit_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDelay(t *testing.T) {
	cases := []struct {
		raw  string
		want time.Duration
	}{
		{``, 0},
		{`null`, 0},
		{`"250ms"`, 250 * time.Millisecond},
		{`"1m30s"`, 90 * time.Second},
		{`2000000000`, 2 * time.Second},
		{`0`, 0},
		{`"-1s"`, -time.Second}, // Validate, not parsing, rejects negatives
	}
	for _, tc := range cases {
		got, err := simkit.ParseDelay("xsim", json.RawMessage(tc.raw))
		require.NoError(t, err, tc.raw)
		assert.Equal(t, tc.want, got, tc.raw)
	}
}

func TestParseDelayErrorsNameTheSimulator(t *testing.T) {
	_, err := simkit.ParseDelay("xsim", json.RawMessage(`"soon"`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "xsim: fault delay: ")
	for _, raw := range []string{`1.5`, `true`, `{}`, `[1]`} {
		_, err := simkit.ParseDelay("xsim", json.RawMessage(raw))
		require.Error(t, err, raw)
		assert.Equal(t, "xsim: fault delay must be a duration string or nanoseconds", err.Error(), raw)
	}
}

func TestUnmarshalStrict(t *testing.T) {
	var v struct {
		Op string `json:"op"`
	}
	require.NoError(t, simkit.UnmarshalStrict([]byte(`{"op":"a"}`), &v))
	assert.Equal(t, "a", v.Op)
	assert.Error(t, simkit.UnmarshalStrict([]byte(`{"op":"a","memberID":"x"}`), &v))
	assert.Error(t, simkit.UnmarshalStrict([]byte(`{"op":`), &v))
}

func TestSleep(t *testing.T) {
	bg := context.Background()
	assert.True(t, simkit.Sleep(bg, bg, 0))
	assert.True(t, simkit.Sleep(bg, bg, time.Millisecond))

	ended, cancel := context.WithCancel(bg)
	cancel()
	// An hour would hang the test if either context were ignored.
	assert.False(t, simkit.Sleep(ended, bg, time.Hour), "the request ended")
	assert.False(t, simkit.Sleep(bg, ended, time.Hour), "the simulator closed")
	assert.True(t, simkit.Sleep(ended, ended, 0), "no delay elapses at once")
}
