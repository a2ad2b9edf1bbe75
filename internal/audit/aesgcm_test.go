package audit

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAESGCMSealerRoundTrip(t *testing.T) {
	s := testSealer(t, "k1", "k0")
	aad := []byte("record identity")
	ct, keyID, err := s.Seal(rawHL7, aad)
	require.NoError(t, err)
	assert.Equal(t, "k1", keyID, "the active key seals")
	assert.Len(t, ct, 12+len(rawHL7)+16, "nonce || ciphertext || tag")
	assert.False(t, bytes.Contains(ct, []byte(phiMarker)))

	plain, err := s.Open(ct, keyID, aad)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)

	ct2, _, err := s.Seal(rawHL7, aad)
	require.NoError(t, err)
	assert.NotEqual(t, ct[:12], ct2[:12], "every seal draws a fresh nonce")

	empty, _, err := s.Seal(nil, aad)
	require.NoError(t, err)
	plain, err = s.Open(empty, keyID, aad)
	require.NoError(t, err)
	assert.Empty(t, plain)
}

func TestAESGCMSealerRejectsTampering(t *testing.T) {
	s := testSealer(t, "k1", "k2")
	aad := []byte("record identity")
	ct, keyID, err := s.Seal(rawHL7, aad)
	require.NoError(t, err)

	_, err = s.Open(ct, keyID, []byte("another record"))
	assert.Error(t, err, "a different AAD does not open")
	_, err = s.Open(ct, "k2", aad)
	assert.Error(t, err, "a different key does not open")
	for _, i := range []int{0, 12, len(ct) - 1} {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		_, err = s.Open(bad, keyID, aad)
		assert.Error(t, err, "flipped byte %d", i)
	}
	for _, n := range []int{0, 5, 27} {
		_, err = s.Open(ct[:n], keyID, aad)
		assert.Error(t, err, "truncated to %d bytes", n)
	}
	_, err = s.Open(ct, "retired", aad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"retired"`, "an unknown key is named for the operator")
	assert.NotContains(t, err.Error(), phiMarker)
}

// TestAESGCMSealerRotation checks that payloads sealed under an old active key still open
// once another key is active, as long as the old key stays configured.
func TestAESGCMSealerRotation(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	before, err := NewAESGCMSealer(map[string][]byte{"k1": k1}, "k1")
	require.NoError(t, err)
	ct, keyID, err := before.Seal(rawHL7, nil)
	require.NoError(t, err)

	after, err := NewAESGCMSealer(map[string][]byte{"k1": k1, "k2": k2}, "k2")
	require.NoError(t, err)
	plain, err := after.Open(ct, keyID, nil)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)
	_, newID, err := after.Seal(rawHL7, nil)
	require.NoError(t, err)
	assert.Equal(t, "k2", newID)
}

// TestAESGCMSealerCopiesKeys checks that wiping the caller's key buffer after construction,
// as careful callers do, does not change the sealer.
func TestAESGCMSealerCopiesKeys(t *testing.T) {
	key := randomKey(t)
	s, err := NewAESGCMSealer(map[string][]byte{"k1": key}, "k1")
	require.NoError(t, err)
	ct, keyID, err := s.Seal(rawHL7, nil)
	require.NoError(t, err)
	clear(key)
	plain, err := s.Open(ct, keyID, nil)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)
}

func TestNewAESGCMSealerValidates(t *testing.T) {
	good := randomKey(t)
	cases := []struct {
		name   string
		keys   map[string][]byte
		active string
	}{
		{"no keys", map[string][]byte{}, "k1"},
		{"active missing", map[string][]byte{"k1": good}, "k2"},
		{"empty active", map[string][]byte{"k1": good}, ""},
		{"short key", map[string][]byte{"secret-id-1": []byte("0123456789abcdef")}, "secret-id-1"},
		{"long key", map[string][]byte{"secret-id-1": append(bytes.Clone(good), 0)}, "secret-id-1"},
		{"empty key id", map[string][]byte{"": good, "k1": good}, "k1"},
		{"key id with space", map[string][]byte{"secret id": good, "k1": good}, "k1"},
		{"key id too long", map[string][]byte{string(bytes.Repeat([]byte("k"), 65)): good, "k1": good}, "k1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := NewAESGCMSealer(c.keys, c.active)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.NotContains(t, err.Error(), "secret", "errors name keys by position, not by id")
			assert.NotContains(t, err.Error(), "0123456789abcdef", "errors never hold key material")
		})
	}
}
