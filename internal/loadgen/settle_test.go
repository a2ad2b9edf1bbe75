package loadgen

import (
	"context"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
