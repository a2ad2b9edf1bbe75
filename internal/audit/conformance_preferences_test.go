package audit

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runPreferenceConformance checks the PreferenceStore behaviour every store must share.
func runPreferenceConformance(t *testing.T, c conformanceStore) {
	open := func(t *testing.T) PreferenceStore {
		s, ok := c.open(t, Options{}).(PreferenceStore)
		require.True(t, ok, "every store implements PreferenceStore")
		return s
	}
	t.Run("PreferencesRoundTrip", func(t *testing.T) { testPreferencesRoundTrip(t, open(t)) })
	t.Run("PreferencesValidated", func(t *testing.T) { testPreferencesValidated(t, open(t)) })
	t.Run("OptOutStopStart", func(t *testing.T) { testOptOut(t, open(t)) })
}

func testPreferencesRoundTrip(t *testing.T, s PreferenceStore) {
	ctx := t.Context()
	_, err := s.GetPreferences(ctx, "pat-1")
	require.ErrorIs(t, err, ErrNotFound)

	before := time.Now().UTC().Truncate(time.Microsecond)
	put, err := s.PutPreferences(ctx, Preferences{PatientID: "pat-1", Channels: []string{"Email", "sms"},
		OptedOut: []string{"sms"}, QuietHours: &QuietHours{Start: "21:00", End: "8:00", TimeZone: "America/New_York"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"email", "sms"}, put.Channels, "names are normalized, order kept")
	assert.Equal(t, "08:00", put.QuietHours.End)
	assert.False(t, put.UpdatedAt.Before(before))

	got, err := s.GetPreferences(ctx, "pat-1")
	require.NoError(t, err)
	assert.Equal(t, put, got)

	// A second put replaces everything, including removing quiet hours.
	put2, err := s.PutPreferences(ctx, Preferences{PatientID: "pat-1", Channels: []string{"sms"}})
	require.NoError(t, err)
	got, err = s.GetPreferences(ctx, "pat-1")
	require.NoError(t, err)
	assert.Equal(t, put2, got)
	assert.Nil(t, got.QuietHours)
	assert.Equal(t, []string{}, got.OptedOut)

	_, err = s.GetPreferences(ctx, "pat-2")
	require.ErrorIs(t, err, ErrNotFound, "preferences are per patient")
}

func testPreferencesValidated(t *testing.T, s PreferenceStore) {
	ctx := t.Context()
	for name, p := range map[string]Preferences{
		"no patient":      {Channels: []string{"sms"}},
		"unknown channel": {PatientID: "p", Channels: []string{"fax"}},
		"duplicate":       {PatientID: "p", Channels: []string{"sms", "SMS"}},
		"bad opt-out":     {PatientID: "p", OptedOut: []string{"pigeon"}},
		"bad start":       {PatientID: "p", QuietHours: &QuietHours{Start: "25:00", End: "08:00", TimeZone: "UTC"}},
		"same start, end": {PatientID: "p", QuietHours: &QuietHours{Start: "08:00", End: "08:00", TimeZone: "UTC"}},
		"bad zone":        {PatientID: "p", QuietHours: &QuietHours{Start: "21:00", End: "08:00", TimeZone: "Mars/Olympus"}},
		"no zone":         {PatientID: "p", QuietHours: &QuietHours{Start: "21:00", End: "08:00"}},
	} {
		_, err := s.PutPreferences(ctx, p)
		var ve *ValidationError
		assert.True(t, errors.As(err, &ve), name)
	}
	_, err := s.GetPreferences(ctx, "p")
	require.ErrorIs(t, err, ErrNotFound, "nothing invalid was stored")
}

func testOptOut(t *testing.T, s PreferenceStore) {
	ctx := t.Context()
	out, err := s.OptedOut(ctx, ChannelSMS, "+15551230001")
	require.NoError(t, err)
	assert.False(t, out, "unknown numbers have not opted out")

	require.NoError(t, s.SetOptOut(ctx, ChannelSMS, "+15551230001", true))
	out, err = s.OptedOut(ctx, ChannelSMS, "+15551230001")
	require.NoError(t, err)
	assert.True(t, out)
	out, err = s.OptedOut(ctx, ChannelSMS, "+15551230002")
	require.NoError(t, err)
	assert.False(t, out, "another number is unaffected")
	out, err = s.OptedOut(ctx, ChannelEmail, "+15551230001")
	require.NoError(t, err)
	assert.False(t, out, "another channel is unaffected")

	require.NoError(t, s.SetOptOut(ctx, ChannelSMS, "+15551230001", true), "STOP twice is harmless")
	require.NoError(t, s.SetOptOut(ctx, ChannelSMS, "+15551230001", false))
	out, err = s.OptedOut(ctx, ChannelSMS, "+15551230001")
	require.NoError(t, err)
	assert.False(t, out, "START reverses STOP")

	require.NoError(t, s.SetOptOut(ctx, ChannelEmail, "Ada@Example.org", true))
	out, err = s.OptedOut(ctx, ChannelEmail, "ada@example.org")
	require.NoError(t, err)
	assert.True(t, out, "email addresses compare case-insensitively")

	require.Error(t, s.SetOptOut(ctx, "fax", "+15551230001", true))
	require.Error(t, s.SetOptOut(ctx, ChannelSMS, "", true))
}

func TestQuietHours(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	wrap := &QuietHours{Start: "21:00", End: "08:00", TimeZone: "America/New_York"}
	day := &QuietHours{Start: "12:00", End: "13:30", TimeZone: "America/New_York"}
	for _, tc := range []struct {
		name  string
		q     *QuietHours
		at    time.Time
		quiet bool
		until time.Time
	}{
		{"evening", wrap, time.Date(2026, 3, 2, 22, 15, 0, 0, ny), true, time.Date(2026, 3, 3, 8, 0, 0, 0, ny)},
		{"early morning", wrap, time.Date(2026, 3, 3, 6, 0, 0, 0, ny), true, time.Date(2026, 3, 3, 8, 0, 0, 0, ny)},
		{"daytime", wrap, time.Date(2026, 3, 3, 9, 0, 0, 0, ny), false, time.Time{}},
		{"end is not quiet", wrap, time.Date(2026, 3, 3, 8, 0, 0, 0, ny), false, time.Time{}},
		{"start is quiet", wrap, time.Date(2026, 3, 3, 21, 0, 0, 0, ny), true, time.Date(2026, 3, 4, 8, 0, 0, 0, ny)},
		{"lunch", day, time.Date(2026, 3, 3, 12, 30, 0, 0, ny), true, time.Date(2026, 3, 3, 13, 30, 0, 0, ny)},
		{"after lunch", day, time.Date(2026, 3, 3, 14, 0, 0, 0, ny), false, time.Time{}},
		{"UTC instant in NY evening", wrap, time.Date(2026, 3, 3, 3, 0, 0, 0, time.UTC), true, time.Date(2026, 3, 3, 8, 0, 0, 0, ny)},
		{"none", nil, time.Date(2026, 3, 3, 3, 0, 0, 0, time.UTC), false, time.Time{}},
	} {
		quiet, until := tc.q.Quiet(tc.at)
		assert.Equal(t, tc.quiet, quiet, tc.name)
		assert.True(t, tc.until.Equal(until), "%s: until %v, want %v", tc.name, until, tc.until)
	}
}
