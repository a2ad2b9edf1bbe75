package contract_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v85"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/card"
)

// stripe-mock accepts any key that looks like a test-mode secret key.
const mockKey = "sk_test_123"

// repoRoot walks up from the test's directory to the module root.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

var listenLine = regexp.MustCompile(`Listening for HTTP at address: (127\.0\.0\.1:\d+)`)

// startStripeMock runs .bin/stripe-mock on loopback with system-chosen ports (no free-port
// race), waits until it answers, and stops it by its pid when the test ends.
func startStripeMock(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(repoRoot(t), ".bin", "stripe-mock")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("stripe-mock not found at %s: run tools/stripe-mock.sh", bin)
	}
	// Both listeners are given explicitly: stripe-mock also opens HTTPS on all interfaces,
	// port 12112, unless told otherwise.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = pw.Close()
	})

	addrc := make(chan string, 1)
	var mu sync.Mutex
	var output strings.Builder
	go func() {
		// Keep draining after the address line so stripe-mock never blocks on a full pipe.
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			output.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()

	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("stripe-mock did not report its address; output:\n%s", output.String())
	}
	base := "http://" + addr
	probe := &http.Client{Timeout: 2 * time.Second}
	require.Eventually(t, func() bool {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/balance", nil)
		req.SetBasicAuth(mockKey, "")
		resp, err := probe.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "stripe-mock never answered at %s", base)
	return base
}

// exchange is one HTTP exchange seen on the wire.
type exchange struct {
	Method, Path string
	Status       int
}

// recorder is the injected client's transport; it notes each response's status, which shows
// what stripe-mock's validator said independently of how the activity interprets the body.
type recorder struct {
	mu   sync.Mutex
	seen []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, exchange{req.Method, req.URL.Path, resp.StatusCode})
		r.mu.Unlock()
	}
	return resp, err
}

// last returns the most recent exchange.
func (r *recorder) last(t *testing.T) exchange {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.seen, "no request reached stripe-mock")
	return r.seen[len(r.seen)-1]
}

func TestStripeMockContract(t *testing.T) {
	base := startStripeMock(t)
	rec := &recorder{}
	client := card.NewClient(base, mockKey, &http.Client{Timeout: 10 * time.Second, Transport: rec})
	acts := &card.Activities{Stripe: client}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)

	t.Run("authorize", func(t *testing.T) {
		for _, in := range []card.AuthorizeInput{
			{IdempotencyKey: "payment:c-1/authorize", PaymentID: "c-1", WorkflowID: "payment:c-1", Amount: 5000,
				Currency: "usd", CustomerRef: "cus_contract", PaymentMethod: "pm_card_visa", Description: "copay"},
			// Without a Stripe customer or description the request takes the other branches.
			{IdempotencyKey: "payment:c-2/authorize", PaymentID: "c-2", WorkflowID: "payment:c-2", Amount: 1,
				Currency: "eur", CustomerRef: "ref-42", PaymentMethod: "pm_card_visa"},
		} {
			_, err := env.ExecuteActivity(acts.AuthorizePayment, in)
			assert.Equal(t, exchange{"POST", "/v1/payment_intents", 200}, rec.last(t))
			// stripe-mock is stateless: its fixture intent stays requires_payment_method, which
			// the activity must refuse to report as authorized. Any other error is a contract break.
			if err != nil {
				var ae *temporal.ApplicationError
				require.True(t, errors.As(err, &ae), "unexpected error: %v", err)
				require.Equal(t, card.ErrTypeCardDeclined, ae.Type(), "unexpected error: %v", err)
				var info card.DeclineInfo
				require.NoError(t, ae.Details(&info))
				assert.Equal(t, "unexpected_status_requires_payment_method", info.Code)
				assert.Equal(t, 200, info.HTTPStatus)
			}
		}
	})

	t.Run("capture", func(t *testing.T) {
		v, err := env.ExecuteActivity(acts.CapturePayment, card.CaptureInput{
			IdempotencyKey: "payment:c-1/capture", WorkflowID: "payment:c-1", PaymentIntentID: "pi_contract", Amount: 4000})
		require.NoError(t, err)
		var res card.CaptureResult
		require.NoError(t, v.Get(&res))
		assert.NotEmpty(t, res.Status)
		assert.Equal(t, exchange{"POST", "/v1/payment_intents/pi_contract/capture", 200}, rec.last(t))
	})

	t.Run("cancel", func(t *testing.T) {
		v, err := env.ExecuteActivity(acts.CancelPayment, card.CancelInput{
			IdempotencyKey: "payment:c-2/cancel", WorkflowID: "payment:c-2", PaymentIntentID: "pi_contract", Reason: "abandoned"})
		require.NoError(t, err)
		var res card.CancelResult
		require.NoError(t, v.Get(&res))
		assert.NotEmpty(t, res.Status)
		assert.Equal(t, exchange{"POST", "/v1/payment_intents/pi_contract/cancel", 200}, rec.last(t))
	})

	t.Run("refund", func(t *testing.T) {
		v, err := env.ExecuteActivity(acts.RefundPayment, card.RefundInput{
			IdempotencyKey: "payment:c-1/refund-1", WorkflowID: "payment:c-1", PaymentID: "c-1",
			PaymentIntentID: "pi_contract", Amount: 1000, Reason: "requested_by_customer"})
		require.NoError(t, err)
		var res card.RefundResult
		require.NoError(t, v.Get(&res))
		assert.True(t, strings.HasPrefix(res.RefundID, "re_"), "refund id %q", res.RefundID)
		assert.Equal(t, int64(1000), res.Amount)
		assert.Equal(t, exchange{"POST", "/v1/refunds", 200}, rec.last(t))
	})

	// Reconciliation reads: the search and list requests must be valid Stripe requests.
	t.Run("search intents by metadata", func(t *testing.T) {
		params := &stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{
			Query: "metadata['workflow_id']:'payment:c-1'"}}
		for _, err := range client.V1PaymentIntents.Search(t.Context(), params).All(t.Context()) {
			require.NoError(t, err)
			break
		}
		assert.Equal(t, exchange{"GET", "/v1/payment_intents/search", 200}, rec.last(t))
	})

	t.Run("list refunds of an intent", func(t *testing.T) {
		params := &stripe.RefundListParams{PaymentIntent: stripe.String("pi_contract")}
		for _, err := range client.V1Refunds.List(t.Context(), params).All(t.Context()) {
			require.NoError(t, err)
			break
		}
		assert.Equal(t, exchange{"GET", "/v1/refunds", 200}, rec.last(t))
	})

	t.Run("release orphaned authorizations", func(t *testing.T) {
		_, err := env.ExecuteActivity(acts.ReleaseAuthorizations, card.ReleaseInput{
			IdempotencyKey: "payment:c-1/release/1", WorkflowID: "payment:c-1"})
		require.NoError(t, err)
	})

	// The checks above prove something only if stripe-mock does reject bad requests.
	t.Run("unknown parameter is rejected", func(t *testing.T) {
		params := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(5000), Currency: stripe.String("usd")}
		params.AddExtra("engine_unknown_param", "1")
		_, err := client.V1PaymentIntents.Create(t.Context(), params)
		var se *stripe.Error
		require.True(t, errors.As(err, &se), "want a stripe error, got %v", err)
		assert.Equal(t, 400, se.HTTPStatusCode)
		assert.Equal(t, stripe.ErrorTypeInvalidRequest, se.Type)
	})

	t.Run("invalid enum through the activity is a non-retryable invalid request", func(t *testing.T) {
		_, err := env.ExecuteActivity(acts.CancelPayment, card.CancelInput{
			IdempotencyKey: "payment:c-3/cancel", WorkflowID: "payment:c-3", PaymentIntentID: "pi_contract", Reason: "not_a_reason"})
		var ae *temporal.ApplicationError
		require.True(t, errors.As(err, &ae), "want an application error, got %v", err)
		assert.True(t, ae.NonRetryable())
		assert.Equal(t, card.ErrTypeInvalidRequest, ae.Type())
		assert.Equal(t, exchange{"POST", "/v1/payment_intents/pi_contract/cancel", 400}, rec.last(t))
	})
}
