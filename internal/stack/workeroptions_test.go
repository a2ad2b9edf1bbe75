package stack

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/internal/config"
)

func TestWorkerOptionsFromTuning(t *testing.T) {
	fixed := WorkerOptions(config.Worker{Pollers: config.PollersFixed, StickyCacheSize: 10})
	require.Equal(t, fixedWorkflowPollers, fixed.MaxConcurrentWorkflowTaskPollers)
	require.Equal(t, fixedActivityPollers, fixed.MaxConcurrentActivityTaskPollers)
	require.Nil(t, fixed.WorkflowTaskPollerBehavior)
	require.Equal(t, WorkerStopTimeout, fixed.WorkerStopTimeout)
	// The zero tuning is the default one.
	require.Equal(t, WorkerOptions(config.DefaultWorker), WorkerOptions(config.Worker{}))
	require.Equal(t, WorkerOptions(config.DefaultWorker), DefaultWorkerOptions())

	auto := WorkerOptions(config.Worker{Pollers: config.PollersAutoscale})
	// The SDK refuses a worker with both a poller count and a poller behaviour.
	require.Zero(t, auto.MaxConcurrentWorkflowTaskPollers)
	require.Zero(t, auto.MaxConcurrentActivityTaskPollers)
	want := worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{
		InitialNumberOfPollers: fixedWorkflowPollers, MinimumNumberOfPollers: autoscaleMinPollers, MaximumNumberOfPollers: autoscaleMaxPollers})
	require.Equal(t, want, auto.WorkflowTaskPollerBehavior)
	require.NotNil(t, auto.ActivityTaskPollerBehavior)
}

func TestWorkerOptionsKeepTheCallersPollers(t *testing.T) {
	auto := config.Worker{Pollers: config.PollersAutoscale}
	got := workerOptions(worker.Options{MaxConcurrentWorkflowTaskPollers: 2, MaxConcurrentActivityTaskPollers: 3}, auto)
	require.Equal(t, 2, got.MaxConcurrentWorkflowTaskPollers)
	require.Equal(t, 3, got.MaxConcurrentActivityTaskPollers)
	require.Nil(t, got.WorkflowTaskPollerBehavior)
	require.Equal(t, WorkerStopTimeout, got.WorkerStopTimeout)

	got = workerOptions(worker.Options{}, auto)
	require.NotNil(t, got.WorkflowTaskPollerBehavior)
	require.NotNil(t, got.ActivityTaskPollerBehavior)
	require.Zero(t, got.MaxConcurrentWorkflowTaskPollers)
}
