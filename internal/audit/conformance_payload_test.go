package audit

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// phiMarker stands for PHI inside a raw message; it must never appear in stored bytes,
// errors or listed records.
const phiMarker = "MRN-SECRET-4242"

// rawHL7 is a message a listener could not accept, with the marker where PHI would be, a NUL
// and a byte that is not UTF-8: payloads are bytes, not text.
var rawHL7 = []byte("MSH|^~\\&|LIS|LAB|ENGINE|CF|20250601120000||ORU^R01|MSG-1|P|2.5.1\r" +
	"PID|||" + phiMarker + "^^^H||DOE^JANE\r\x00\xff")

// runPayloadConformance checks the sealed payload behaviour every Store must share.
func runPayloadConformance(t *testing.T, c conformanceStore) {
	sealed := func(t *testing.T) Store { return c.open(t, Options{Sealer: testSealer(t, "k1")}) }
	t.Run("PayloadRoundTrip", func(t *testing.T) { testPayloadRoundTrip(t, c, sealed(t)) })
	t.Run("PayloadLarge", func(t *testing.T) { testPayloadLarge(t, sealed(t)) })
	t.Run("PayloadNeedsSealer", func(t *testing.T) { testPayloadNeedsSealer(t, c.open(t, Options{})) })
	t.Run("PayloadNotFound", func(t *testing.T) { testPayloadNotFound(t, sealed(t)) })
	t.Run("PayloadSealerFaults", func(t *testing.T) { testPayloadSealerFaults(t, c) })
	t.Run("PayloadConcurrent", func(t *testing.T) { testPayloadConcurrent(t, sealed(t)) })
}

// testSealer returns an AES-GCM sealer with fresh random keys under the given IDs, the first
// active.
func testSealer(t testing.TB, ids ...string) Sealer {
	t.Helper()
	keys := map[string][]byte{}
	for _, id := range ids {
		keys[id] = randomKey(t)
	}
	s, err := NewAESGCMSealer(keys, ids[0])
	require.NoError(t, err)
	return s
}

// randomKey returns a fresh AES-256 key.
func randomKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, AESKeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

// testPayloadRoundTrip appends a record with a payload and checks what each path returns and
// what the store keeps underneath.
func testPayloadRoundTrip(t *testing.T, c conformanceStore, s Store) {
	ctx := t.Context()
	in := sample(1)
	in.Payload = bytes.Clone(rawHL7)
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	assert.Nil(t, r.Payload, "Append does not hand the plaintext back")
	assert.True(t, r.HasPayload)
	assert.Equal(t, rawHL7, in.Payload, "the caller's slice is left alone")

	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)

	// A second append of the same content is sealed under a fresh nonce.
	again := sample(2)
	again.Payload = rawHL7
	r2, err := s.Append(ctx, again)
	require.NoError(t, err)
	plain, err = s.Payload(ctx, r2.ID)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)

	bare, err := s.Append(ctx, sample(3))
	require.NoError(t, err)
	assert.False(t, bare.HasPayload)

	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assertSameRecord(t, r, got[0])
	assertSameRecord(t, r2, got[1])
	assertSameRecord(t, bare, got[2])
	for _, g := range got {
		assert.Nil(t, g.Payload, "List never returns payloads")
	}

	raw1, keyID := c.rawPayload(t, s, r.ID)
	require.NotNil(t, raw1)
	assert.Equal(t, "k1", keyID, "the active key seals")
	assert.NotContains(t, string(raw1), phiMarker, "the stored bytes are not plaintext")
	assert.False(t, bytes.Contains(raw1, rawHL7[:20]), "no part of the message is stored in clear")
	assert.Len(t, raw1, 12+len(rawHL7)+16, "nonce || ciphertext || tag")
	raw2, _ := c.rawPayload(t, s, r2.ID)
	assert.NotEqual(t, raw1, raw2, "equal payloads do not give equal ciphertexts")
	raw3, keyID := c.rawPayload(t, s, bare.ID)
	assert.Nil(t, raw3)
	assert.Empty(t, keyID)
}

// testPayloadLarge checks a payload of a full MLLP message size and the upper limit.
func testPayloadLarge(t *testing.T, s Store) {
	ctx := t.Context()
	big := make([]byte, 1<<20)
	_, err := rand.Read(big)
	require.NoError(t, err)
	in := sample(1)
	in.Payload = big
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, big, plain)

	tooBig := sample(2)
	tooBig.Payload = make([]byte, MaxPayloadBytes+1)
	_, err = s.Append(ctx, tooBig)
	require.Error(t, err)
	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	assert.Len(t, got, 1, "the oversized record is not stored")
}

// testPayloadNeedsSealer checks that a store without a Sealer refuses payloads rather than
// storing them in clear, and still takes records without one.
func testPayloadNeedsSealer(t *testing.T, s Store) {
	ctx := t.Context()
	in := sample(1)
	in.Payload = rawHL7
	_, err := s.Append(ctx, in)
	require.ErrorIs(t, err, ErrNoSealer)
	assert.NotContains(t, err.Error(), phiMarker)
	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	assert.Empty(t, got, "nothing is stored")

	r, err := s.Append(ctx, sample(2))
	require.NoError(t, err)
	assert.False(t, r.HasPayload)
	_, err = s.Payload(ctx, r.ID)
	assert.ErrorIs(t, err, ErrNotFound)
}

// testPayloadNotFound checks the misses: no such record, and a record without a payload.
func testPayloadNotFound(t *testing.T, s Store) {
	ctx := t.Context()
	r, err := s.Append(ctx, sample(1))
	require.NoError(t, err)
	empty := sample(2)
	empty.Payload = []byte{} // empty is the same as none
	e, err := s.Append(ctx, empty)
	require.NoError(t, err)
	assert.False(t, e.HasPayload)
	for _, id := range []int64{r.ID, e.ID, e.ID + 100, 0, -1} {
		_, err := s.Payload(ctx, id)
		assert.ErrorIs(t, err, ErrNotFound, "id %d", id)
	}
}

// faultySealer misbehaves in the way its fields say.
type faultySealer struct {
	err        error
	ciphertext []byte
	keyID      string
}

func (f faultySealer) Seal([]byte, []byte) ([]byte, string, error) {
	return f.ciphertext, f.keyID, f.err
}

func (f faultySealer) Open([]byte, string, []byte) ([]byte, error) {
	return nil, errors.New("faultySealer cannot open")
}

// testPayloadSealerFaults checks that a failing or misbehaving Sealer fails the append and
// stores nothing, so a message is never recorded without a readable payload.
func testPayloadSealerFaults(t *testing.T, c conformanceStore) {
	down := errors.New("key service down")
	cases := map[string]faultySealer{
		"error":           {err: down},
		"no ciphertext":   {keyID: "k1"},
		"empty key id":    {ciphertext: []byte{1, 2, 3}},
		"key id not text": {ciphertext: []byte{1, 2, 3}, keyID: "k\x00"},
	}
	for name, fs := range cases {
		t.Run(name, func(t *testing.T) {
			s := c.open(t, Options{Sealer: fs})
			in := sample(1)
			in.Payload = rawHL7
			_, err := s.Append(t.Context(), in)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), phiMarker)
			if fs.err != nil {
				assert.ErrorIs(t, err, down)
			}
			got, err := s.List(t.Context(), Filter{})
			require.NoError(t, err)
			assert.Empty(t, got)
		})
	}
}

// testPayloadConcurrent appends distinct payloads from several goroutines and checks that
// every record opens to its own payload.
func testPayloadConcurrent(t *testing.T, s Store) {
	const workers, each = 8, 10
	var (
		mu   sync.Mutex
		want = map[int64][]byte{}
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				in := sample(w*each + i)
				in.Payload = fmt.Appendf(nil, "MSH|payload %d/%d|%s", w, i, phiMarker)
				r, err := s.Append(t.Context(), in)
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				want[r.ID] = in.Payload
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, want, workers*each)
	var readers sync.WaitGroup
	for id, payload := range want {
		readers.Go(func() {
			got, err := s.Payload(t.Context(), id)
			if assert.NoError(t, err) {
				assert.Equal(t, payload, got, "record %d", id)
			}
		})
	}
	readers.Wait()
}
