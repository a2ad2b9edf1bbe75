package loadgen

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/audit"
)

// Steps are summarised per action from the records inside the window only; records without a
// latency (API bookkeeping) are left out.
func TestVendorSteps(t *testing.T) {
	store := audit.NewMemory()
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	add := func(at time.Duration, action string, lat time.Duration) {
		_, err := store.Append(t.Context(), audit.Record{At: t0.Add(at), Actor: "worker", Action: action, Latency: lat})
		require.NoError(t, err)
	}
	add(-time.Second, "stripe.authorize", time.Hour) // before the window
	for i := 1; i <= 100; i++ {
		add(time.Duration(i)*time.Millisecond, "stripe.authorize", time.Duration(i)*time.Millisecond)
	}
	add(200*time.Millisecond, "fhir.load-checkin", 7*time.Millisecond)
	add(300*time.Millisecond, "payments.start", 0)
	add(2*time.Second, "fhir.load-checkin", time.Hour) // after the window

	steps, err := VendorSteps(t.Context(), store, t0, t0.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, steps, 2)
	assert.Equal(t, VendorStep{Action: "stripe.authorize", Count: 100, P50: 50 * time.Millisecond, P99: 99 * time.Millisecond}, steps[0])
	assert.Equal(t, VendorStep{Action: "fhir.load-checkin", Count: 1, P50: 7 * time.Millisecond, P99: 7 * time.Millisecond}, steps[1])
	assert.Contains(t, FormatVendorSteps(steps), "step stripe.authorize")
}
