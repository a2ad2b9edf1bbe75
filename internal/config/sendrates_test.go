package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSendRates(t *testing.T) {
	t.Setenv("TWILIO_SENDS_PER_SECOND", "")
	t.Setenv("SMTP_SENDS_PER_SECOND", "")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, SendRates{SMS: DefaultSMSSendsPerSecond, Email: DefaultEmailSendsPerSecond}, c.SendRates)

	t.Setenv("TWILIO_SENDS_PER_SECOND", "0.5")
	t.Setenv("SMTP_SENDS_PER_SECOND", "2")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, SendRates{SMS: 0.5, Email: 2}, c.SendRates)

	for _, bad := range []string{"0", "-1", "fast", "NaN", "20000"} {
		t.Setenv("SMTP_SENDS_PER_SECOND", bad)
		_, err = FromEnv()
		require.ErrorContains(t, err, "SMTP_SENDS_PER_SECOND", bad)
	}
}
