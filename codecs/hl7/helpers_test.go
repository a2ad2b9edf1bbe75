package hl7

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// testdataFiles returns the names of testdata/*.hl7 in sorted order.
func testdataFiles(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 8 {
		t.Fatalf("expected at least 8 testdata messages, found %d", len(names))
	}
	sort.Strings(names)
	return names
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustParse parses a testdata file or a literal and fails the test on error.
func mustParseFile(t testing.TB, name string) *Message {
	t.Helper()
	m, err := Parse(readFile(t, filepath.Join("testdata", name)))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return m
}

func mustParse(t testing.TB, s string) *Message {
	t.Helper()
	m, err := ParseString(s)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

func mustEncode(t testing.TB, m *Message) string {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return string(b)
}

// asParseError fails the test unless err is a *ParseError.
func asParseError(t testing.TB, err error) *ParseError {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want *ParseError, got %T %v", err, err)
	}
	return pe
}
