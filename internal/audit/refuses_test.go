package audit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/audit"
)

func TestRefusesByAddressOrPatient(t *testing.T) {
	ctx := t.Context()
	s, ok := audit.NewMemory().(audit.PreferenceStore)
	require.True(t, ok)
	refuses := func(channel, address, patientID string) bool {
		t.Helper()
		out, err := audit.Refuses(ctx, s, channel, address, patientID)
		require.NoError(t, err)
		return out
	}
	assert.False(t, refuses(audit.ChannelSMS, "+15551230001", "p1"), "nothing stored refuses nothing")

	require.NoError(t, s.SetOptOut(ctx, audit.ChannelSMS, "+15551230001", true))
	assert.True(t, refuses(audit.ChannelSMS, "+15551230001", ""), "the address opted out")
	assert.False(t, refuses(audit.ChannelEmail, "+15551230001", ""), "only for its channel")

	_, err := s.PutPreferences(ctx, audit.Preferences{PatientID: "p1", Channels: []string{audit.ChannelSMS, audit.ChannelEmail},
		OptedOut: []string{audit.ChannelEmail}})
	require.NoError(t, err)
	assert.True(t, refuses(audit.ChannelEmail, "ada@example.org", "p1"), "the patient refuses email")
	assert.False(t, refuses(audit.ChannelEmail, "ada@example.org", ""), "without a patient only the address counts")
	assert.False(t, refuses(audit.ChannelSMS, "+15551230002", "p1"), "the patient accepts SMS")
}
