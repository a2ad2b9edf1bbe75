package retry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/workflows/internal/retry"
)

func TestDoublingSpellsOutThePolicy(t *testing.T) {
	assert.Equal(t, &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{"A", "B"}}, retry.Doubling(time.Second, time.Minute, "A", "B"))
	assert.Equal(t, &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2},
		retry.Doubling(time.Second, 0), "no cap and no types leave the fields zero, as the inline policies did")
}
