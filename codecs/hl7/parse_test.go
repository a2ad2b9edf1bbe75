package hl7

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDelimiters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Delims
	}{
		{"standard", "MSH|^~\\&|A\r", Delims{'|', '^', '~', '\\', '&', 0}},
		{"custom", "MSH#*!@%#A\r", Delims{'#', '*', '!', '@', '%', 0}},
		{"v2.7 truncation", "MSH|^~\\&#|A\r", Delims{'|', '^', '~', '\\', '&', '#'}},
		{"header only", "MSH|^~\\&", Delims{'|', '^', '~', '\\', '&', 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.in)
			if m.Delims != tt.want {
				t.Fatalf("delims = %+v, want %+v", m.Delims, tt.want)
			}
			if got := m.Get("MSH-1"); got != string(tt.want.Field) {
				t.Errorf("MSH-1 = %q", got)
			}
			if got := m.Get("MSH-2"); got != tt.want.EncodingCharacters() {
				t.Errorf("MSH-2 = %q, want %q", got, tt.want.EncodingCharacters())
			}
		})
	}
}

func TestParseRejectsBadDelimiters(t *testing.T) {
	tests := []struct {
		name, in string
		field    int
	}{
		{"three encoding chars", "MSH|^~\\|A", 2},
		{"six encoding chars", "MSH|^~\\&#$|A", 2},
		{"duplicate", "MSH|^~^&|A", 2},
		{"field equals component", "MSH|^~\\|", 2},
		{"letter", "MSH|^~\\A|B", 2},
		{"digit field separator", "MSH1^~\\&1B", 1},
		{"space", "MSH|^~ &|B", 2},
		{"control char", "MSH|^~\x01&|B", 2},
		{"non-ASCII", "MSH|^~\xc3&|B", 2},
		{"NUL truncation character", "MSH|^~\\&\x00|B", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseString(tt.in)
			pe := asParseError(t, err)
			if pe.Segment != 1 || pe.Field != tt.field {
				t.Errorf("location = %d/%d, want 1/%d (%v)", pe.Segment, pe.Field, tt.field, err)
			}
		})
	}
}

func TestParseSegmentTerminators(t *testing.T) {
	want := mustParse(t, "MSH|^~\\&|A|B\rPID|1||X\rOBX|1|NM|K||6.8\r")
	for name, in := range map[string]string{
		"LF":                 "MSH|^~\\&|A|B\nPID|1||X\nOBX|1|NM|K||6.8\n",
		"CRLF":               "MSH|^~\\&|A|B\r\nPID|1||X\r\nOBX|1|NM|K||6.8\r\n",
		"mixed and blank":    "\r\nMSH|^~\\&|A|B\r\n\r\nPID|1||X\n\nOBX|1|NM|K||6.8",
		"no final separator": "MSH|^~\\&|A|B\rPID|1||X\rOBX|1|NM|K||6.8",
	} {
		t.Run(name, func(t *testing.T) {
			got := mustParse(t, in)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("model differs:\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	// The marker stands for patient data: it must never show up in an error.
	const phi = "SECRETDOE"
	tests := []struct {
		name         string
		in           string
		segment, fld int
	}{
		{"empty", "", 1, 0},
		{"garbage", phi + " garbage \x00\xff", 1, 0},
		{"no MSH", "PID|1||" + phi + "\r", 1, 0},
		{"MSH too short", "MSH|^~", 1, 0},
		{"lower-case segment", "MSH|^~\\&|A\rpid|1|" + phi + "\r", 2, 0},
		{"name without separator", "MSH|^~\\&|A\rPIDX" + phi + "\r", 2, 0},
		{"short segment name", "MSH|^~\\&|A\rPI\r", 2, 0},
		{"digit-first segment name", "MSH|^~\\&|A\r1ID|" + phi + "\r", 2, 0},
		{"second MSH", "MSH|^~\\&|A\rPID|1\rMSH|^~\\&|" + phi + "\r", 3, 0},
		{"batch header", "BHS|^~\\&|" + phi + "\rMSH|^~\\&|A\r", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseString(tt.in)
			if m != nil {
				t.Fatal("message returned with an error")
			}
			pe := asParseError(t, err)
			if pe.Segment != tt.segment || pe.Field != tt.fld {
				t.Errorf("location = %d/%d, want %d/%d", pe.Segment, pe.Field, tt.segment, tt.fld)
			}
			if pe.Reason == "" || strings.Contains(err.Error(), phi) {
				t.Errorf("bad error text %q", err)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	in := []byte("MSH|^~\\&|LIS|LAB|ME|HOSP|20240101||ORU^R01|C123|P|2.5.1\rthis is not a segment\r")
	if _, err := Parse(in); err == nil {
		t.Fatal("Parse accepted a broken message")
	}
	m, err := ParseHeader(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Segments) != 1 || m.Get("MSH-10") != "C123" || m.Get("MSH-9.2") != "R01" {
		t.Fatalf("header = %#v", m.Segments)
	}
	if _, err := ParseHeader([]byte("garbage")); err == nil {
		t.Fatal("ParseHeader accepted garbage")
	}
}

func TestParseFieldsAndMSHNumbering(t *testing.T) {
	m := mustParse(t, "MSH|^~\\&|LIS|LAB|ME|HOSP|20240101||ORU^R01^ORU_R01|C123|P|2.5.1\rPID|1||A~B||\rNTE\rZZ1|\r")
	if len(m.Segments) != 4 {
		t.Fatalf("%d segments", len(m.Segments))
	}
	msh := &m.Segments[0]
	if msh.Field(1) != "|" || msh.Field(2) != "^~\\&" || msh.Field(3) != "LIS" || msh.Field(12) != "2.5.1" || msh.Field(13) != "" {
		t.Errorf("MSH fields = %q", msh.Fields)
	}
	if got, want := m.Segments[1].Fields, []string{"1", "", "A~B", "", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("PID fields = %q, want %q", got, want)
	}
	if m.Segments[2].Name != "NTE" || m.Segments[2].Fields != nil {
		t.Errorf("NTE = %#v", m.Segments[2])
	}
	if got := m.Segments[3].Fields; !reflect.DeepEqual(got, []string{""}) {
		t.Errorf("ZZ1 fields = %q", got)
	}
	if m.Segment("PID") != &m.Segments[1] || m.Segment("OBX") != nil || len(m.SegmentsNamed("NTE")) != 1 {
		t.Error("segment lookup")
	}
	h := m.Header()
	if h.SendingApplication != "LIS" || h.MessageType != "ORU" || h.TriggerEvent != "R01" || h.Structure != "ORU_R01" ||
		h.ControlID != "C123" || h.Version != "2.5.1" || h.ProcessingID != "P" || h.Time != "20240101" {
		t.Errorf("header = %+v", h)
	}
}

// Growing one segment must not overwrite the next one's fields, which share
// the parse arena.
func TestSetDoesNotClobberNeighbour(t *testing.T) {
	m := mustParse(t, "MSH|^~\\&|A\rPID|1|2\rPV1|x|y\r")
	if err := m.Set("PID-5", "NEW"); err != nil {
		t.Fatal(err)
	}
	if got := mustEncode(t, m); got != "MSH|^~\\&|A\rPID|1|2|||NEW\rPV1|x|y\r" {
		t.Fatalf("encoded %q", got)
	}
}
