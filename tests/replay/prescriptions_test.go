package replay_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/workflows/prescriptions"
)

// TestReplayPrescriptionHistories replays every committed prescription history.
func TestReplayPrescriptionHistories(t *testing.T) {
	replayAll(t, "prescription-*.json", func(r worker.WorkflowRegistry) { prescriptions.Register(r) })
}
