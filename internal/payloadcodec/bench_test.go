package payloadcodec_test

import (
	"crypto/rand"
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func benchPayloads(size int) []*commonpb.Payload {
	data := make([]byte, size)
	_, _ = rand.Read(data)
	return []*commonpb.Payload{{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte("binary/plain")},
		Data:     data,
	}}
}

func BenchmarkCodec(b *testing.B) {
	codec := payloadcodec.NewCodec(mustKeys(b, newSpec("k1")))
	for _, size := range []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}} {
		in := benchPayloads(size.n)
		enc, err := codec.Encode(in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("Encode/"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				if _, err := codec.Encode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Decode/"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				if _, err := codec.Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
