package loadgen

import (
	"context"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Settle waits while this process burns a core and returns once it is idle; with no limit it
// does not wait at all.
func TestSettleWaitsForQuiet(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("Settle reads CPU time from /proc")
	}
	assert.Zero(t, Settle(t.Context(), 0), "no limit, no wait")

	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			runtime.Gosched()
		}
	}()
	limit := 3 * settleWindow
	waited := Settle(t.Context(), limit)
	stop.Store(true)
	<-done
	assert.GreaterOrEqual(t, waited, limit, "a busy process is never quiet, so Settle waits its whole limit")

	// Idle now: quiet within a window or two, long before the limit.
	waited = Settle(t.Context(), time.Minute)
	assert.Less(t, waited, 30*time.Second, "an idle process settles before the limit")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.Less(t, Settle(ctx, time.Minute), time.Minute, "a cancelled context ends the wait")
}

// A phase's tail is reported next to its own cost, so the two add up to what its flows cost.
func TestReportShowsThePhasesTail(t *testing.T) {
	r := Report{CheckIns: &Stats{Count: 200, Throughput: 50, Settled: 500 * time.Millisecond,
		Cost:     &Cost{EngineCPUSecPer1k: 9.5, ServerCPUSecPer1k: 27.1},
		Tail:     10200 * time.Millisecond,
		TailCost: &Cost{EngineCPUSecPer1k: 4.25, ServerCPUSecPer1k: 12.5}}}
	out := r.String()
	assert.Contains(t, out, "(after 500ms for the previous phase's tail)")
	assert.Contains(t, out, "tail: busy 10.2s after the phase; per 1,000: engine 4.2 CPU-s, Temporal server 12.5 CPU-s")
	assert.NotContains(t, Report{Payments: Stats{Count: 1}}.String(), "tail:", "no settling, no tail line")

	// The server's own figures for the tail follow the tail line, indented under it.
	r.Server = map[string]ServerPhase{PhaseCheckIns + TailSuffix: {}}
	out = r.String()
	i := strings.Index(out, "tail: busy")
	require.GreaterOrEqual(t, i, 0)
	assert.Contains(t, out[i:], "\n      server persistence:")

}
