package payloadcodec

import (
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

const (
	// Encoding is the metadata encoding of encrypted payloads.
	Encoding = "binary/encrypted"
	// MetadataKeyID is the metadata key naming the key that encrypted a payload.
	MetadataKeyID = "encryption-key-id"
)

var (
	// ErrUnknownKey reports a payload encrypted with a key the keyring lacks.
	ErrUnknownKey = errors.New("payloadcodec: unknown encryption key id")
	// ErrDecrypt reports ciphertext that fails authentication (wrong key or
	// tampered data) or does not hold a payload.
	ErrDecrypt = errors.New("payloadcodec: payload decryption failed")
	// ErrPlaintext reports a payload a strict codec refuses because our codec did not
	// encrypt it: someone who reached the Temporal frontend sent it past the API.
	ErrPlaintext = errors.New("payloadcodec: payload is not encrypted")
)

// Codec is a converter.PayloadCodec that encrypts payloads with AES-256-GCM.
type Codec struct {
	keys *Keyring
	// strict refuses plaintext payloads on Decode instead of passing them through.
	strict bool
}

var _ converter.PayloadCodec = (*Codec)(nil)

// NewCodec returns a PayloadCodec that encrypts with the keyring's active key
// and decrypts with any of its keys.
func NewCodec(k *Keyring) converter.PayloadCodec { return &Codec{keys: k} }

// NewStrictCodec is NewCodec whose Decode fails on any payload our codec did not encrypt, so
// a worker fails the workflow task that would read a plaintext start input, signal or update.
func NewStrictCodec(k *Keyring) converter.PayloadCodec { return &Codec{keys: k, strict: true} }

// Encode encrypts each payload whole (metadata included, so the original
// encoding and type hints are hidden too) under the active key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.active
	aead := c.keys.aeads[id]
	// The key id is authenticated data: relabelling a payload with another
	// id fails authentication instead of decrypting under a different key.
	aad := []byte(id)
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payloadcodec: payload %d: marshal: %w", i, err)
		}
		sealed := aead.Seal(make([]byte, 0, len(plain)+aead.Overhead()), nil, plain, aad)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(id),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode decrypts payloads with the encrypted encoding and passes all others
// through unchanged; errors never contain plaintext.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			if c.strict {
				return nil, fmt.Errorf("%w (payload %d)", ErrPlaintext, i)
			}
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.keys.aeads[id]
		if !ok {
			return nil, fmt.Errorf("%w %q (payload %d)", ErrUnknownKey, shorten(id), i)
		}
		// Open parses the leading nonce itself and rejects short input.
		plain, err := aead.Open(nil, nil, p.GetData(), []byte(id))
		if err != nil {
			return nil, fmt.Errorf("%w (payload %d, key id %q): wrong key or tampered data", ErrDecrypt, i, id)
		}
		decoded := &commonpb.Payload{}
		// The proto error is dropped on purpose: it may quote decrypted bytes.
		if err := proto.Unmarshal(plain, decoded); err != nil {
			return nil, fmt.Errorf("%w (payload %d, key id %q): plaintext is not a payload", ErrDecrypt, i, id)
		}
		out[i] = decoded
	}
	return out, nil
}

// shorten bounds an attacker-controlled key id before it enters an error.
func shorten(id string) string {
	if len(id) > maxKeyIDLen {
		return id[:maxKeyIDLen] + "..."
	}
	return id
}
