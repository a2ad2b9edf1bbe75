package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFromEnvDefaults(t *testing.T) {
	for _, k := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_UI_URL", "API_ADDR", "MLLP_ADDR",
		"DATABASE_URL", "STRIPE_BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "PAYMENT_AUTHORIZATION_TTL",
		"PAYMENT_REFUND_WINDOW", "DATA_DIR"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:7233", c.TemporalAddress)
	require.Equal(t, "default", c.TemporalNamespace)
	require.Equal(t, "http://127.0.0.1:8233", c.TemporalUIURL)
	require.Equal(t, "127.0.0.1:8080", c.APIAddr)
	require.Equal(t, "127.0.0.1:2575", c.MLLPAddr)
	require.True(t, c.Stripe.Simulated())
	require.Equal(t, 6*24*time.Hour, c.PaymentAuthorizationTTL)
}

func TestFromEnvErrors(t *testing.T) {
	t.Setenv("PAYMENT_REFUND_WINDOW", "soon")
	_, err := FromEnv()
	require.ErrorContains(t, err, "PAYMENT_REFUND_WINDOW")

	t.Setenv("PAYMENT_REFUND_WINDOW", "")
	t.Setenv("STRIPE_BASE_URL", "https://stripe.example")
	t.Setenv("STRIPE_SECRET_KEY", "")
	_, err = FromEnv()
	require.ErrorContains(t, err, "STRIPE_SECRET_KEY")

	t.Setenv("STRIPE_SECRET_KEY", "sk_test_x")
	t.Setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
	c, err := FromEnv()
	require.NoError(t, err)
	require.False(t, c.Stripe.Simulated())
}

func TestLabSettings(t *testing.T) {
	t.Setenv("LAB_ESCALATION_CHAIN", "charge-nurse:+15550000002, on-call:+15550000003")
	t.Setenv("LAB_CRITICAL_THRESHOLDS", "2823-3:2.5:6.2;2345-7::400")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Len(t, c.Lab.EscalationChain, 2)
	require.Equal(t, "on-call", c.Lab.EscalationChain[1].Role)
	require.InDelta(t, 6.2, *c.Lab.CriticalThresholds["2823-3"][1], 1e-9)
	require.Nil(t, c.Lab.CriticalThresholds["2345-7"][0])
	require.Equal(t, 15*time.Minute, c.Lab.AckTimeout)

	t.Setenv("LAB_ESCALATION_CHAIN", "nurse-without-phone")
	_, err = FromEnv()
	require.ErrorContains(t, err, "LAB_ESCALATION_CHAIN")
}

func TestCheckInSettings(t *testing.T) {
	for _, k := range []string{"CHECKIN_WINDOW_BEFORE", "CHECKIN_WINDOW_AFTER", "CHECKIN_PAYER_ID_SYSTEM", "CHECKIN_PAYER_CROSSWALK"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 2*time.Hour, c.CheckInWindowBefore)
	require.Equal(t, time.Hour, c.CheckInWindowAfter)
	require.Equal(t, DefaultPayerIDSystem, c.CheckInPayerIDSystem)
	require.Empty(t, c.CheckInPayerCrosswalk)

	t.Setenv("CHECKIN_WINDOW_BEFORE", "30m")
	t.Setenv("CHECKIN_PAYER_CROSSWALK", "urn:naic|60054=AETNA, urn:naic|61271=CIGNA")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, 30*time.Minute, c.CheckInWindowBefore)
	require.Equal(t, map[string]string{"urn:naic|60054": "AETNA", "urn:naic|61271": "CIGNA"}, c.CheckInPayerCrosswalk)

	t.Setenv("CHECKIN_PAYER_CROSSWALK", "Acme Health=ACME")
	_, err = FromEnv()
	require.ErrorContains(t, err, "CHECKIN_PAYER_CROSSWALK")
	t.Setenv("CHECKIN_PAYER_CROSSWALK", "")
	t.Setenv("CHECKIN_WINDOW_AFTER", "late")
	_, err = FromEnv()
	require.ErrorContains(t, err, "CHECKIN_WINDOW_AFTER")
}
