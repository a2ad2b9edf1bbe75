package audit

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"sort"
)

// AESKeySize is the length in bytes of every key NewAESGCMSealer accepts (AES-256), the
// same as the engine's payload-codec keys so one PAYLOAD_KEYS setting can serve both.
const AESKeySize = 32

// maxSealerKeyIDLen bounds key IDs, which are stored beside every sealed payload.
const maxSealerKeyIDLen = 64

// aesGCMSealer seals with the active key and opens with any configured key, so payloads
// sealed before a key rotation stay readable.
type aesGCMSealer struct {
	active string
	aeads  map[string]cipher.AEAD
}

// NewAESGCMSealer returns a Sealer using AES-256-GCM with a fresh random 96-bit nonce per
// payload, stored as nonce||ciphertext||tag. keys maps key IDs to 32-byte keys; active names
// the key that seals, every key opens. Errors never contain key material or key IDs.
func NewAESGCMSealer(keys map[string][]byte, active string) (Sealer, error) {
	if _, ok := keys[active]; !ok || active == "" {
		return nil, errors.New("audit: sealer: the active key id is not among the keys")
	}
	// Sorted order makes "key N" in errors stable from run to run.
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	s := &aesGCMSealer{active: active, aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, id := range ids {
		if err := validSealerKeyID(id); err != nil {
			return nil, fmt.Errorf("audit: sealer: key %d of %d: %w", i+1, len(ids), err)
		}
		key := keys[id]
		if len(key) != AESKeySize {
			// The length is safe to report; the bytes are not.
			return nil, fmt.Errorf("audit: sealer: key %d of %d is %d bytes, want %d", i+1, len(ids), len(key), AESKeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("audit: sealer: key %d of %d: invalid AES key", i+1, len(ids))
		}
		// NewGCMWithRandomNonce draws the nonce from crypto/rand on every Seal and prepends
		// it, so callers cannot reuse a nonce by mistake.
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("audit: sealer: key %d of %d: %w", i+1, len(ids), err)
		}
		s.aeads[id] = aead
	}
	return s, nil
}

// Seal implements Sealer with the active key.
func (s *aesGCMSealer) Seal(plaintext, aad []byte) ([]byte, string, error) {
	return s.aeads[s.active].Seal(nil, nil, plaintext, aad), s.active, nil
}

// Open implements Sealer with the key named by keyID.
func (s *aesGCMSealer) Open(ciphertext []byte, keyID string, aad []byte) ([]byte, error) {
	aead, ok := s.aeads[keyID]
	if !ok {
		// Key IDs are validated printable names, not secrets; naming it tells the operator
		// which retired key to put back.
		return nil, fmt.Errorf("audit: payload key %q is not configured", keyID)
	}
	plain, err := aead.Open(nil, nil, ciphertext, aad)
	if err != nil {
		return nil, errors.New("audit: payload failed authentication (wrong key, or altered data or record)")
	}
	return plain, nil
}

// validSealerKeyID keeps key IDs short and printable, the same rule the payload codec uses.
func validSealerKeyID(id string) error {
	if id == "" {
		return errors.New("empty key id")
	}
	if len(id) > maxSealerKeyIDLen {
		return fmt.Errorf("key id longer than %d characters", maxSealerKeyIDLen)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.'
		if !ok {
			return errors.New("key id may only hold letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}
