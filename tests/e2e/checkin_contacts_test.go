package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/notifications"
)

// TestCheckInTextsTheCurrentMobileOnly: a lived-in chart lists an ended mobile first, a home
// phone and a future number; the text goes to the current mobile (rank 1) and is addressed by
// the current name, never the former one. A chart without a mobile number gets the
// confirmation by email (through the notifications process), and a chart with neither a
// current mobile nor an email is checked in without one, the state saying why.
func TestCheckInTextsTheCurrentMobileOnly(t *testing.T) {
	e := startEngine(t, nil)

	code, v := e.call("POST", "/v1/checkins", checkInBody(ehrsim.ApptLivedInContacts, false))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitCheckIn(ehrsim.ApptLivedInContacts, func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
	require.Equal(t, true, v.checkIn().SMSSent, v)

	code, v = e.call("POST", "/v1/checkins", checkInBody(ehrsim.ApptNoMobile, false))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitCheckIn(ehrsim.ApptNoMobile, func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
	require.Equal(t, false, v.checkIn().SMSSent, v)
	require.Empty(t, v.checkIn().NotNotified, v)
	n := v.checkIn().Notification
	require.NotNil(t, n, v)
	require.Equal(t, notifications.StatusDelivered, n.Status, v)
	require.Equal(t, "email", n.Channel, v)
	require.Equal(t, checkins.NotificationID(ehrsim.ApptNoMobile), n.NotificationID)
	require.Len(t, e.st.SMTPSim().Messages("romeo@example.org"), 1)

	// Neither a current mobile nor an email: not notified, and the check-in says why.
	e.plantOnlyEndedCoverage("appt-nocontact", "pat-nocontact")
	pat, _ := e.st.EHRSim.Sim.Resource("Patient", "pat-nocontact")
	delete(pat, "meta")
	pat["telecom"] = []any{map[string]any{"system": "phone", "use": "home", "value": "+15555550199"}}
	require.NoError(t, e.st.EHRSim.Sim.Seed(pat))
	code, v = e.call("POST", "/v1/checkins", checkInBody("appt-nocontact", false))
	require.Equal(t, http.StatusCreated, code, v)
	e.mustCall("POST", "/v1/checkins/appt-nocontact/override", map[string]any{"reason": "verified"}, http.StatusOK)
	v = e.waitCheckIn("appt-nocontact", func(v api.CheckInView) bool { return v.Closed == true })
	require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
	require.Equal(t, notifications.NotNotifiedNoContact, v.checkIn().NotNotified, v)
	require.Empty(t, v.checkIn().FailureCode, v)

	msgs := e.st.TwilioSim.Sim.Messages()
	require.Len(t, msgs, 1, "one text: the charts without a mobile get none, a home phone is never texted")
	require.Equal(t, ehrsim.MobileCurrent, msgs[0].To)
	require.NotEqual(t, ehrsim.MobileEnded, msgs[0].To)
	require.Contains(t, msgs[0].Body, "Papa")
	require.NotContains(t, msgs[0].Body, "Quebec", "the former name is never used")
	// The chart's preferred language is Spanish: the Spanish template, name and time only.
	require.True(t, strings.HasPrefix(msgs[0].Body, "Hola, Papa: su llegada para la cita de las "), msgs[0].Body)
	require.NotContains(t, msgs[0].Body, "Testpatient", "never the family name")
}
