package loadgen

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCostOfScalesToOneThousand(t *testing.T) {
	before := Usage{EngineCPU: time.Second, ServerCPU: 2 * time.Second}
	after := Usage{EngineCPU: 3 * time.Second, ServerCPU: 7 * time.Second, EngineRSS: 64 << 20, ServerRSS: 128 << 20}
	c := costOf(before, after, 200)
	require.NotNil(t, c)
	assert.InDelta(t, 10.0, c.EngineCPUSecPer1k, 1e-9)
	assert.InDelta(t, 25.0, c.ServerCPUSecPer1k, 1e-9)
	assert.InDelta(t, 64.0, c.EngineRSSMiB, 1e-9)
	assert.InDelta(t, 128.0, c.ServerRSSMiB, 1e-9)
	assert.Nil(t, costOf(before, after, 0))
}

func TestSampleUsageReadsThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	u := SampleUsage()
	assert.Positive(t, u.EngineRSS)
	// Burn CPU until the kernel's tick-granular counter moves.
	deadline := time.Now().Add(5 * time.Second)
	for SampleUsage().EngineCPU == u.EngineCPU && time.Now().Before(deadline) {
		for i := 0; i < 1_000_000; i++ {
			_ = i * i
		}
	}
	assert.Greater(t, SampleUsage().EngineCPU, u.EngineCPU)
}
