package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"github.com/careflow/engine/api"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/pgtemporal"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/internal/testenv"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/payments"
)

// postgresGate is set by `make test`, which first builds the PostgreSQL-backed Temporal server
// and Web UI (temporal-pg/build.sh) and installs chromium (tools/chromium.sh). Without it the
// tests below skip, so a bare `go test ./...` needs neither.
const postgresGate = "CAREFLOW_E2E_POSTGRES"

// pgEngine is the engine on the Temporal server on PostgreSQL, with that server's Web UI.
type pgEngine struct {
	*engine
	srv *pgtemporal.Server
	pg  pgtemporal.Postgres
}

// startPostgresEngine starts the Temporal server on PostgreSQL (fresh databases, free ports),
// its Web UI decoding through the engine's codec endpoint, and the whole engine against it.
func startPostgresEngine(t *testing.T) *pgEngine {
	t.Helper()
	if os.Getenv(postgresGate) == "" {
		t.Skipf("%s unset: `make test` runs this against the Temporal server on PostgreSQL", postgresGate)
	}
	// The UI server is configured with the codec endpoint before the API listens, so the API's
	// port is chosen now; the path holds a secret, as `careflow run` hands its UI.
	apiAddr := freeAddr(t)
	secret := fmt.Sprintf("%x", time.Now().UnixNano())
	srv, raw := testenv.StartPostgresTemporal(t, testenv.PostgresOptions{UI: true,
		UICodecEndpoint: "http://" + apiAddr + "/codec/" + secret})
	pg := srv.Postgres()
	e := startEngineOn(t, srv.Address(), raw, stack.Options{CodecFromUIOrigin: true, CodecRunSecret: secret},
		func(c *config.Config) {
			c.APIAddr, c.TemporalUIURL = apiAddr, srv.UIURL()
			// As labEngine: a short corrections window lets a final order close.
			c.Lab.AckTimeout = 3 * time.Second
			c.Lab.CorrectionsWindow = 2 * time.Second
			c.Lab.ResultDeadline = time.Hour
			c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
		})
	return &pgEngine{engine: e, srv: srv, pg: pg}
}

// TestOnPostgresTemporal is the smoke test of the production topology: a payment, a check-in
// and a lab order run to completion on the Temporal server built from Go modules with
// PostgreSQL persistence and SQL visibility; then a real browser looks at two of them in the
// Web UI (browser_test.go).
func TestOnPostgresTemporal(t *testing.T) {
	e := startPostgresEngine(t)
	top := t
	marker := fmt.Sprintf("PHI-MARKER-%d", time.Now().UnixNano())

	t.Run("payment", func(t *testing.T) {
		e.t = t
		defer func() { e.t = top }()
		body := newPayment("pay-pg-1", 4200, "pm_card_visa")
		body["description"] = "visit for " + marker
		code, v := e.call("POST", "/v1/payments", body)
		require.Equal(t, http.StatusCreated, code, v)
		e.waitFor("pay-pg-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
		code, v = e.call("POST", "/v1/payments/pay-pg-1/capture", map[string]any{"amount": 4200})
		require.Equal(t, http.StatusOK, code, v)
		code, v = e.call("POST", "/v1/payments/pay-pg-1/refund", map[string]any{})
		require.Equal(t, http.StatusOK, code, v)
		v = e.waitFor("pay-pg-1", func(v api.PaymentView) bool { return v.Closed })
		require.Equal(t, payments.StatusRefunded, v.payment().Status, v)
		require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Captures)
		require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Refunds)
	})

	t.Run("checkin", func(t *testing.T) {
		e.t = t
		defer func() { e.t = top }()
		code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1001", true))
		require.Equal(t, http.StatusCreated, code, v)
		require.Equal(t, checkins.VerdictEligible, v.checkIn().Verdict.Verdict, v)
		v = e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Closed })
		require.Equal(t, checkins.StatusCompleted, v.checkIn().Status, v)
		require.True(t, v.checkIn().Arrived)
		pay := e.waitFor(checkins.CopayPaymentID("appt-1001"), func(v api.PaymentView) bool { return v.Status == payments.StatusCaptured })
		require.EqualValues(t, 2500, pay.payment().CapturedAmount)
	})

	t.Run("laborder", func(t *testing.T) {
		e.t = t
		defer func() { e.t = top }()
		body := labOrder("LAB-PG-1")
		body["orderingProvider"].(map[string]any)["name"] = "Dr " + marker
		code, v := e.call("POST", "/v1/lab-orders", body)
		require.Equal(t, http.StatusCreated, code, v)
		v = e.waitLab("LAB-PG-1", func(v api.LabOrderView) bool { return v.Closed })
		require.Equal(t, laborders.StatusFinal, v.labOrder().Status, v)
		require.NotEmpty(t, v.labOrder().DiagnosticReportID)
	})

	// SQL visibility answers list queries over what ran (the API's lists depend on it).
	t.Run("visibility", func(t *testing.T) {
		e.t = t
		defer func() { e.t = top }()
		for _, id := range []string{payments.WorkflowID("pay-pg-1"), "checkin:appt-1001", laborders.WorkflowID("LAB-PG-1")} {
			require.EventuallyWithT(t, func(c *assertCollect) {
				resp, err := e.raw.ListWorkflow(context.Background(), listRequest(fmt.Sprintf("WorkflowId = %q", id)))
				if !assertTrue(c, err == nil, "list: %v", err) {
					return
				}
				assertTrue(c, len(resp.GetExecutions()) == 1, "%s not listed yet", id)
			}, 30*time.Second, 250*time.Millisecond)
		}
		// The operator attributes are indexed by SQL visibility too.
		e.requireListed("CareflowProcess = 'payment' AND CareflowStatus = 'refunded' AND CareflowNeedsAttention = false",
			payments.WorkflowID("pay-pg-1"))
		e.requireListed("CareflowProcess = 'checkin' AND CareflowVendor = 'payer'", "checkin:appt-1001")
	})

	t.Run("no plaintext in the server's database", func(t *testing.T) {
		e.t = t
		defer func() { e.t = top }()
		// Positive control: the scan finds what the server does store in the clear.
		require.True(t, e.databaseHolds(t, "pay-pg-1"), "the workflow id should be found in the database")
		require.False(t, e.databaseHolds(t, marker), "plaintext PHI found in the Temporal server's database")
	})

	t.Run("web UI", func(t *testing.T) {
		e.t = t
		defer func() { e.t = top }()
		e.checkWebUI(t, e.srv.UIURL(), marker, []webUICase{
			{name: "payment", workflowID: payments.WorkflowID("pay-pg-1")},
			{name: "laborder", workflowID: laborders.WorkflowID("LAB-PG-1")},
		})
	})
}

// databaseHolds reports whether s appears, as text or as bytes, in any row of any table of
// the Temporal server's two databases.
func (e *pgEngine) databaseHolds(t *testing.T, s string) bool {
	t.Helper()
	hexed := hex.EncodeToString([]byte(s))
	for _, db := range []string{e.pg.DB, e.pg.VisibilityDB} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		conn, err := pgx.Connect(ctx, strings.Replace(testenv.PostgresAdminURL, "/postgres?", "/"+db+"?", 1))
		require.NoError(t, err)
		rows, err := conn.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
		require.NoError(t, err)
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.NotEmpty(t, tables, db)
		found := false
		for _, table := range tables {
			// A row's text form shows text columns as they are and bytea as hex.
			var dump *string
			err := conn.QueryRow(ctx, "SELECT string_agg(t::text, E'\\n') FROM "+pgx.Identifier{table}.Sanitize()+" t").Scan(&dump)
			require.NoError(t, err, table)
			if dump != nil && (strings.Contains(*dump, s) || strings.Contains(*dump, hexed)) {
				found = true
				break
			}
		}
		_ = conn.Close(ctx)
		cancel()
		if found {
			return true
		}
	}
	return false
}

func listRequest(query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
