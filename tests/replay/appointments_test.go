package replay_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/workflows/appointments"
)

// TestReplayAppointmentHistories replays the committed appointment-sync histories (linked
// sync with a conflict, a sync started by a PMS webhook, both runs of a continue-as-new).
func TestReplayAppointmentHistories(t *testing.T) {
	replayAll(t, "appointment-*.json", func(r worker.WorkflowRegistry) { appointments.Register(r) })
}
