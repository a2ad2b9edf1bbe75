package simkit_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/simkit"
)

// strictSpec and looseSpec are Fault type arguments as a simulator declares them.
type (
	strictSpec struct{}
	looseSpec  struct{}
)

var (
	strictFaults = simkit.FaultSpec{
		Sim: "strictsim", Ops: []string{"read", "update", simkit.AnyOp}, Kinds: []string{"500", "412", "slow"},
		Rule: func(op, kind string) error {
			if kind == "412" && op != "update" {
				return errors.New("strictsim: 412 applies to update only")
			}
			return nil
		},
		Strict: true,
	}
	looseFaults = simkit.FaultSpec{Sim: "loosesim", Kinds: []string{"AR"}, KindName: "ack"}
)

func (strictSpec) FaultSpec() *simkit.FaultSpec { return &strictFaults }
func (looseSpec) FaultSpec() *simkit.FaultSpec  { return &looseFaults }

type (
	strictFault = simkit.Fault[strictSpec]
	looseFault  = simkit.Fault[looseSpec]
)

func TestFaultValidateFollowsTheSpec(t *testing.T) {
	assert.NoError(t, strictFault{Op: "read", Kind: "500"}.Validate())
	assert.NoError(t, strictFault{Op: "update", Kind: "412"}.Validate())
	assert.EqualError(t, strictFault{Op: "delete", Kind: "500"}.Validate(), `strictsim: unknown fault op "delete"`)
	assert.EqualError(t, strictFault{Op: "read", Kind: "418"}.Validate(), `strictsim: unknown fault kind "418"`)
	assert.EqualError(t, strictFault{Op: "read", Kind: "412"}.Validate(), "strictsim: 412 applies to update only")
	assert.EqualError(t, strictFault{Op: "read", Kind: "slow", Delay: -1}.Validate(), "strictsim: negative fault delay")
	assert.NoError(t, looseFault{Kind: "AR"}.Validate(), "a spec without Ops does not check the operation")
	assert.EqualError(t, looseFault{Kind: "AA"}.Validate(), `loosesim: unknown fault ack "AA"`)
}

func TestFaultJSONRoundTrip(t *testing.T) {
	f := strictFault{Op: "read", Kind: "slow", Count: 2, Delay: 1500 * time.Millisecond}
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, `{"op":"read","kind":"slow","count":2,"delay":"1.5s"}`, string(b))
	var back strictFault
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, f, back)

	back = strictFault{Op: "update", Kind: "412", Count: 9, Delay: time.Hour}
	require.NoError(t, json.Unmarshal([]byte(`{"op":"read","kind":"500","delay":7}`), &back))
	assert.Equal(t, strictFault{Op: "read", Kind: "500", Delay: 7}, back, "decoding replaces the whole fault")

	assert.Error(t, json.Unmarshal([]byte(`{"op":"read","kind":"500","memberld":"x"}`), &back), "a strict spec refuses unknown members")
	var loose looseFault
	assert.NoError(t, json.Unmarshal([]byte(`{"kind":"AR","extra":1}`), &loose))
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"kind":"AR","delay":"soon"}`), &loose), "loosesim: fault delay")
}

func TestFaultInjectorCountsAndSkipsInvalidFaults(t *testing.T) {
	in := simkit.NewFaultInjector[strictSpec]()
	in.InjectFault(strictFault{Op: "read", Kind: "412", Count: 1})
	in.InjectFault(strictFault{Op: simkit.AnyOp, Kind: "500", Count: 2})
	for want := 2; want > 0; want-- {
		f, ok := simkit.TakeFault(in, func(f strictFault) bool { return f.Affects("read") })
		require.True(t, ok)
		assert.Equal(t, "500", f.Kind, "the invalid 412 is skipped")
		assert.Equal(t, want, f.Count)
	}
	assert.Equal(t, []strictFault{{Op: "read", Kind: "412", Count: 1}}, in.Faults())
}
