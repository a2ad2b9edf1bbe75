package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
)

// In developer mode the Web UI decodes payloads without a token only on the codec path that
// holds the run's secret, from the UI's Origin; the Origin header alone, which any client can
// send, is not enough, and a codec-scope token always works.
func TestCodecOriginTrustNeedsRunSecret(t *testing.T) {
	srv, raw := testenv.StartTemporal(t, client.Options{})
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TemporalUIURL = srv.FrontendHostPort(), "default", "http://127.0.0.1:8233"
	cfg.APIAddr, cfg.DataDir, cfg.DatabaseURL, cfg.APITokens, cfg.PayloadKeys = "127.0.0.1:0", t.TempDir(), "", "", ""
	cfg.MLLPAddr, cfg.LISMLLPAddr = "127.0.0.1:0", ""
	cfg.Stripe, cfg.FHIR, cfg.Twilio = config.Stripe{}, config.FHIR{}, config.Twilio{}
	cfg.Clearinghouse.BaseURL = ""
	const secret = "0123456789abcdef0123456789abcdef"
	st, err := stack.Start(context.Background(), stack.Options{Config: cfg, SimulateUnconfigured: true, NoWorker: true,
		CodecFromUIOrigin: true, CodecRunSecret: secret,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	e := &engine{t: t, st: st, raw: raw}

	body := `{"payloads":[]}`
	ui := map[string]string{"Origin": "http://127.0.0.1:8233", "X-Namespace": "default"}
	code, r := e.callWith("POST", "/codec/"+secret+"/decode", body, ui)
	require.Equal(t, http.StatusOK, code, r)
	code, r = e.callWith("POST", "/codec/decode", body, ui)
	require.Equal(t, http.StatusUnauthorized, code, "the Origin header alone is no credential: %s", r)
	code, r = e.callWith("POST", "/codec/not-the-secret/decode", body, ui)
	require.Equal(t, http.StatusUnauthorized, code, r)
	code, r = e.callWith("POST", "/codec/"+secret+"/decode", body, map[string]string{"Origin": "http://evil.example"})
	require.Equal(t, http.StatusUnauthorized, code, r)
	code, r = e.callWith("POST", "/codec/decode", body, map[string]string{"Authorization": "Bearer " + st.Token})
	require.Equal(t, http.StatusOK, code, r)
}
