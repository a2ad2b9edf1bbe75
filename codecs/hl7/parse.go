package hl7

import (
	"bytes"
	"strings"
)

// Parse parses one HL7 v2 message. Segments may end in \r (the standard),
// \n or \r\n; empty lines are skipped. The first segment must be MSH, whose
// MSH-1 and MSH-2 declare the delimiters for the rest of the message. Fields
// are kept in wire form, so Encode reproduces them byte for byte. Errors are
// *ParseError values and never quote the input.
func Parse(data []byte) (*Message, error) {
	return parse(string(data))
}

// ParseString is Parse for a message already held in a string; the message
// shares s's memory instead of copying it.
func ParseString(s string) (*Message, error) {
	return parse(s)
}

// ParseHeader parses only the first segment, which must be a valid MSH, and
// ignores the rest. Receivers use it to address an AR acknowledgment to the
// sender of a message Parse rejected.
func ParseHeader(data []byte) (*Message, error) {
	// Cut the first line before converting so a large message is not copied.
	i := 0
	for i < len(data) && (data[i] == '\r' || data[i] == '\n') {
		i++
	}
	data = data[i:]
	if j := bytes.IndexAny(data, "\r\n"); j >= 0 {
		data = data[:j]
	}
	return parse(string(data))
}

func parse(s string) (*Message, error) {
	s = strings.TrimLeft(s, "\r\n")
	if len(s) < 3 || s[:3] != "MSH" {
		return nil, &ParseError{Segment: 1, Reason: "first segment is not MSH"}
	}
	line := s
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		line = s[:i]
	}
	d, end, err := delimsFromMSH(line)
	if err != nil {
		return nil, err
	}
	// One backing array for every segment's fields keeps parsing to a few
	// allocations; each segment's slice is capped so that growing one
	// segment (Set) copies instead of overwriting its neighbour.
	nlines := strings.Count(s, "\r") + strings.Count(s, "\n") + 1
	arena := make([]string, 0, strings.Count(s, string(d.Field))+nlines)
	m := &Message{Delims: d, Segments: make([]Segment, 0, nlines)}

	// MSH-1 and MSH-2 are not split: they are the delimiters themselves.
	arena = append(arena, line[3:4], line[4:end])
	if end < len(line) {
		arena = splitFields(arena, line[end+1:], d.Field)
	}
	m.Segments = append(m.Segments, Segment{Name: "MSH", Fields: arena[0:len(arena):len(arena)]})

	pos := len(line)
	for pos < len(s) {
		// Skip the terminator run (\r, \n, \r\n or blank lines).
		for pos < len(s) && (s[pos] == '\r' || s[pos] == '\n') {
			pos++
		}
		if pos == len(s) {
			break
		}
		n := len(m.Segments) + 1
		if len(s)-pos < 3 || !validSegmentName(s[pos:pos+3]) {
			return nil, &ParseError{Segment: n, Reason: "invalid segment name"}
		}
		seg := Segment{Name: s[pos : pos+3]}
		pos += 3
		if pos < len(s) && s[pos] != '\r' && s[pos] != '\n' {
			if s[pos] != d.Field {
				return nil, &ParseError{Segment: n, Reason: "segment name not followed by the field separator"}
			}
			if seg.Name == "MSH" {
				return nil, &ParseError{Segment: n, Reason: "second MSH segment (batches are not supported)"}
			}
			// One pass splits fields and finds the end of the segment.
			start := len(arena)
			from := pos + 1
			for pos++; pos < len(s); pos++ {
				c := s[pos]
				if c == d.Field {
					arena = append(arena, s[from:pos])
					from = pos + 1
				} else if c == '\r' || c == '\n' {
					break
				}
			}
			arena = append(arena, s[from:pos])
			seg.Fields = arena[start:len(arena):len(arena)]
		} else if seg.Name == "MSH" {
			return nil, &ParseError{Segment: n, Reason: "second MSH segment (batches are not supported)"}
		}
		m.Segments = append(m.Segments, seg)
	}
	return m, nil
}

// splitFields appends the sep-separated parts of s to dst.
func splitFields(dst []string, s string, sep byte) []string {
	for {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}
