package hl7

import (
	"errors"
	"testing"
)

const pathMsg = "MSH|^~\\&|LIS|LAB&1.2.3&ISO|ME|HOSP|20240101||ORU^R01^ORU_R01|C\\T\\1|P|2.5.1\r" +
	"PID|1||MRN1^^^HOSP&2.16.1&ISO^MR~SSN9^^^SSA^SS||DOE\\S\\X^JANE^^^\r" +
	"OBX|1|NM|2823-3^Potassium^LN||6.8|mmol/L|3.5-5.1|HH|||F\r" +
	"OBX|2|ST|8251-1^Comment^LN||line one~line two||||||F\r"

func TestGet(t *testing.T) {
	m := mustParse(t, pathMsg)
	tests := map[string]string{
		"MSH-1":          "|",
		"MSH-2":          `^~\&`,
		"MSH-2[1]":       `^~\&`,
		"MSH-2.2":        "",
		"MSH-3":          "LIS",
		"MSH-4":          "LAB",
		"MSH-4.1.2":      "1.2.3",
		"MSH-9.2":        "R01",
		"MSH-10":         "C&1",
		"MSH-12":         "2.5.1",
		"MSH-13":         "",
		"PID-3":          "MRN1",
		"PID-3[1].1":     "MRN1",
		"PID-3[2]":       "SSN9",
		"PID-3[2].5":     "SS",
		"PID-3.4":        "HOSP",
		"PID-3.4.2":      "2.16.1",
		"PID-3[1].4.3":   "ISO",
		"PID-3[3]":       "",
		"PID-5":          "DOE^X",
		"PID-5.2":        "JANE",
		"PID-5.9":        "",
		"PID.5.2":        "JANE",
		"PID-5-2":        "JANE",
		"OBX-5":          "6.8",
		"OBX[1]-8":       "HH",
		"OBX[2]-5":       "line one",
		"OBX[2]-5[2]":    "line two",
		"OBX[3]-5":       "",
		"PV1-2":          "",
		"PID-99":         "",
		"PID":            "",
		"pid-3":          "",
		"PID-0":          "",
		"PID-3[0]":       "",
		"PID-3[":         "",
		"PID-3.1.1.1":    "",
		"PID-3x":         "",
		"PID-12345678":   "",
		"OBX[2]":         "",
		"":               "",
		"PID-3[2].4.1  ": "",
	}
	for path, want := range tests {
		if got := m.Get(path); got != want {
			t.Errorf("Get(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestRaw(t *testing.T) {
	m := mustParse(t, pathMsg)
	tests := map[string]string{
		"MSH-2":      `^~\&`,
		"MSH-9":      "ORU^R01^ORU_R01",
		"MSH-10":     `C\T\1`,
		"PID-3":      "MRN1^^^HOSP&2.16.1&ISO^MR~SSN9^^^SSA^SS",
		"PID-3[2]":   "SSN9^^^SSA^SS",
		"PID-3.4":    "HOSP&2.16.1&ISO",
		"PID-3.4.2":  "2.16.1",
		"PID-5":      `DOE\S\X^JANE^^^`,
		"PID-5.1":    `DOE\S\X`,
		"OBX[2]-5":   "line one~line two",
		"OBX[9]-5":   "",
		"bad path!!": "",
	}
	for path, want := range tests {
		if got := m.Raw(path); got != want {
			t.Errorf("Raw(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	m := mustParse(t, pathMsg)
	tests := map[string]int{"OBX": 2, "PID": 1, "NTE": 0, "PID-3": 2, "PID-5": 1, "PID-7": 0, "OBX[2]-5": 2, "PID-3[1]": 0, "OBX[2]": 0, "x": 0}
	for path, want := range tests {
		if got := m.Count(path); got != want {
			t.Errorf("Count(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestSet(t *testing.T) {
	const base = "MSH|^~\\&|A\rPID|1||X^^^H~Y||DOE&VAN^JANE\r"
	tests := []struct {
		path, value string
		want        string // the PID segment after Set, or the whole tail
	}{
		{"PID-1", "2", "PID|2||X^^^H~Y||DOE&VAN^JANE"},
		{"PID-5", "ROE", "PID|1||X^^^H~Y||ROE&VAN^JANE"},
		{"PID-5.2", "JO|HN", "PID|1||X^^^H~Y||DOE&VAN^JO\\F\\HN"},
		{"PID-5.1.2", "DE", "PID|1||X^^^H~Y||DOE&DE^JANE"},
		{"PID-5.1.4", "Z", "PID|1||X^^^H~Y||DOE&VAN&&Z^JANE"},
		{"PID-3[2].4", "SSA", "PID|1||X^^^H~Y^^^SSA||DOE&VAN^JANE"},
		{"PID-3[4]", "W", "PID|1||X^^^H~Y~~W||DOE&VAN^JANE"},
		{"PID-8", "F", "PID|1||X^^^H~Y||DOE&VAN^JANE|||F"},
		{"PID-8", "", "PID|1||X^^^H~Y||DOE&VAN^JANE"},
		{"PID-3[3]", "", "PID|1||X^^^H~Y||DOE&VAN^JANE"},
		{"PID-1", "a\rb", "PID|a\\X0D\\b||X^^^H~Y||DOE&VAN^JANE"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			m := mustParse(t, base)
			if err := m.Set(tt.path, tt.value); err != nil {
				t.Fatal(err)
			}
			if want := "MSH|^~\\&|A\r" + tt.want + "\r"; mustEncode(t, m) != want {
				t.Errorf("encoded %q, want %q", mustEncode(t, m), want)
			}
			if tt.value != "" && m.Get(tt.path) != tt.value {
				t.Errorf("Get after Set = %q", m.Get(tt.path))
			}
		})
	}
}

func TestSetSegments(t *testing.T) {
	m, err := NewMessage(Delims{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"MSH-10", "C1"}, {"MSH-9", "ORU"}, {"MSH-9.2", "R01"}, {"NTE-3", "one"}, {"NTE[2]-3", "two"}, {"NTE[1]-1", "1"}} {
		if err := m.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s): %v", kv[0], err)
		}
	}
	if got, want := mustEncode(t, m), "MSH|^~\\&|||||||ORU^R01|C1\rNTE|1||one\rNTE|||two\r"; got != want {
		t.Fatalf("encoded %q, want %q", got, want)
	}
	for _, p := range []string{"NTE[4]-3", "MSH-1", "MSH-2", "MSH[2]-3", "PID", "bad", "PID-0"} {
		if err := m.Set(p, "x"); err == nil {
			t.Errorf("Set(%q) succeeded", p)
		}
	}
	if err := m.Set("bad", "x"); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("malformed path error = %v", err)
	}
	// An empty message gets its MSH from the zero Delims.
	var empty Message
	if err := empty.Set("MSH-3", "APP"); err != nil {
		t.Fatal(err)
	}
	if got := mustEncode(t, &empty); got != "MSH|^~\\&|APP\r" {
		t.Fatalf("encoded %q", got)
	}
}

func TestSetRaw(t *testing.T) {
	m := mustParse(t, "MSH|^~\\&|A\rPID|1||X^^^H~Y\r")
	ok := []struct{ path, raw, want string }{
		{"MSH-9", "ORU^R01^ORU_R01", "MSH|^~\\&|A||||||ORU^R01^ORU_R01"},
		{"PID-3", "A~B^C", "PID|1||A~B^C"},
		{"PID-3[2]", "Z^^^Q", "PID|1||A~Z^^^Q"},
		{"PID-3[2].4", "H&1.2&ISO", "PID|1||A~Z^^^H&1.2&ISO"},
		{"PID-3[2].4.2", `3\T\4`, "PID|1||A~Z^^^H&3\\T\\4&ISO"},
	}
	for _, tt := range ok {
		if err := m.SetRaw(tt.path, tt.raw); err != nil {
			t.Fatalf("SetRaw(%s): %v", tt.path, err)
		}
		if !containsSegment(mustEncode(t, m), tt.want) {
			t.Fatalf("after SetRaw(%s) encoded %q, want segment %q", tt.path, mustEncode(t, m), tt.want)
		}
	}
	bad := []struct{ path, raw string }{
		{"PID-3", "a|b"}, {"PID-3", "a\rb"}, {"PID-3[1]", "a~b"}, {"PID-3.1", "a^b"}, {"PID-3.1.1", "a&b"}, {"MSH-2", "^~\\&"}, {"PID", "x"},
	}
	for _, tt := range bad {
		if err := m.SetRaw(tt.path, tt.raw); err == nil {
			t.Errorf("SetRaw(%q, %q) succeeded", tt.path, tt.raw)
		}
	}
}

func containsSegment(encoded, seg string) bool {
	for _, s := range splitFields(nil, encoded, '\r') {
		if s == seg {
			return true
		}
	}
	return false
}

func TestAddSegmentAndEncodeChecks(t *testing.T) {
	m, _ := NewMessage(DefaultDelims())
	if err := m.AddSegment("ZX1", "a", m.Delims.EscapeText("b|c")); err != nil {
		t.Fatal(err)
	}
	if got := mustEncode(t, m); got != "MSH|^~\\&\rZX1|a|b\\F\\c\r" {
		t.Fatalf("encoded %q", got)
	}
	for _, name := range []string{"MSH", "zx1", "ZX", "1AB"} {
		if err := m.AddSegment(name); err == nil {
			t.Errorf("AddSegment(%q) succeeded", name)
		}
	}
	// Encode refuses models that cannot be framed.
	broken := []*Message{
		{Delims: DefaultDelims(), Segments: []Segment{{Name: "MSH"}, {Name: "PID", Fields: []string{"a|b"}}}},
		{Delims: DefaultDelims(), Segments: []Segment{{Name: "MSH"}, {Name: "PID", Fields: []string{"a\nb"}}}},
		{Delims: DefaultDelims(), Segments: []Segment{{Name: "PID"}}},
		{Delims: DefaultDelims()},
		{Delims: DefaultDelims(), Segments: []Segment{{Name: "MSH"}, {Name: "MSH"}}},
		{Delims: DefaultDelims(), Segments: []Segment{{Name: "MSH"}, {Name: "P D"}}},
		{Segments: []Segment{{Name: "MSH"}}},
	}
	for i, b := range broken {
		if _, err := b.Encode(); err == nil {
			t.Errorf("broken model %d encoded", i)
		} else {
			asParseError(t, err)
		}
	}
	// MSH-1 and MSH-2 always come from Delims.
	m2 := &Message{Delims: Delims{'#', '*', '!', '@', '%', 0}, Segments: []Segment{{Name: "MSH", Fields: []string{"|", "^~\\&", "APP"}}}}
	if got := mustEncode(t, m2); got != "MSH#*!@%#APP\r" {
		t.Fatalf("encoded %q", got)
	}
}
