package e2e

import (
	"fmt"
	"github.com/careflow/engine/api"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/workflows/payments"
)

// TestDevServerWebUIDecodesThroughCodec: the dev server's bundled Web UI, as `make run` starts
// it (codec endpoint with the run's secret), shows a payment's input decoded in headless
// chromium, while what it fetched from the server holds ciphertext only.
func TestDevServerWebUIDecodesThroughCodec(t *testing.T) {
	if os.Getenv(postgresGate) == "" {
		t.Skipf("%s unset: `make test` installs chromium and runs this", postgresGate)
	}
	apiAddr := freeAddr(t)
	uiAddr := freeAddr(t)
	uiPort, _ := strconv.Atoi(uiAddr[strings.LastIndex(uiAddr, ":")+1:])
	secret := fmt.Sprintf("%x", time.Now().UnixNano())
	srv, raw := testenv.StartTemporalWith(t, testenv.Options{EnableUI: true, ExtraArgs: []string{"--ui-port", strconv.Itoa(uiPort), "--ui-codec-endpoint", "http://" + apiAddr + "/codec/" + secret}})
	ui := "http://127.0.0.1:" + strconv.Itoa(uiPort)
	e := startEngineOn(t, srv.FrontendHostPort(), raw, stack.Options{CodecFromUIOrigin: true, CodecRunSecret: secret}, func(c *config.Config) {
		c.APIAddr, c.TemporalUIURL = apiAddr, ui
	})
	marker := fmt.Sprintf("PHI-MARKER-%d", time.Now().UnixNano())
	body := newPayment("pay-dev-ui-1", 4200, "pm_card_visa")
	body["description"] = "visit for " + marker
	code, v := e.call("POST", "/v1/payments", body)
	require.Equal(t, http.StatusCreated, code, v)
	e.waitFor("pay-dev-ui-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	e.checkWebUI(t, ui, marker, []webUICase{{name: "devserver-payment", workflowID: payments.WorkflowID("pay-dev-ui-1")}})
}
