package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/checkins"
)

// TestCheckInTextsTheCurrentMobileOnly: a lived-in chart lists an ended mobile first, a home
// phone and a future number; the text goes to the current mobile (rank 1) and is addressed by
// the current name, never the former one. A chart without a mobile number is checked in
// without a text, and the state says why.
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
	require.Equal(t, checkins.NotNotifiedNoMobile, v.checkIn().NotNotified, v)

	msgs := e.st.TwilioSim.Sim.Messages()
	require.Len(t, msgs, 1, "one text: the chart without a mobile gets none, its home phone is never texted")
	require.Equal(t, ehrsim.MobileCurrent, msgs[0].To)
	require.NotEqual(t, ehrsim.MobileEnded, msgs[0].To)
	require.Contains(t, msgs[0].Body, "Papa")
	require.NotContains(t, msgs[0].Body, "Quebec", "the former name is never used")
	// The chart's preferred language is Spanish: the Spanish template, name and time only.
	require.True(t, strings.HasPrefix(msgs[0].Body, "Hola, Papa: su llegada para la cita de las "), msgs[0].Body)
	require.NotContains(t, msgs[0].Body, "Testpatient", "never the family name")
}
