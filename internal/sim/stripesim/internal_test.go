package stripesim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85/webhook"
)

func TestSignatureMatchesStripeGo(t *testing.T) {
	now := time.Now()
	payload := []byte(`{"id":"evt_1","object":"event"}`)
	want := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: "whsec_x", Timestamp: now})
	assert.Equal(t, want.Header, signatureHeader(now, payload, "whsec_x"))
}

func TestIdempotencyStoreEvictsExpired(t *testing.T) {
	var st idemStore
	t0 := time.Unix(1_700_000_000, 0)
	st.put(&idemEntry{scope: idemScope{"k", "a"}, at: t0})
	_, ok := st.get(idemScope{"k", "a"}, t0.Add(time.Hour))
	assert.True(t, ok)
	_, ok = st.get(idemScope{"k", "a"}, t0.Add(idempotencyTTL))
	assert.False(t, ok, "expired keys are not replayed")

	// Storing the same key again after expiry must survive eviction of the
	// old entry.
	later := t0.Add(idempotencyTTL + time.Minute)
	st.put(&idemEntry{scope: idemScope{"k", "a"}, at: later, status: 200})
	e, ok := st.get(idemScope{"k", "a"}, later)
	require.True(t, ok)
	assert.Equal(t, 200, e.status)
	assert.Len(t, st.order, 1)
}

func TestRandomIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newID("pi")
		assert.Regexp(t, `^pi_[0-9A-Za-z]{24}$`, id)
		assert.False(t, seen[id])
		seen[id] = true
	}
}
