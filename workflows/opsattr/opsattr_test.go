package opsattr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/internal/baseline"
)

// probe is a workflow whose status moves with signals, so the test can read what Watch
// published after each move.
func probe(ctx workflow.Context) (map[string]any, error) {
	status, critical := "waiting", false
	Watch(ctx, baseline.Run{}, "probe", func() Values {
		return Values{Status: status, Critical: critical, NeedsAttention: status == "stuck", Vendor: "lis"}
	})
	ch := workflow.GetSignalChannel(ctx, "move")
	for status != "done" {
		ch.Receive(ctx, &status)
		critical = critical || status == "critical"
	}
	// Let the watcher see the last move before the run ends, as it does in a real worker.
	_ = workflow.Sleep(ctx, time.Second)
	sa := workflow.GetTypedSearchAttributes(ctx)
	out := map[string]any{}
	for _, k := range []string{Process, Status, Vendor} {
		if v, ok := sa.GetKeyword(temporal.NewSearchAttributeKeyKeyword(k)); ok {
			out[k] = v
		}
	}
	for _, k := range []string{NeedsAttention, Critical} {
		if v, ok := sa.GetBool(temporal.NewSearchAttributeKeyBool(k)); ok {
			out[k] = v
		}
	}
	return out, nil
}

func run(t *testing.T, available bool, moves ...string) (map[string]any, int) {
	t.Helper()
	SetAvailable(available)
	t.Cleanup(func() { SetAvailable(false) })
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	upserts := 0
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(mock.Arguments) { upserts++ }).Return()
	for i, m := range moves {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow("move", m) }, time.Duration(i+1)*time.Minute)
	}
	env.ExecuteWorkflow(probe)
	require.NoError(t, env.GetWorkflowError())
	var out map[string]any
	require.NoError(t, env.GetWorkflowResult(&out))
	return out, upserts
}

func TestWatchPublishesEveryChangeAndOnlyChanges(t *testing.T) {
	out, upserts := run(t, true, "stuck", "stuck", "critical", "done")
	require.Equal(t, map[string]any{Process: "probe", Status: "done", Vendor: "lis",
		NeedsAttention: false, Critical: true}, out)
	// waiting, stuck, critical, done: the repeated "stuck" publishes nothing.
	require.Equal(t, 4, upserts)
}

func TestWatchPublishesNothingWithoutTheAttributes(t *testing.T) {
	out, upserts := run(t, false, "stuck", "done")
	require.Empty(t, out)
	require.Zero(t, upserts)
}

func TestUpdatesCarryOnlyWhatMoved(t *testing.T) {
	first := updates("claim", Values{Status: "submitting", Vendor: "clearinghouse"}, Values{}, true)
	require.Len(t, first, 5)
	next := updates("claim", Values{Status: "denied", NeedsAttention: true, Vendor: "clearinghouse"},
		Values{Status: "submitting", Vendor: "clearinghouse"}, false)
	require.Len(t, next, 2)
}
