// Package wftest holds helpers for workflow unit tests that mock activities by name, as the
// workflows call them.
package wftest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// ErrNotMocked is what a stub answers when a test calls an activity it did not mock.
var ErrNotMocked = temporal.NewNonRetryableApplicationError("activity not mocked", "NotMocked", nil)

// Stub registers an activity named name taking I and returning O that fails with ErrNotMocked,
// so every call a test expects must be mocked with env.OnActivity(name, ...).
func Stub[I, O any](env *testsuite.TestWorkflowEnvironment, name string) {
	env.RegisterActivityWithOptions(func(context.Context, I) (O, error) {
		var zero O
		return zero, ErrNotMocked
	}, activity.RegisterOptions{Name: name})
}

// StubNoResult is Stub for an activity that returns only an error.
func StubNoResult[I any](env *testsuite.TestWorkflowEnvironment, name string) {
	env.RegisterActivityWithOptions(func(context.Context, I) error { return ErrNotMocked },
		activity.RegisterOptions{Name: name})
}

// RequireRegistered fails t unless each of names is an activity type a worker registering acts
// (an Activities struct pointer) serves: workflows call activities by these names, so a renamed
// method would otherwise only show at run time.
func RequireRegistered(t testing.TB, acts any, names ...string) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(acts)
	for _, name := range names {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("activity %q is not registered by %T: %v", name, acts, r)
				}
			}()
			// OnActivity by name panics unless the registry holds that activity type.
			env.OnActivity(name, mock.Anything, mock.Anything)
		}()
	}
}

// Result requires that the workflow completed without error and returns its result as S.
func Result[S any](t testing.TB, env *testsuite.TestWorkflowEnvironment) S {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var s S
	require.NoError(t, env.GetWorkflowResult(&s))
	return s
}
