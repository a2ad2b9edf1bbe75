package baseline_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/internal/baseline"
)

var settled = baseline.Baseline{ID: "demo-baseline", Covers: map[string]workflow.Version{"demo-a": 1, "demo-b": 3}}

// answers asks three changes through the run's baseline: two it covers and one it does not.
func answers(ctx workflow.Context) ([]workflow.Version, error) {
	run := settled.Begin(ctx)
	return []workflow.Version{
		run.Version(ctx, "demo-a", workflow.DefaultVersion, 1),
		run.Version(ctx, "demo-b", workflow.DefaultVersion, 3),
		run.Version(ctx, "demo-later", workflow.DefaultVersion, 2),
	}, nil
}

// asked records the change ids the workflow asks the SDK about, answering each with the
// version its test case gives (its highest otherwise).
func asked(env *testsuite.TestWorkflowEnvironment, give map[string]workflow.Version) *[]string {
	var ids []string
	for _, c := range []struct {
		id  string
		max workflow.Version
	}{{"demo-baseline", 1}, {"demo-a", 1}, {"demo-b", 3}, {"demo-later", 2}} {
		v, ok := give[c.id]
		if !ok {
			v = c.max
		}
		env.OnGetVersion(c.id, workflow.DefaultVersion, c.max).Return(func(id string, _, _ workflow.Version) workflow.Version {
			ids = append(ids, id)
			return v
		}).Maybe()
	}
	return &ids
}

func run(t *testing.T, give map[string]workflow.Version) ([]workflow.Version, []string) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	ids := asked(env, give)
	env.ExecuteWorkflow(answers)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var got []workflow.Version
	require.NoError(t, env.GetWorkflowResult(&got))
	return got, *ids
}

// A new run records the baseline only: the covered changes answer their frozen versions
// without a marker (and so without a TemporalChangeVersion upsert); a later change is asked.
func TestNewRunAsksTheBaselineAndLaterChangesOnly(t *testing.T) {
	got, ids := run(t, nil)
	require.Equal(t, []workflow.Version{1, 3, 2}, got)
	require.Equal(t, []string{"demo-baseline", "demo-later"}, ids)
}

// A run begun before the baseline (its history has no marker for it) asks every change as it
// always did and follows what its history recorded.
func TestRunBeforeTheBaselineAsksEveryChange(t *testing.T) {
	got, ids := run(t, map[string]workflow.Version{"demo-baseline": workflow.DefaultVersion,
		"demo-a": workflow.DefaultVersion, "demo-b": 2, "demo-later": workflow.DefaultVersion})
	require.Equal(t, []workflow.Version{workflow.DefaultVersion, 2, workflow.DefaultVersion}, got)
	require.Equal(t, []string{"demo-baseline", "demo-a", "demo-b", "demo-later"}, ids)
}

// The zero Run covers nothing: a process without a baseline asks the SDK as before.
func TestZeroRunAsksTheSDK(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	ids := asked(env, nil)
	env.ExecuteWorkflow(func(ctx workflow.Context) (workflow.Version, error) {
		return baseline.Run{}.Version(ctx, "demo-a", workflow.DefaultVersion, 1), nil
	})
	require.NoError(t, env.GetWorkflowError())
	var v workflow.Version
	require.NoError(t, env.GetWorkflowResult(&v))
	require.Equal(t, workflow.Version(1), v)
	require.Equal(t, []string{"demo-a"}, *ids)
}

// Code that no longer supports a covered change's frozen version must not run that run: the
// workflow task fails, as the SDK's own check makes it for a recorded version.
func TestFrozenVersionOutsideTheSupportedRangeFailsTheTask(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.ExecuteWorkflow(func(ctx workflow.Context) (workflow.Version, error) {
		run := settled.Begin(ctx)
		return run.Version(ctx, "demo-b", 4, 5), nil
	})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	require.Contains(t, err.Error(), `change "demo-b" is frozen at version 3, code supports 4..5`)
}
