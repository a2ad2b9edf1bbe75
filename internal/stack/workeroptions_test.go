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

func TestFrontDeskPollersOnlyUnderTheAutoscaleTuning(t *testing.T) {
	auto := config.Worker{Pollers: config.PollersAutoscale}
	base := workerOptions(worker.Options{}, auto)
	got := frontDeskOptions(base, auto)
	want := worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{
		InitialNumberOfPollers: frontDeskInitialPollers, MinimumNumberOfPollers: frontDeskMinPollers,
		MaximumNumberOfPollers: frontDeskMaxPollers})
	require.Equal(t, want, got.WorkflowTaskPollerBehavior)
	require.NotEqual(t, base.WorkflowTaskPollerBehavior, got.WorkflowTaskPollerBehavior)
	// Activity pollers and the rest are the default's; the other workers keep theirs.
	require.Equal(t, base.ActivityTaskPollerBehavior, got.ActivityTaskPollerBehavior)
	require.Equal(t, base.WorkerStopTimeout, got.WorkerStopTimeout)
	require.Equal(t, WorkerOptions(auto).WorkflowTaskPollerBehavior, base.WorkflowTaskPollerBehavior)
	// The zero tuning is autoscale too.
	require.Equal(t, want, frontDeskOptions(workerOptions(worker.Options{}, config.Worker{}), config.Worker{}).WorkflowTaskPollerBehavior)

	// Fixed pollers stay fixed (the SDK refuses a count and a behaviour together).
	fixed := config.Worker{Pollers: config.PollersFixed}
	f := frontDeskOptions(workerOptions(worker.Options{}, fixed), fixed)
	require.Nil(t, f.WorkflowTaskPollerBehavior)
	require.Equal(t, fixedWorkflowPollers, f.MaxConcurrentWorkflowTaskPollers)

	// A caller's own poller settings win.
	own := worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{
		InitialNumberOfPollers: 3, MinimumNumberOfPollers: 1, MaximumNumberOfPollers: 5})
	mine := workerOptions(worker.Options{WorkflowTaskPollerBehavior: own,
		ActivityTaskPollerBehavior: worker.NewPollerBehaviorSimpleMaximum(worker.PollerBehaviorSimpleMaximumOptions{MaximumNumberOfPollers: 2})}, auto)
	require.Equal(t, own, frontDeskOptions(mine, auto).WorkflowTaskPollerBehavior)
	counted := workerOptions(worker.Options{MaxConcurrentWorkflowTaskPollers: 2, MaxConcurrentActivityTaskPollers: 3}, auto)
	require.Equal(t, counted, frontDeskOptions(counted, auto))
}
