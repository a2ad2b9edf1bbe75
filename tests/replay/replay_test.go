package replay_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/payments"
)

// TestReplayPaymentHistories replays every committed payments history. Histories are exported
// from real runs (see tests/e2e/record_test.go) and never edited; new versions add new files.
func TestReplayPaymentHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "payments-*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no committed payments histories")

	keys, err := payloadcodec.ParseKeys(replay.PayloadKeys)
	require.NoError(t, err)
	dc := payloadcodec.DataConverter(payloadcodec.NewCodec(keys))
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc,
				FailureConverter: payloadcodec.FailureConverter(dc)})
			require.NoError(t, err)
			payments.Register(r)
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
	keys, err := payloadcodec.ParseKeys(replay.PayloadKeys)
	require.NoError(t, err)
	dc := payloadcodec.DataConverter(payloadcodec.NewCodec(keys))
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc})
	require.NoError(t, err)
	r.RegisterWorkflowWithOptions(incompatible, workflowRegisterOptions())
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
}
