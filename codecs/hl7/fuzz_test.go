package hl7

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that its errors are
// *ParseError, and that encode(parse(x)) parses to the same model and
// encodes to the same bytes. The typed views, paths and BuildACK run on
// every accepted input to catch panics there too. Seeds live in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if m != nil {
				t.Fatal("message returned with an error")
			}
			return
		}
		enc, err := m.Encode()
		if err != nil {
			t.Fatalf("parsed model does not encode: %v", err)
		}
		m2, err := Parse(enc)
		if err != nil {
			t.Fatalf("encoded message does not parse: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("model changed in a round trip:\n%#v\n%#v", m, m2)
		}
		enc2, err := m2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("second encode differs: %v", err)
		}
		if h, err := ParseHeader(data); err != nil || !reflect.DeepEqual(h.Segments[0], m.Segments[0]) {
			t.Fatalf("ParseHeader disagrees with Parse: %v", err)
		}

		// Views and accessors must not panic on anything Parse accepts.
		_ = m.Header()
		_, _ = ParseORU(m)
		_, _ = ParseORM(m)
		_, _ = ParseACK(m)
		for _, p := range []string{"MSH-9.2", "PID-3[2].4.1", "OBX[2]-5", "MSH-2", "PID-3"} {
			_ = m.Get(p)
			_ = m.Raw(p)
			_ = m.Count(p)
		}
		ack, err := BuildACK(m, AckError, ErrCodeDataType, "bad value", time.Unix(0, 0), "ACK1")
		if err != nil {
			t.Fatalf("BuildACK: %v", err)
		}
		ackWire, err := ack.Encode()
		if err != nil {
			t.Fatalf("ACK does not encode: %v", err)
		}
		a, err := ParseACK(mustParse(t, string(ackWire)))
		if err != nil || a.ControlID != m.Delims.UnescapeText(nth(m.Segments[0].Field(10), m.Delims.Repetition, 1)) && a.ControlID != m.Get("MSH-10") {
			t.Fatalf("ACK does not echo MSH-10: %+v %v", a, err)
		}
		// Writing through Set keeps the model encodable.
		if err := m.Set("NTE[1]-3", "x|y^z\r"); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if _, err := m.Encode(); err != nil {
			t.Fatalf("encode after Set: %v", err)
		}
	})
}
