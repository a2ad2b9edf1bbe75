package temporalclient

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

func TestSecurityApply(t *testing.T) {
	var plain client.Options
	require.NoError(t, Security{}.Apply(&plain))
	require.Nil(t, plain.ConnectionOptions.TLS, "no settings: plaintext for a loopback dev server")

	var keyed client.Options
	require.NoError(t, Security{APIKey: "k"}.Apply(&keyed))
	require.NotNil(t, keyed.ConnectionOptions.TLS, "an API key never travels in plaintext")
	require.NotNil(t, keyed.Credentials)

	var named client.Options
	require.NoError(t, Security{ServerName: "temporal.example"}.Apply(&named))
	require.Equal(t, "temporal.example", named.ConnectionOptions.TLS.ServerName)

	require.ErrorContains(t, Security{CertFile: "c.pem"}.Apply(&client.Options{}), "TEMPORAL_TLS_KEY_FILE")
	require.ErrorContains(t, Security{CAFile: "/nonexistent/ca.pem"}.Apply(&client.Options{}), "TEMPORAL_TLS_CA_FILE")
}
