package mllp_test

import (
	"bytes"
	"testing"

	"github.com/careflow/engine/transport/mllp"
)

// BenchmarkRoundTrip measures one message and its ACK over loopback TCP with
// a handler that formats the ACK, i.e. the transport's own cost per message.
func BenchmarkRoundTrip(b *testing.B) {
	addr := startServer(b, &mllp.Server{Handler: echoHandler})
	c := newClient(b, addr)
	msg := hl7Message("BENCH")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(b.Context(), msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrameReader measures framing alone on an in-memory stream.
func BenchmarkFrameReader(b *testing.B) {
	one := frame(string(hl7Message("BENCH")))
	stream := bytes.Repeat(one, 100)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		fr := mllp.NewFrameReader(bytes.NewReader(stream), 0)
		for range 100 {
			if _, err := fr.ReadFrame(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
