package replay_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/workflows/notifications"
)

// TestReplayNotificationHistories replays every committed notification history.
func TestReplayNotificationHistories(t *testing.T) {
	replayAll(t, "notifications-*.json", func(r worker.WorkflowRegistry) { notifications.Register(r) })
}
