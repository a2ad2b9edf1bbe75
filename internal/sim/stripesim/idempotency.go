package stripesim

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Stripe keeps idempotency keys for 24 hours; the simulator also caps the
// number it remembers so a long load test cannot grow memory without bound.
const (
	idempotencyTTL   = 24 * time.Hour
	idempotencyLimit = 200_000
)

// idemScope identifies a key: Stripe scopes idempotency keys per API key.
type idemScope struct {
	// account is a digest of the API key (see accountOf), so that a state
	// file never holds a secret key.
	account string
	key     string
}

// accountOf returns the SHA-256 hex digest that stands for an API key.
func accountOf(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(sum[:])
}

// idemEntry is a stored response for one idempotency key.
type idemEntry struct {
	scope     idemScope
	endpoint  string // "POST /v1/payment_intents/pi_x/capture"
	params    string // canonical (sorted) form encoding of the parameters
	status    int
	body      []byte
	requestID string
	at        time.Time
}

// idemStore remembers responses by key, evicting the oldest first.
// It is guarded by Sim.mu.
type idemStore struct {
	entries map[idemScope]*idemEntry
	order   []*idemEntry // insertion order, oldest first
}

// get returns the live stored entry for a key, if any.
func (st *idemStore) get(sc idemScope, now time.Time) (*idemEntry, bool) {
	e, ok := st.entries[sc]
	if !ok || now.Sub(e.at) >= idempotencyTTL {
		return nil, false
	}
	return e, true
}

// put stores an entry and evicts entries that expired or exceed the cap.
func (st *idemStore) put(e *idemEntry) {
	if st.entries == nil {
		st.entries = map[idemScope]*idemEntry{}
	}
	st.entries[e.scope] = e
	st.order = append(st.order, e)
	for len(st.order) > 0 {
		old := st.order[0]
		if len(st.order) <= idempotencyLimit && e.at.Sub(old.at) < idempotencyTTL {
			break
		}
		// An expired key may have been stored again; only drop the map
		// entry if it is still this old one.
		if st.entries[old.scope] == old {
			delete(st.entries, old.scope)
		}
		st.order[0] = nil
		st.order = st.order[1:]
	}
}
