package audit

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// MaxPayloadBytes is the largest Record.Payload a store accepts (16 MiB), well above the
// MLLP listener's default message limit; it keeps a runaway caller from bloating the trail.
const MaxPayloadBytes = 16 << 20

// ErrNoSealer is returned when a record carries a Payload, or a stored payload is read,
// on a store opened without a Sealer: payloads are never stored in clear.
var ErrNoSealer = errors.New("audit: store has no payload sealer")

// Sealer encrypts and authenticates record payloads for storage. Stores pass the record's
// identity as aad (see payloadAAD), so a sealed payload only opens for the record it was
// appended with. Implementations must be safe for concurrent use.
type Sealer interface {
	// Seal encrypts plaintext bound to aad and names the key it used.
	Seal(plaintext, aad []byte) (ciphertext []byte, keyID string, err error)
	// Open decrypts ciphertext sealed under keyID with the same aad.
	Open(ciphertext []byte, keyID string, aad []byte) ([]byte, error)
}

// Options configures a store beyond its location; the zero value is a store without
// payload support.
type Options struct {
	// Sealer encrypts Record.Payload; without one, appending a record with a Payload fails.
	Sealer Sealer
}

// sealedPayload is a payload in the form the stores keep it.
type sealedPayload struct {
	data  []byte
	keyID string
}

// columns returns the values bound to the payload and payload_key_id columns; a record
// without a payload stores NULL in both.
func (p *sealedPayload) columns() (data, keyID any) {
	if p == nil {
		return nil, nil
	}
	return p.data, p.keyID
}

// sealRecord encrypts r.Payload for storage. r must have been through prepare, because the
// AAD covers the final At. It returns r as every store hands it back: Payload cleared (the
// plaintext is not kept beyond this call) and HasPayload saying whether one was sealed.
func sealRecord(s Sealer, r Record) (Record, *sealedPayload, error) {
	plain := r.Payload
	r.Payload = nil
	r.HasPayload = len(plain) > 0
	if !r.HasPayload {
		return r, nil, nil
	}
	if len(plain) > MaxPayloadBytes {
		return Record{}, nil, fmt.Errorf("audit: record payload is %d bytes, limit %d", len(plain), MaxPayloadBytes)
	}
	if s == nil {
		return Record{}, nil, ErrNoSealer
	}
	data, keyID, err := s.Seal(plain, payloadAAD(r))
	if err != nil {
		return Record{}, nil, fmt.Errorf("audit: seal payload: %w", err)
	}
	// An empty ciphertext would be stored as NULL and read back as "no payload", and the key
	// ID is needed to open it again; refuse both rather than lose the message.
	if len(data) == 0 {
		return Record{}, nil, errors.New("audit: seal payload: sealer returned no ciphertext")
	}
	if keyID == "" || checkText(keyID) != nil {
		return Record{}, nil, errors.New("audit: seal payload: sealer returned an unusable key id")
	}
	return r, &sealedPayload{data: data, keyID: keyID}, nil
}

// openRecord decrypts the payload stored with r, as read back from a store.
func openRecord(s Sealer, r Record, p sealedPayload) ([]byte, error) {
	if s == nil {
		return nil, ErrNoSealer
	}
	plain, err := s.Open(p.data, p.keyID, payloadAAD(r))
	if err != nil {
		// The sealer's error names a key or an authentication failure, never the contents.
		return nil, fmt.Errorf("audit: open payload of record %d: %w", r.ID, err)
	}
	return plain, nil
}

// payloadAAD is the additional authenticated data a payload is sealed with: every stored
// field of its record except the ID, which the database assigns only after sealing. A
// payload copied onto another record, or a record whose fields were altered behind the
// store's back, therefore fails to open. The version prefix allows a different layout later.
// Strings are length-prefixed so that no two field lists encode to the same bytes.
func payloadAAD(r Record) []byte {
	b := make([]byte, 0, 64+len(r.Actor)+len(r.Action)+len(r.Process)+len(r.Vendor)+
		len(r.Exchange)+len(r.Outcome)+len(r.Code))
	b = append(b, "careflow.audit.payload.v1\x00"...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.At.UnixMicro()))
	for _, f := range []string{r.Actor, r.Action, r.Process, r.Vendor, r.Exchange, r.Outcome, r.Code} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return binary.BigEndian.AppendUint64(b, uint64(r.Latency))
}
