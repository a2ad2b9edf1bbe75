// Package payloadcodec encrypts Temporal payloads so that PHI never reaches the
// Temporal server in clear text, and serves the codec endpoints the Web UI
// calls to show decrypted values to operators.
package payloadcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of every payload key (AES-256).
const KeySize = 32

// maxKeyIDLen bounds key ids; they travel in every payload's metadata.
const maxKeyIDLen = 64

// Keyring holds the AES-256 keys by id: the first key encrypts, every key
// decrypts, so old payloads stay readable after a rotation. Random 96-bit
// nonces make a key safe for about 2^32 encryptions; rotate well before that.
type Keyring struct {
	active string
	ids    []string
	aeads  map[string]cipher.AEAD
	// derived holds per-purpose subkeys (HMAC-SHA256 of the key over the purpose), so other
	// stores can encrypt with the same rotation without reusing payload keys directly.
	derived map[string]map[string][]byte
}

// NewKeyring builds a Keyring from raw keys in order; ids[0] becomes active.
func NewKeyring(ids []string, keys [][]byte) (*Keyring, error) {
	if len(ids) == 0 || len(ids) != len(keys) {
		return nil, errors.New("payloadcodec: need at least one key and one id per key")
	}
	k := &Keyring{active: ids[0], aeads: make(map[string]cipher.AEAD, len(ids))}
	for i, id := range ids {
		if err := validKeyID(id); err != nil {
			return nil, fmt.Errorf("payloadcodec: key %d: %w", i+1, err)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("payloadcodec: key %d: duplicate key id", i+1)
		}
		if len(keys[i]) != KeySize {
			// The length is safe to report; the bytes are not.
			return nil, fmt.Errorf("payloadcodec: key %d: decoded key is %d bytes, want %d", i+1, len(keys[i]), KeySize)
		}
		block, err := aes.NewCipher(keys[i])
		if err != nil {
			return nil, fmt.Errorf("payloadcodec: key %d: invalid AES key", i+1)
		}
		// NewGCMWithRandomNonce draws a fresh 12-byte nonce per Seal and
		// prepends it, which is exactly the nonce||ciphertext wire format.
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("payloadcodec: key %d: %w", i+1, err)
		}
		k.ids = append(k.ids, id)
		k.aeads[id] = aead
		for _, purpose := range derivedPurposes {
			if k.derived == nil {
				k.derived = map[string]map[string][]byte{}
			}
			if k.derived[purpose] == nil {
				k.derived[purpose] = map[string][]byte{}
			}
			mac := hmac.New(sha256.New, keys[i])
			mac.Write([]byte("careflow/" + purpose + "/v1"))
			k.derived[purpose][id] = mac.Sum(nil)
		}
	}
	return k, nil
}

// PurposeAudit names the subkeys that encrypt raw messages kept in the audit trail.
const PurposeAudit = "audit-payload"

// derivedPurposes are the subkey purposes every Keyring derives.
var derivedPurposes = []string{PurposeAudit}

// DerivedKeys returns 32-byte subkeys for purpose by key id, and the active id. Each is
// independent of the payload key it comes from (HMAC-SHA256 over the purpose), so a store
// encrypting with them never shares a key with Temporal payloads.
func (k *Keyring) DerivedKeys(purpose string) (map[string][]byte, string) {
	out := make(map[string][]byte, len(k.derived[purpose]))
	for id, v := range k.derived[purpose] {
		out[id] = append([]byte(nil), v...)
	}
	return out, k.active
}

// ParseKeys parses a PAYLOAD_KEYS spec "id:base64key[,id:base64key...]";
// the first key is active and errors never contain key material.
func ParseKeys(spec string) (*Keyring, error) {
	var ids []string
	var keys [][]byte
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("payloadcodec: key %d: empty entry (want id:base64key)", i+1)
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("payloadcodec: key %d: missing ':' (want id:base64key)", i+1)
		}
		id = strings.TrimSpace(id)
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("payloadcodec: key %d: %w", i+1, err)
		}
		ids = append(ids, id)
		keys = append(keys, key)
	}
	return NewKeyring(ids, keys)
}

// ActiveID returns the id of the key used for new encryptions.
func (k *Keyring) ActiveID() string { return k.active }

// IDs returns every key id in order, the active one first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// decodeKey accepts standard and URL-safe base64, padded or not, because
// operators generate keys with different tools.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty key")
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding,
	} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	// The decoder's error quotes the offending byte offset only, but a fixed
	// message is simpler to reason about.
	return nil, errors.New("key is not valid base64")
}

// validKeyID keeps ids short and printable because they are stored in every
// payload's metadata. Errors name keys by position, never by id: a reversed
// "key:id" entry would otherwise print the key.
func validKeyID(id string) error {
	if id == "" {
		return errors.New("empty key id")
	}
	if len(id) > maxKeyIDLen {
		return fmt.Errorf("key id longer than %d characters", maxKeyIDLen)
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
