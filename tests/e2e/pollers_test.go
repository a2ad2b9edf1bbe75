package e2e

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/loadgen"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/payments"
)

// workflowPollers reads, from the engine's /metrics, how many workflow-task polls each task
// queue's worker has in flight on its normal queue: the SDK's temporal_num_pollers gauge,
// exported with the SDK's tags as labels.
func workflowPollers(t *testing.T, e *engine) map[string]float64 {
	t.Helper()
	code, body := e.call("GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, code)
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body.String()))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "temporal_num_pollers{") {
			continue
		}
		_, labels, v, err := loadgen.ParseSample(sc.Text())
		require.NoError(t, err)
		if labels["poller_type"] != "workflow_task" {
			continue
		}
		require.NotEmpty(t, labels["task_queue"], "temporal_num_pollers without a task_queue label: %s", sc.Text())
		out[labels["task_queue"]] = v
	}
	return out
}

// TestCheckInWorkerStartsWithFrontDeskPollers: under the default autoscale tuning the running
// check-in worker polls its workflow tasks with the front desk's pollers (frontDeskOptions: 16
// at the start, never fewer than 8), while the payments worker, idle here, keeps the default 4.
// This checks the wiring into the worker, which the unit test of frontDeskOptions cannot see.
func TestCheckInWorkerStartsWithFrontDeskPollers(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.Worker.Pollers = config.PollersAutoscale })
	// The workers open their polls as they start; wait until both queues show theirs.
	last := workflowPollers(t, e)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); last = workflowPollers(t, e) {
		if last[checkins.TaskQueue] >= 8 && last[payments.TaskQueue] > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.GreaterOrEqual(t, last[checkins.TaskQueue], 8.0, "the check-in worker polls with the front desk's pollers: %v", last)
	require.Greater(t, last[payments.TaskQueue], 0.0, "the payments worker polls: %v", last)
	require.LessOrEqual(t, last[payments.TaskQueue], 4.0, "the payments worker keeps the default pollers: %v", last)
	t.Logf("workflow-task polls in flight on the normal queues: %v", last)
}
