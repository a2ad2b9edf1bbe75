// Package wftest holds helpers for workflow unit tests that mock activities by name, as the
// workflows call them.
package wftest

import (
	"context"

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
