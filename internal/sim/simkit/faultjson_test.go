package simkit_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/simkit"
)

type plainFault struct {
	Op    string        `json:"op"`
	Count int           `json:"count"`
	Delay time.Duration `json:"delay"`
}

func TestMarshalWithDelayWritesADurationString(t *testing.T) {
	b, err := simkit.MarshalWithDelay(plainFault{Op: "read", Count: 2, Delay: 1500 * time.Millisecond}, 1500*time.Millisecond)
	require.NoError(t, err)
	assert.JSONEq(t, `{"op":"read","count":2,"delay":"1.5s"}`, string(b))
}

func TestUnmarshalWithDelayReadsStringsAndNanoseconds(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		`{"op":"read","count":1,"delay":"250ms"}`: 250 * time.Millisecond,
		`{"op":"read","delay":1000}`:              1000,
		`{"op":"read"}`:                           0,
	} {
		var p plainFault
		var d time.Duration
		require.NoError(t, simkit.UnmarshalWithDelay("testsim", []byte(raw), &p, &d, true), raw)
		assert.Equal(t, "read", p.Op, raw)
		assert.Equal(t, want, d, raw)
	}
	var p plainFault
	var d time.Duration
	err := simkit.UnmarshalWithDelay("testsim", []byte(`{"op":"read","delay":"soon"}`), &p, &d, false)
	require.ErrorContains(t, err, "testsim: fault delay")
	assert.Error(t, simkit.UnmarshalWithDelay("testsim", []byte(`{"op":"read","memberld":"x"}`), &p, &d, true),
		"strict decoding refuses a misspelt member")
	assert.NoError(t, simkit.UnmarshalWithDelay("testsim", []byte(`{"op":"read","extra":1}`), &p, &d, false))
	assert.Error(t, json.Unmarshal([]byte(`[`), &p))
}
