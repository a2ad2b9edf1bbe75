package ncpdp

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, fail only
// with a *DecodeError or *ValidationError, and every message it accepts must
// encode and decode back to the same value.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatal("no fixtures")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			var de *DecodeError
			var ve *ValidationError
			switch {
			case errors.As(err, &de):
				if m != nil || de.Kind == "" || de.Reason == "" {
					t.Fatal("decode error with a message or without kind and reason")
				}
			case errors.As(err, &ve):
				if m == nil || len(ve.Problems) == 0 {
					t.Fatal("validation error without message or problems")
				}
			default:
				t.Fatalf("untyped error %T", err)
			}
			return
		}
		if m.Type() == "" {
			t.Fatal("accepted message without exactly one body")
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode rejected what Decode accepted: %v", err)
		}
		back, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode rejected what Encode wrote: %v", err)
		}
		// The namespace is filled on encode; compare the rest.
		back.Xmlns, m.Xmlns = "", ""
		back.XMLName = m.XMLName
		if !reflect.DeepEqual(m, back) {
			t.Fatal("round trip changed the message")
		}
	})
}
