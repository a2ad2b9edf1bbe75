package card_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/activities/card"
)

// A hold placed for a workflow whose authorization never got a definite answer is found by the
// intent's workflow_id metadata and canceled; a second run finds nothing left to cancel.
func TestReleaseAuthorizationsCancelsOrphanedHold(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	auth := authorized(t, h)
	wf := authorizeInput().WorkflowID

	var res card.ReleaseResult
	v, err := h.env.ExecuteActivity(h.acts.ReleaseAuthorizations, card.ReleaseInput{IdempotencyKey: wf + "/release/1", WorkflowID: wf})
	require.NoError(t, err)
	require.NoError(t, v.Get(&res))
	assert.Equal(t, []string{auth.PaymentIntentID}, res.Canceled)
	pi, ok := srv.Sim.PaymentIntent(auth.PaymentIntentID)
	require.True(t, ok)
	assert.Equal(t, "canceled", pi.Status)

	v, err = h.env.ExecuteActivity(h.acts.ReleaseAuthorizations, card.ReleaseInput{IdempotencyKey: wf + "/release/2", WorkflowID: wf})
	require.NoError(t, err)
	require.NoError(t, v.Get(&res))
	assert.Empty(t, res.Canceled)
}

func TestAttemptKey(t *testing.T) {
	assert.Equal(t, "payment:p/capture/1", card.AttemptKey("payment:p/capture/1", 1))
	assert.Equal(t, "payment:p/capture/1#3", card.AttemptKey("payment:p/capture/1", 3))
}
