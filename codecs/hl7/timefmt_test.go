package hl7

import (
	"testing"
	"time"
)

func mustTime(s string) time.Time {
	t, err := ParseTime(s, nil)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseTime(t *testing.T) {
	est := time.FixedZone("", -5*3600)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = est
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2024", nil, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"202403", nil, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"20240315", nil, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"2024031508", nil, time.Date(2024, 3, 15, 8, 0, 0, 0, time.UTC)},
		{"202403150830", nil, time.Date(2024, 3, 15, 8, 30, 0, 0, time.UTC)},
		{"20240315083015", nil, time.Date(2024, 3, 15, 8, 30, 15, 0, time.UTC)},
		{"20240315083015.1234", nil, time.Date(2024, 3, 15, 8, 30, 15, 123400000, time.UTC)},
		{"20240315083015-0500", nil, time.Date(2024, 3, 15, 8, 30, 15, 0, est)},
		{"20240315083015.5+0130", nil, time.Date(2024, 3, 15, 8, 30, 15, 500000000, time.FixedZone("", 5400))},
		{"202403150830-0500", nil, time.Date(2024, 3, 15, 8, 30, 0, 0, est)},
		{"20240315083015", ny, time.Date(2024, 3, 15, 8, 30, 15, 0, ny)},
		{"20240229", nil, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, tt.loc)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "20", "202", "2024031", "20240230", "20231301", "20240315250000", "20240315086000",
		"20240315083015.", "20240315083015.12345", "20240315083015-05", "20240315083015-05x0", "2024-03-15", "20240315083015+9900", "abcd"} {
		if _, err := ParseTime(bad, nil); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestFormatTime(t *testing.T) {
	ts := time.Date(2024, 3, 15, 8, 30, 15, 999, time.FixedZone("", -5*3600))
	if got := FormatTime(ts); got != "20240315083015-0500" {
		t.Fatalf("FormatTime = %q", got)
	}
	if back := mustTime(FormatTime(ts)); !back.Equal(ts.Truncate(time.Second)) {
		t.Fatalf("round trip %v", back)
	}
}

func TestParseNM(t *testing.T) {
	ok := map[string]float64{"6.8": 6.8, "+6.8": 6.8, "-0.5": -0.5, ".5": 0.5, "5.": 5, " 140 ": 140, "0007": 7}
	for in, want := range ok {
		if got, err := ParseNM(in); err != nil || got != want {
			t.Errorf("ParseNM(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "+", ".", "1.2.3", "1e5", "NaN", "Inf", "0x10", "1,5", "6.8 mmol", "--1"} {
		if _, err := ParseNM(bad); err == nil {
			t.Errorf("ParseNM(%q) accepted", bad)
		}
	}
}
