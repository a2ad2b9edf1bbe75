package clearinghouse

import (
	"crypto/sha1"
	"errors"
	"fmt"
)

// MaxPayloadIDLen is the longest PayloadID this client sends. CORE asks for
// an ISO UUID (36 characters); clearinghouses commonly store up to 50.
const MaxPayloadIDLen = 50

// ValidatePayloadID reports whether id can be sent as a CORE PayloadID: 1 to
// MaxPayloadIDLen characters from letters, digits and "-._:", starting with
// a letter or digit. A UUID always passes.
func ValidatePayloadID(id string) error {
	if id == "" {
		return errors.New("PayloadID is empty")
	}
	if len(id) > MaxPayloadIDLen {
		return fmt.Errorf("PayloadID is %d characters, at most %d allowed", len(id), MaxPayloadIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && (i == 0 || c != '-' && c != '_' && c != '.' && c != ':') {
			// The position, not the character, keeps the message free of
			// whatever the caller put in its key.
			return fmt.Errorf("PayloadID has a character not allowed at position %d", i)
		}
	}
	return nil
}

// payloadNamespace is the RFC 9562 URL namespace; DerivePayloadID names keys
// inside it so the same key always maps to the same UUID.
var payloadNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
	0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// DerivePayloadID returns a name-based (version 5) UUID for an idempotency
// key such as a workflow ID plus step name. It is deterministic, so a
// retried activity sends the same PayloadID, and it fits CORE's UUID format
// whatever the key's length or characters.
func DerivePayloadID(key string) string {
	h := sha1.New()
	h.Write(payloadNamespace[:])
	h.Write([]byte("urn:careflow:core-payload:" + key))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
