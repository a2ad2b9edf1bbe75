package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSendRates(t *testing.T) {
	t.Setenv("TWILIO_SENDS_PER_SECOND", "")
	t.Setenv("SMTP_SENDS_PER_SECOND", "")
	t.Setenv("NOTIFY_PATIENT_RATE_LIMIT", "")
	t.Setenv("NOTIFY_PATIENT_RATE_WINDOW", "")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, SendRates{SMS: DefaultSMSSendsPerSecond, Email: DefaultEmailSendsPerSecond, PerPatient: 3,
		PerPatientWindow: time.Hour}, c.SendRates)

	t.Setenv("TWILIO_SENDS_PER_SECOND", "0.5")
	t.Setenv("SMTP_SENDS_PER_SECOND", "2")
	t.Setenv("NOTIFY_PATIENT_RATE_LIMIT", "0")
	t.Setenv("NOTIFY_PATIENT_RATE_WINDOW", "24h")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, SendRates{SMS: 0.5, Email: 2, PerPatient: 0, PerPatientWindow: 24 * time.Hour}, c.SendRates)

	t.Setenv("NOTIFY_PATIENT_RATE_LIMIT", "-1")
	_, err = FromEnv()
	require.ErrorContains(t, err, "NOTIFY_PATIENT_RATE_LIMIT")
	t.Setenv("NOTIFY_PATIENT_RATE_LIMIT", "")

	for _, bad := range []string{"0", "-1", "fast", "NaN", "20000"} {
		t.Setenv("SMTP_SENDS_PER_SECOND", bad)
		_, err = FromEnv()
		require.ErrorContains(t, err, "SMTP_SENDS_PER_SECOND", bad)
	}
}

func TestAppointmentCallsPerSecond(t *testing.T) {
	t.Setenv("APPOINTMENT_CALLS_PER_SECOND", "")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, float64(DefaultAppointmentCallsPerSecond), c.Appointments.CallsPerSecond)
	t.Setenv("APPOINTMENT_CALLS_PER_SECOND", "150")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, 150.0, c.Appointments.CallsPerSecond)
}
