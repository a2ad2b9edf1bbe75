package vendorrate_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/internal/vendorrate"
)

// take runs Limiter.Take inside an activity, local or regular, and returns its error.
func take(t *testing.T, l *vendorrate.Limiter, local bool) error {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	fn := func(ctx context.Context) error { return l.Take(ctx) }
	env.RegisterActivity(fn)
	var err error
	if local {
		_, err = env.ExecuteLocalActivity(fn)
	} else {
		_, err = env.ExecuteActivity(fn)
	}
	return err
}

func TestLocalCallOverTheRateIsDeferredWithoutTakingATurn(t *testing.T) {
	l := vendorrate.New(1)
	require.NoError(t, take(t, l, true), "the first call of the second has its turn")
	err := take(t, l, true)
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae, "the next turn is a second off, past LocalWait")
	assert.Equal(t, vendorrate.ErrTypeDeferred, ae.Type())
	assert.False(t, ae.NonRetryable(), "the regular activity carries the call on")

	// The deferred call took nothing: one turn a second, so a regular call outside any
	// activity whose deadline is shorter than the next turn is refused at once, and one with
	// a long enough deadline gets it.
	short, cancel := context.WithTimeout(context.Background(), vendorrate.LocalWait)
	defer cancel()
	assert.Error(t, l.Take(short), "no turn within the deadline")
	long, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	assert.NoError(t, l.Take(long), "the turn a second later")
}

func TestRegularActivityWaitsForItsTurn(t *testing.T) {
	l := vendorrate.New(1)
	require.NoError(t, take(t, l, false))
	assert.NoError(t, take(t, l, false), "a regular activity waits the second instead of deferring")
}

func TestNilLimiterNeverWaits(t *testing.T) {
	var l *vendorrate.Limiter
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.NoError(t, l.Take(ctx))
	assert.NoError(t, take(t, l, true))
}
