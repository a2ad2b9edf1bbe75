package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClaimsConfig(t *testing.T) {
	t.Setenv("CLAIM_REMIT_TIMEOUT", "")
	t.Setenv("CLEARINGHOUSE_WEBHOOK_SECRET", "")
	c, err := claimsFromEnv(Clearinghouse{})
	require.NoError(t, err)
	assert.Equal(t, 45*24*time.Hour, c.RemitTimeout)
	assert.Equal(t, SimulatorWebhookSecret, c.WebhookSecret)

	t.Setenv("CLAIM_REMIT_TIMEOUT", "60d")
	c, err = claimsFromEnv(Clearinghouse{BaseURL: "https://ch.example"})
	require.NoError(t, err)
	assert.Equal(t, 60*24*time.Hour, c.RemitTimeout)
	assert.Empty(t, c.WebhookSecret, "a real clearinghouse never gets the simulator's secret")

	t.Setenv("CLAIM_REMIT_TIMEOUT", "1080h")
	c, err = claimsFromEnv(Clearinghouse{})
	require.NoError(t, err)
	assert.Equal(t, 45*24*time.Hour, c.RemitTimeout)

	for _, bad := range []string{"soon", "-3d", "0d", "xd"} {
		t.Setenv("CLAIM_REMIT_TIMEOUT", bad)
		_, err = claimsFromEnv(Clearinghouse{})
		require.ErrorContains(t, err, "CLAIM_REMIT_TIMEOUT")
	}
	t.Setenv("CLAIM_REMIT_TIMEOUT", "")
	t.Setenv("CLEARINGHOUSE_WEBHOOK_SECRET", "short")
	_, err = claimsFromEnv(Clearinghouse{})
	require.ErrorContains(t, err, "CLEARINGHOUSE_WEBHOOK_SECRET")

	t.Setenv("CLEARINGHOUSE_WEBHOOK_SECRET", "")
}

func TestClaimBatchWindowConfig(t *testing.T) {
	t.Setenv("CLEARINGHOUSE_WEBHOOK_SECRET", "")
	t.Setenv("CLAIM_BATCH_WINDOW", "")
	c, err := claimsFromEnv(Clearinghouse{})
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, c.BatchWindow)

	t.Setenv("CLAIM_BATCH_WINDOW", "2m")
	c, err = claimsFromEnv(Clearinghouse{})
	require.NoError(t, err)
	assert.Equal(t, 2*time.Minute, c.BatchWindow)

	for _, bad := range []string{"soon", "-1s", "0s", "2h"} {
		t.Setenv("CLAIM_BATCH_WINDOW", bad)
		_, err = claimsFromEnv(Clearinghouse{})
		require.ErrorContains(t, err, "CLAIM_BATCH_WINDOW", bad)
	}
}
