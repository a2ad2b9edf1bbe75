package payloadcodec_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// jsonPayloads converts each value with the default data converter.
func jsonPayloads(t testing.TB, vs ...any) []*commonpb.Payload {
	t.Helper()
	out := make([]*commonpb.Payload, len(vs))
	for i, v := range vs {
		out[i] = jsonPayload(t, v)
	}
	return out
}

func TestCodecRoundTrip(t *testing.T) {
	codec := payloadcodec.NewCodec(mustKeys(t, newSpec("k1")))
	in := jsonPayloads(t, map[string]string{"name": marker}, 42, nil)
	enc, err := codec.Encode(in)
	require.NoError(t, err)
	require.Len(t, enc, len(in))
	for i, p := range enc {
		assert.Equal(t, payloadcodec.Encoding, string(p.Metadata[converter.MetadataEncoding]))
		assert.Equal(t, "k1", string(p.Metadata[payloadcodec.MetadataKeyID]))
		assert.Len(t, p.Metadata, 2, "original metadata must not leak")
		assert.NotContains(t, string(p.Data), marker)
		assert.NotContains(t, string(p.Data), "json/plain")
		assert.False(t, proto.Equal(in[i], p))
	}
	dec, err := codec.Decode(enc)
	require.NoError(t, err)
	require.Len(t, dec, len(in))
	for i := range in {
		assert.True(t, proto.Equal(in[i], dec[i]), "payload %d differs after round trip", i)
	}
}

func TestCodecNonceIsFresh(t *testing.T) {
	codec := payloadcodec.NewCodec(mustKeys(t, newSpec("k1")))
	in := jsonPayloads(t, marker)
	a, err := codec.Encode(in)
	require.NoError(t, err)
	b, err := codec.Encode(in)
	require.NoError(t, err)
	assert.NotEqual(t, a[0].Data, b[0].Data, "same plaintext must not give the same ciphertext")
}

func TestCodecPassesThroughUnencrypted(t *testing.T) {
	codec := payloadcodec.NewCodec(mustKeys(t, newSpec("k1")))
	plain := jsonPayloads(t, "not secret")
	dec, err := codec.Decode(plain)
	require.NoError(t, err)
	assert.Same(t, plain[0], dec[0])
}

func TestCodecRotation(t *testing.T) {
	oldSpec, newSpec := newSpec("2024-01"), newSpec("2025-06")
	oldCodec := payloadcodec.NewCodec(mustKeys(t, oldSpec))
	old, err := oldCodec.Encode(jsonPayloads(t, marker))
	require.NoError(t, err)

	rotated := payloadcodec.NewCodec(mustKeys(t, newSpec, oldSpec))
	dec, err := rotated.Decode(old)
	require.NoError(t, err)
	var got string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(dec[0], &got))
	assert.Equal(t, marker, got)

	fresh, err := rotated.Encode(jsonPayloads(t, marker))
	require.NoError(t, err)
	assert.Equal(t, "2025-06", string(fresh[0].Metadata[payloadcodec.MetadataKeyID]))
	// The old key alone cannot read new writes.
	_, err = oldCodec.Decode(fresh)
	assert.ErrorIs(t, err, payloadcodec.ErrUnknownKey)
}

func TestCodecUnknownKeyID(t *testing.T) {
	enc, err := payloadcodec.NewCodec(mustKeys(t, newSpec("gone"))).Encode(jsonPayloads(t, marker))
	require.NoError(t, err)
	_, err = payloadcodec.NewCodec(mustKeys(t, newSpec("k1"))).Decode(enc)
	require.ErrorIs(t, err, payloadcodec.ErrUnknownKey)
	assert.Contains(t, err.Error(), `"gone"`)
	assert.NotContains(t, err.Error(), marker)
}

func TestCodecTamperedData(t *testing.T) {
	// k2 holds the same key bytes as k1, so only the AAD binding can make
	// the relabelled case below fail.
	spec := newSpec("k1")
	codec := payloadcodec.NewCodec(mustKeys(t, spec, "k2"+strings.TrimPrefix(spec, "k1")))
	enc, err := codec.Encode(jsonPayloads(t, marker))
	require.NoError(t, err)
	data := enc[0].Data

	mutate := func(f func(p *commonpb.Payload)) *commonpb.Payload {
		p := proto.Clone(enc[0]).(*commonpb.Payload)
		f(p)
		return p
	}
	cases := map[string]*commonpb.Payload{
		"flipped ciphertext bit": mutate(func(p *commonpb.Payload) { p.Data[len(data)/2] ^= 1 }),
		"flipped nonce bit":      mutate(func(p *commonpb.Payload) { p.Data[0] ^= 0x80 }),
		"truncated":              mutate(func(p *commonpb.Payload) { p.Data = p.Data[:len(p.Data)-1] }),
		"shorter than nonce":     mutate(func(p *commonpb.Payload) { p.Data = p.Data[:5] }),
		"empty":                  mutate(func(p *commonpb.Payload) { p.Data = nil }),
		// Relabelling with another valid id must fail: the id is GCM AAD.
		"relabelled key id": mutate(func(p *commonpb.Payload) { p.Metadata[payloadcodec.MetadataKeyID] = []byte("k2") }),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := codec.Decode([]*commonpb.Payload{p})
			require.ErrorIs(t, err, payloadcodec.ErrDecrypt)
			assert.NotContains(t, err.Error(), marker)
		})
	}
	// The original is untouched by the mutations above and still decrypts.
	assert.True(t, bytes.Equal(data, enc[0].Data))
	_, err = codec.Decode(enc)
	require.NoError(t, err)
}

func TestDataConverterEncryptsValues(t *testing.T) {
	dc := payloadcodec.DataConverter(payloadcodec.NewCodec(mustKeys(t, newSpec("k1"))))
	p, err := dc.ToPayload(map[string]string{"name": marker})
	require.NoError(t, err)
	assert.Equal(t, payloadcodec.Encoding, string(p.Metadata[converter.MetadataEncoding]))
	assert.NotContains(t, string(p.Data), marker)

	var got map[string]string
	require.NoError(t, dc.FromPayload(p, &got))
	assert.Equal(t, marker, got["name"])
}

func TestFailureConverterEncryptsMessageAndStack(t *testing.T) {
	dc, fc := payloadcodec.ClientOptions(payloadcodec.NewCodec(mustKeys(t, newSpec("k1"))))
	require.NotNil(t, dc)
	f := fc.ErrorToFailure(temporal.NewApplicationError("lookup failed for "+marker, "NotFound"))
	assert.NotContains(t, f.GetMessage(), marker)
	assert.NotContains(t, f.GetStackTrace(), marker)
	require.NotNil(t, f.GetEncodedAttributes())
	assert.Equal(t, payloadcodec.Encoding, string(f.GetEncodedAttributes().Metadata[converter.MetadataEncoding]))
	assert.NotContains(t, string(f.GetEncodedAttributes().Data), marker)

	back := fc.FailureToError(f)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(back, &appErr))
	assert.Contains(t, appErr.Error(), marker)
	assert.Equal(t, "NotFound", appErr.Type())
}

func TestStrictCodecRefusesPlaintext(t *testing.T) {
	keys, err := payloadcodec.ParseKeys("k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	require.NoError(t, err)
	plain, err := converter.GetDefaultDataConverter().ToPayload("result from a forged signal")
	require.NoError(t, err)

	_, err = payloadcodec.NewStrictCodec(keys).Decode([]*commonpb.Payload{plain})
	require.ErrorIs(t, err, payloadcodec.ErrPlaintext)
	require.NotContains(t, err.Error(), "forged")
	passed, err := payloadcodec.NewCodec(keys).Decode([]*commonpb.Payload{plain})
	require.NoError(t, err, "the lenient codec (Web UI endpoint) passes plaintext through")
	require.Equal(t, plain, passed[0])

	sealed, err := payloadcodec.NewStrictCodec(keys).Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	opened, err := payloadcodec.NewStrictCodec(keys).Decode(sealed)
	require.NoError(t, err)
	require.Equal(t, plain.GetData(), opened[0].GetData())
}
