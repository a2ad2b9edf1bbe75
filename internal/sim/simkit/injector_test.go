package simkit_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/careflow/engine/internal/sim/simkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testFault is a minimal fault type like the simulators' own.
type testFault struct {
	Op    string `json:"op"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Validate refuses the kind "invalid", which TakeFault must skip.
func (f testFault) Validate() error {
	if f.Kind == "invalid" {
		return errors.New("testsim: unknown fault kind")
	}
	return nil
}

func newInjector() *simkit.Injector[testFault] {
	return simkit.NewInjector(func(f *testFault) *int { return &f.Count })
}

// forOp matches faults for op or the wildcard.
func forOp(op string) func(testFault) bool {
	return func(f testFault) bool { return simkit.MatchOp(f.Op, op) }
}

func TestMatchOp(t *testing.T) {
	assert.True(t, simkit.MatchOp("capture", "capture"))
	assert.True(t, simkit.MatchOp(simkit.AnyOp, "capture"))
	assert.False(t, simkit.MatchOp("refund", "capture"))
	assert.False(t, simkit.MatchOp("capture", simkit.AnyOp), "only the fault side is a wildcard")
}

func TestInjectorCountsDownAndRemoves(t *testing.T) {
	in := newInjector()
	in.InjectFault(testFault{Op: "a", Kind: "500", Count: 2})

	for want := 2; want > 0; want-- {
		f, ok := simkit.TakeFault(in, forOp("a"))
		require.True(t, ok)
		assert.Equal(t, want, f.Count, "Take returns the fault as it was before the use")
	}
	_, ok := simkit.TakeFault(in, forOp("a"))
	assert.False(t, ok, "a used-up fault is gone")
	assert.Empty(t, in.Faults())
}

func TestInjectorUnlimitedStays(t *testing.T) {
	in := newInjector()
	in.InjectFault(testFault{Op: "a", Kind: "slow"})
	in.InjectFault(testFault{Op: "a", Kind: "500", Count: -1})
	for range 5 {
		f, ok := simkit.TakeFault(in, forOp("a"))
		require.True(t, ok)
		assert.Equal(t, "slow", f.Kind, "the first added fault wins")
	}
	assert.Len(t, in.Faults(), 2)
	in.ClearFaults()
	_, ok := simkit.TakeFault(in, forOp("a"))
	assert.False(t, ok)
}

func TestInjectorOrderAndMatch(t *testing.T) {
	in := newInjector()
	in.InjectFault(testFault{Op: "b", Kind: "429", Count: 1})
	in.InjectFault(testFault{Op: simkit.AnyOp, Kind: "500", Count: 1})
	in.InjectFault(testFault{Op: "a", Kind: "slow", Count: 1})

	f, ok := simkit.TakeFault(in, forOp("a"))
	require.True(t, ok)
	assert.Equal(t, "500", f.Kind, "the wildcard was added before the exact match")
	f, ok = simkit.TakeFault(in, forOp("a"))
	require.True(t, ok)
	assert.Equal(t, "slow", f.Kind)
	_, ok = simkit.TakeFault(in, forOp("a"))
	assert.False(t, ok)

	left := in.Faults()
	require.Len(t, left, 1)
	assert.Equal(t, testFault{Op: "b", Kind: "429", Count: 1}, left[0], "unmatched faults keep their count")
}

func TestInjectorSkipsWhatMatchRejects(t *testing.T) {
	in := newInjector()
	in.InjectFault(testFault{Op: "a", Kind: "bogus", Count: 1})
	in.InjectFault(testFault{Op: "a", Kind: "500", Count: 1})
	f, ok := simkit.TakeFault(in, func(f testFault) bool { return f.Kind != "bogus" })
	require.True(t, ok)
	assert.Equal(t, "500", f.Kind)
	assert.Equal(t, []testFault{{Op: "a", Kind: "bogus", Count: 1}}, in.Faults())
}

func TestTakeFaultSkipsInvalidFaults(t *testing.T) {
	in := newInjector()
	in.InjectFault(testFault{Op: "a", Kind: "invalid", Count: 1})
	in.InjectFault(testFault{Op: "a", Kind: "500", Count: 1})
	f, ok := simkit.TakeFault(in, forOp("a"))
	require.True(t, ok)
	assert.Equal(t, "500", f.Kind)
	_, ok = simkit.TakeFault(in, forOp("a"))
	assert.False(t, ok, "a fault that fails Validate never matches")
	assert.Equal(t, []testFault{{Op: "a", Kind: "invalid", Count: 1}}, in.Faults())
}

func TestInjectorCopies(t *testing.T) {
	in := newInjector()
	f := testFault{Op: "a", Kind: "500", Count: 3}
	in.InjectFault(f)
	f.Count = 99
	listed := in.Faults()
	listed[0].Count = 42
	_, _ = simkit.TakeFault(in, forOp("a"))
	assert.Equal(t, 2, in.Faults()[0].Count, "neither the caller's value nor List's copy aliases the stored fault")
}

func TestInjectorListEncodesAsArray(t *testing.T) {
	in := newInjector()
	b, err := json.Marshal(in.Faults())
	require.NoError(t, err)
	assert.JSONEq(t, `[]`, string(b))
	in.InjectFault(testFault{Op: "a"})
	in.ClearFaults()
	b, err = json.Marshal(in.Faults())
	require.NoError(t, err)
	assert.JSONEq(t, `[]`, string(b))
}

func TestInjectorConcurrentTakesUseEachCountOnce(t *testing.T) {
	const uses = 50
	in := newInjector()
	in.InjectFault(testFault{Op: "a", Count: uses})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		taken int
	)
	for range 8 {
		wg.Go(func() {
			for range uses {
				if _, ok := simkit.TakeFault(in, forOp("a")); ok {
					mu.Lock()
					taken++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uses, taken)
	assert.Empty(t, in.Faults())
}
