package apptsync_test

import (
	"errors"
	"testing"

	"github.com/careflow/engine/internal/apptsync"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusTableCoversBothVocabularies(t *testing.T) {
	for _, s := range []string{"scheduled", "confirmed", "checked-in", "in-progress", "completed", "cancelled"} {
		_, err := apptsync.FHIRStatusFromPMS(s)
		assert.NoError(t, err, s)
	}
	// Every code of http://hl7.org/fhir/ValueSet/appointmentstatus (R4 4.0.1).
	for _, s := range []string{"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "entered-in-error", "checked-in", "waitlist"} {
		_, err := apptsync.PMSStatusFromFHIR(s)
		assert.NoError(t, err, s)
	}
	_, err := apptsync.FHIRStatusFromPMS("arrived")
	assert.True(t, errors.Is(err, apptsync.ErrUnknownStatus))
	_, err = apptsync.PMSStatusFromFHIR("in-progress")
	assert.True(t, errors.Is(err, apptsync.ErrUnknownStatus))
}

func TestStatusLossyFlags(t *testing.T) {
	// A row is lossy exactly when mapping there and back does not return it.
	for _, m := range apptsync.PMSToFHIR {
		back, err := apptsync.PMSStatusFromFHIR(m.To)
		require.NoError(t, err)
		assert.Equal(t, m.Lossy, back != m.From, "PMS %s", m.From)
	}
	for _, m := range apptsync.FHIRToPMS {
		back, err := apptsync.FHIRStatusFromPMS(m.To)
		require.NoError(t, err)
		assert.Equal(t, m.Lossy, back != m.From, "FHIR %s", m.From)
	}
}

func TestStatusForNeverRegresses(t *testing.T) {
	cases := []struct{ fhir, current, want string }{
		{"arrived", "in-progress", "in-progress"}, // the EHR's arrived must not pull a visit back to checked-in
		{"arrived", "scheduled", "checked-in"},
		{"checked-in", "checked-in", "checked-in"},
		{"booked", "scheduled", "scheduled"},
		{"booked", "confirmed", "confirmed"},
		{"fulfilled", "in-progress", "completed"},
		{"noshow", "confirmed", "cancelled"},
	}
	for _, c := range cases {
		got, err := apptsync.PMSStatusFor(c.fhir, c.current)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%s over %s", c.fhir, c.current)
	}
	got, err := apptsync.FHIRStatusFor("scheduled", "pending")
	require.NoError(t, err)
	assert.Equal(t, "pending", got, "a pending EHR appointment is not promoted by an unconfirmed PMS one")
	got, err = apptsync.FHIRStatusFor("checked-in", "checked-in")
	require.NoError(t, err)
	assert.Equal(t, "checked-in", got)
	got, err = apptsync.FHIRStatusFor("completed", "arrived")
	require.NoError(t, err)
	assert.Equal(t, "fulfilled", got)
}
