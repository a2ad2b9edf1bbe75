package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/internal/loadgen"
)

// TestLoadgenSmallRun drives a few payment flows and the no-op baseline through the real stack;
// it checks the generator's accounting, not speed (figures belong to `make bench`).
func TestLoadgenSmallRun(t *testing.T) {
	e := startEngine(t, nil)
	w := worker.New(e.st.Temporal, loadgen.NoopTaskQueue, worker.Options{})
	loadgen.RegisterNoop(w)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	rep, err := loadgen.Run(context.Background(), loadgen.Options{
		APIURL: e.st.APIURL, Token: e.st.Token, Flows: 6, Concurrency: 3, Temporal: e.st.Temporal,
	})
	require.NoError(t, err)
	require.Empty(t, rep.FirstError)
	require.Equal(t, 6, rep.Payments.Count)
	require.Zero(t, rep.Payments.Errors)
	for _, step := range []string{"authorize", "capture", "refund"} {
		require.Equal(t, 6, rep.Steps[step].Count, step)
		require.LessOrEqual(t, rep.Steps[step].P50, rep.Steps[step].P99, step)
	}
	require.NotNil(t, rep.Baseline)
	require.Equal(t, 6, rep.Baseline.Count)
	require.Greater(t, rep.Ratio(), 0.0)
	// The engine runs in this process, so its share of the cost is measured.
	require.NotNil(t, rep.Payments.Cost)
	require.Positive(t, rep.Payments.Cost.EngineRSSMiB)
	// Six measured flows plus the generator's one unmeasured warm-up flow.
	require.Equal(t, 7, e.st.StripeSim.Sim.Stats().Captures)
	require.Equal(t, 7, e.st.StripeSim.Sim.Stats().Refunds)

	// A wrong token makes every flow fail, and the report says so.
	bad, err := loadgen.Run(context.Background(), loadgen.Options{APIURL: e.st.APIURL, Token: "nope", Flows: 2, Concurrency: 2})
	require.NoError(t, err)
	require.Equal(t, 2, bad.Payments.Errors)
	require.Contains(t, bad.FirstError, "401")
}
