package replay_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/payments"
)

// TestReplayPaymentHistories replays every committed payments history. Histories are exported
// from real runs (see tests/e2e/record_test.go) and never edited; new versions add new files.
func TestReplayPaymentHistories(t *testing.T) {
	replayAll(t, "payments-*.json", func(r worker.WorkflowRegistry) { payments.Register(r) })
}

// TestReplayCheckInHistories replays every committed check-in history.
func TestReplayCheckInHistories(t *testing.T) {
	replayAll(t, "checkin-*.json", func(r worker.WorkflowRegistry) { checkins.Register(r) })
}

// TestReplayLabOrderHistories replays every committed lab-order history.
func TestReplayLabOrderHistories(t *testing.T) {
	replayAll(t, "laborder-*.json", func(r worker.WorkflowRegistry) { laborders.Register(r) })
}

// TestReplayClaimHistories replays the claim workflow's committed histories.
func TestReplayClaimHistories(t *testing.T) {
	replayAll(t, "claim-*.json", func(r worker.WorkflowRegistry) { claims.Register(r) })
}

// replayAll replays each history matching pattern against the workflows register adds.
func replayAll(t *testing.T, pattern string, register func(worker.WorkflowRegistry)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no committed histories match %s", pattern)
	dc := dataConverter(t)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc,
				FailureConverter: payloadcodec.FailureConverter(dc)})
			require.NoError(t, err)
			register(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}

// TestReplayDetectsIncompatibleCode proves the replay check can fail: a workflow registered under
// the same name that makes different decisions must be rejected for a committed history.
func TestReplayDetectsIncompatibleCode(t *testing.T) {
	f := filepath.Join("testdata", "payments-captured-refunded.json")
	if _, err := os.Stat(f); err != nil {
		t.Fatalf("missing committed history %s: %v", f, err)
	}
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dataConverter(t)})
	require.NoError(t, err)
	r.RegisterWorkflowWithOptions(incompatible, workflowRegisterOptions())
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
}
