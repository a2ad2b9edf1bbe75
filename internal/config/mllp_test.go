package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMLLPSettings(t *testing.T) {
	for _, k := range []string{"MLLP_MAX_CONNS", "MLLP_IDLE_TIMEOUT", "MLLP_FRAME_TIMEOUT", "MLLP_TLS_HANDSHAKE_TIMEOUT",
		"MLLP_TLS_CLIENT_CA_FILE", "MLLP_ALLOWED_SENDERS", "MLLP_LENIENT_FRAMING", "LIS_CHARSET", "MLLP_TLS_CERT_FILE", "MLLP_TLS_KEY_FILE"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, MLLP{MaxConns: 512, IdleTimeout: time.Hour, FrameTimeout: time.Minute, HandshakeTimeout: 10 * time.Second,
		LenientFraming: true}, c.MLLP)
	require.Equal(t, "UNICODE UTF-8", c.LISCharset)

	t.Setenv("MLLP_MAX_CONNS", "2000")
	t.Setenv("MLLP_ALLOWED_SENDERS", "LIS^CENTRALLAB, ^REFLAB")
	t.Setenv("MLLP_LENIENT_FRAMING", "false")
	t.Setenv("LIS_CHARSET", "8859/1")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, 2000, c.MLLP.MaxConns)
	require.Equal(t, []string{"LIS^CENTRALLAB", "^REFLAB"}, c.MLLP.AllowedSenders)
	require.False(t, c.MLLP.LenientFraming)
	require.Equal(t, "8859/1", c.LISCharset)

	for k, v := range map[string]string{"MLLP_MAX_CONNS": "0", "MLLP_LENIENT_FRAMING": "maybe", "LIS_CHARSET": "EBCDIC",
		"MLLP_TLS_CLIENT_CA_FILE": "/ca.pem", "MLLP_ALLOWED_SENDERS": "^"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := FromEnv()
			require.ErrorContains(t, err, k)
		})
	}
}
