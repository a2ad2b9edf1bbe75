package hl7

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Every testdata message encodes back to exactly its own bytes, and the
// same message with \n or \r\n terminators gives the same model.
func TestRoundTripTestdata(t *testing.T) {
	for _, name := range testdataFiles(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			in := readFile(t, name)
			if bytes.ContainsAny(in, "\n") || !bytes.HasSuffix(in, []byte("\r")) {
				t.Fatal("testdata must use \\r segment terminators")
			}
			m, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("round trip differs:\n got %q\nwant %q", out, in)
			}
			for _, term := range []string{"\n", "\r\n"} {
				alt, err := ParseString(strings.ReplaceAll(string(in), "\r", term))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(alt, m) {
					t.Fatalf("model with %q terminators differs", term)
				}
			}
			// Appending to a buffer gives the same bytes after the prefix.
			framed, err := m.AppendEncode([]byte{0x0b})
			if err != nil || !bytes.Equal(framed[1:], in) || framed[0] != 0x0b {
				t.Fatalf("AppendEncode = %q, %v", framed, err)
			}
		})
	}
}

// Empty fields, components and repetitions, trailing ones included, and
// escape sequences the package does not interpret survive a round trip.
func TestRoundTripPreservesStructure(t *testing.T) {
	tests := []string{
		"MSH|^~\\&|||||||ADT^A01|1|P|2.5.1|||||\r",
		"MSH|^~\\&\rPID\r",
		"MSH|^~\\&\rPID|\rPV1||\r",
		"MSH|^~\\&\rPID|1||A^^^^~^B^^~~||^^^^^||\r",
		"MSH|^~\\&\rNTE|1||\\H\\bold\\N\\ \\.br\\ \\X0D\\ \\Zlocal\\ \\E\\ \\x\\ \\\r",
		"MSH|^~\\&\rOBX|1|ED|X||^AP^PDF^Base64^JVBERi0xLjQK&&&\r",
		"MSH|^~\\&|\xe9t\xe9|\x00bin\xff\rZZZ|\"\"|\r",
		"MSH#*!@%#A*B!C%D#@F@\rPID#1##X***H\r",
		"MSH|^~\\&#|A#B|\\P\\\r",
	}
	for _, in := range tests {
		m := mustParse(t, in)
		if got := mustEncode(t, m); got != in {
			t.Errorf("round trip:\n got %q\nwant %q", got, in)
		}
	}
}
