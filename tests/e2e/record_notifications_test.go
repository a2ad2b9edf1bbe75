package e2e

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/notifications"
)

// TestRecordNotificationHistories records notification histories for the replay tests, under
// the same rules as TestRecordReplayHistories: a text delivered (Twilio status callback), an
// email because the chart has no current mobile, and an opted-out number with no fallback.
func TestRecordNotificationHistories(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) { c.PayloadKeys = replay.PayloadKeys })

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
