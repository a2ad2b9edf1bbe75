package payloadcodec_test

import (
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// FuzzDecode feeds arbitrary encodings, key ids and bytes to Decode, which
// must never panic and must only succeed for authentic ciphertext.
func FuzzDecode(f *testing.F) {
	keys := mustKeys(f, newSpec("k1"), newSpec("k0"))
	codec := payloadcodec.NewCodec(keys)
	valid, err := codec.Encode([]*commonpb.Payload{jsonPayload(f, marker)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payloadcodec.Encoding, "k1", valid[0].Data)
	f.Add(payloadcodec.Encoding, "k0", valid[0].Data)
	f.Add(payloadcodec.Encoding, "", []byte{})
	f.Add(payloadcodec.Encoding, "k1", valid[0].Data[:12])
	f.Add("json/plain", "k1", []byte(`"x"`))

	f.Fuzz(func(t *testing.T, encoding, keyID string, data []byte) {
		in := &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(encoding),
				payloadcodec.MetadataKeyID: []byte(keyID),
			},
			Data: data,
		}
		snapshot := proto.Clone(in)
		out, err := codec.Decode([]*commonpb.Payload{in})
		if !proto.Equal(in, snapshot) {
			t.Fatal("Decode mutated its input")
		}
		if err != nil {
			return
		}
		if len(out) != 1 || out[0] == nil {
			t.Fatalf("Decode returned %d payloads without error", len(out))
		}
		if encoding != payloadcodec.Encoding && out[0] != in {
			t.Fatal("a foreign encoding was not passed through")
		}
	})
}
