package e2e

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/notifications"
)

// TestRecordNotifyHistories records the histories of checkin-notify, lab-order-notify and
// notification-account-rate (version 1 each), under the same rules as
// TestRecordReplayHistories: a check-in whose confirmation is texted and one whose patient
// opted out, a lab order whose results notice is texted, and those notifications themselves
// (on the vendor-account send queues), plus an email notification.
func TestRecordNotifyHistories(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) {
		c.PayloadKeys = replay.PayloadKeys
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 3 * time.Second
		c.Lab.CorrectionsWindow = 3 * time.Second
	})

	e.mustCall("POST", "/v1/checkins", checkInBody("appt-1001", true), http.StatusCreated)
	v := e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, true, v.checkIn().SMSSent, v)
	e.exportWorkflow(checkins.WorkflowID("appt-1001"), "checkin-notify-texted.json")
	e.exportWorkflow(notifications.WorkflowID(checkins.NotificationID("appt-1001")), "notifications-v1-checkin-texted.json")

	e.postTwilioInbound("SMrecordstop", ehrsim.MobileCurrent, "STOP")
	e.mustCall("POST", "/v1/checkins", checkInBody(ehrsim.ApptLivedInContacts, false), http.StatusCreated)
	v = e.waitCheckIn(ehrsim.ApptLivedInContacts, func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, notifications.NotNotifiedOptedOut, v.checkIn().NotNotified, v)
	e.exportWorkflow(checkins.WorkflowID(ehrsim.ApptLivedInContacts), "checkin-notify-opted-out.json")
	e.exportWorkflow(notifications.WorkflowID(checkins.NotificationID(ehrsim.ApptLivedInContacts)), "notifications-v1-opted-out.json")

	e.mustCall("POST", "/v1/lab-orders", labOrder("LAB-V2-NT1"), http.StatusCreated)
	l := e.waitLab("LAB-V2-NT1", func(v api.LabOrderView) bool { return v.Closed })
	require.Equal(t, true, l.labOrder().PatientNotified, l)
	e.exportWorkflow(laborders.WorkflowID("LAB-V2-NT1"), "laborder-v2-notify-texted.json")
	e.exportWorkflow(notifications.WorkflowID(laborders.NotificationID("LAB-V2-NT1")), "notifications-v1-results-texted.json")

	st := e.notify("replay-v1-email", "pat-4008")
	require.Equal(t, "email", st.Channel)
	e.exportWorkflow(notifications.WorkflowID("replay-v1-email"), "notifications-v1-email-no-mobile.json")
}

// TestRecordNotifyOpsHistories records the same flows once the operator search attributes
// (opsattr.ChangeID) are published too, so the replay tests hold executions carrying both
// changes' markers. Same rules as TestRecordReplayHistories.
func TestRecordNotifyOpsHistories(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) {
		c.PayloadKeys = replay.PayloadKeys
		c.CheckInPayerWindow = 4 * time.Second
		c.Lab.CorrectionsWindow = 3 * time.Second
	})
	e.mustCall("POST", "/v1/checkins", checkInBody("appt-1001", true), http.StatusCreated)
	v := e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, true, v.checkIn().SMSSent, v)
	e.exportWorkflow(checkins.WorkflowID("appt-1001"), "checkin-notify-ops-texted.json")
	e.exportWorkflow(notifications.WorkflowID(checkins.NotificationID("appt-1001")), "notifications-v1-ops-checkin-texted.json")

	e.mustCall("POST", "/v1/lab-orders", labOrder("LAB-V2-NT2"), http.StatusCreated)
	l := e.waitLab("LAB-V2-NT2", func(v api.LabOrderView) bool { return v.Closed })
	require.Equal(t, true, l.labOrder().PatientNotified, l)
	e.exportWorkflow(laborders.WorkflowID("LAB-V2-NT2"), "laborder-v2-notify-ops-texted.json")
}
