package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/notifications"
)

// TestRecordNotificationHistories records notification histories for the replay tests, under
// the same rules as TestRecordReplayHistories: a text delivered (Twilio status callback), an
// email because the chart has no current mobile, and an opted-out number with no fallback.
func TestRecordNotificationHistories(t *testing.T) {
	e := startEngine(t, recording(t, nil))

	st := e.notify("replay-sms", "pat-4007")
	require.Equal(t, notifications.StatusDelivered, st.Status)
	e.exportWorkflow(notifications.WorkflowID("replay-sms"), "notifications-sms-delivered.json")

	st = e.notify("replay-email", "pat-4008")
	require.Equal(t, "email", st.Channel)
	e.exportWorkflow(notifications.WorkflowID("replay-email"), "notifications-email-no-mobile.json")

	e.postTwilioInbound("SMreplaystop", ehrsim.MobileCurrent, "STOP")
	st = e.notify("replay-opted-out", "pat-4007")
	require.Equal(t, notifications.NotNotifiedOptedOut, st.NotNotified)
	e.exportWorkflow(notifications.WorkflowID("replay-opted-out"), "notifications-opted-out.json")
}
