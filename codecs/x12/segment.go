package x12

import "strings"

// Segment is one X12 segment split into its elements. Element values are
// substrings of one private copy of the input, so a Segment stays valid after
// the caller reuses its buffer.
type Segment struct {
	// Index is the 1-based position of the segment in the interchange.
	Index int
	// ID is the segment tag, e.g. "NM1".
	ID string
	// Elements holds the data elements after the tag: Elements[0] is NM101.
	Elements []string

	component, repetition byte
}

// Len returns the number of data elements present (trailing empty elements
// are usually omitted by senders, so Len may be below the standard maximum).
func (s *Segment) Len() int { return len(s.Elements) }

// Element returns element n (1-based, as in NM103), or "" when absent.
func (s *Segment) Element(n int) string {
	if n < 1 || n > len(s.Elements) {
		return ""
	}
	return s.Elements[n-1]
}

// Component returns component c (1-based) of element n, or "" when absent.
// It does not allocate.
func (s *Segment) Component(n, c int) string {
	return nth(s.Element(n), s.component, c)
}

// Components returns the components of element n, or nil when it is empty.
func (s *Segment) Components(n int) []string {
	return splitNonEmpty(s.Element(n), s.component)
}

// Repetitions returns the repeats of element n (EB03 "30^98"), or nil when it
// is empty. Without a declared repetition separator the element is one repeat.
func (s *Segment) Repetitions(n int) []string {
	return splitNonEmpty(s.Element(n), s.repetition)
}

// nth returns the c-th (1-based) sep-separated part of v.
func nth(v string, sep byte, c int) string {
	if c < 1 {
		return ""
	}
	for i := 1; ; i++ {
		j := strings.IndexByte(v, sep)
		if sep == 0 || j < 0 {
			if i == c {
				return v
			}
			return ""
		}
		if i == c {
			return v[:j]
		}
		v = v[j+1:]
	}
}

// splitNonEmpty splits v on sep, returning nil for an empty v.
func splitNonEmpty(v string, sep byte) []string {
	if v == "" {
		return nil
	}
	if sep == 0 {
		return []string{v}
	}
	return strings.Split(v, byteString(sep))
}

// isaMaxLen bounds the search for the ISA's sixteenth element separator; a
// conforming ISA is 106 bytes, so anything far longer is not an ISA.
const isaMaxLen = 160

// Split reads the delimiters from the ISA segment at the start of data and
// splits the whole interchange into segments. It tolerates leading white
// space, CR, LF or CRLF after each segment terminator, and trailing line
// breaks; it checks segment tags but not the envelope structure (Parse271 and
// Parse999 do that).
func Split(data []byte) (Delimiters, []Segment, error) {
	start := 0
	for start < len(data) && isSpace(data[start]) {
		start++
	}
	if len(data)-start >= 3 && data[start] == 0xEF && data[start+1] == 0xBB && data[start+2] == 0xBF {
		start += 3 // a UTF-8 byte order mark some Windows tools prepend
	}
	d, err := readDelimiters(data[start:])
	if err != nil {
		return Delimiters{}, nil, err
	}
	// One copy of the input: segments hold substrings of it, so they do not
	// alias the caller's buffer.
	s := string(data[start:])
	segs, err := splitSegments(s, d)
	if err != nil {
		return Delimiters{}, nil, err
	}
	return d, segs, nil
}

// readDelimiters finds the ISA's separators. The element separator is the
// byte after "ISA"; counting sixteen of them reaches ISA16, the component
// separator, and the byte after it terminates the segment. Counting instead
// of fixed offsets accepts senders that do not pad ISA fields.
func readDelimiters(b []byte) (Delimiters, error) {
	isaErr := func(reason string) error {
		return &ParseError{Segment: 1, SegmentID: "ISA", Reason: reason}
	}
	if len(b) < 4 || string(b[:3]) != "ISA" {
		return Delimiters{}, &ParseError{Segment: 1, Reason: "interchange does not start with an ISA segment"}
	}
	d := Delimiters{Element: b[3]}
	if !isDelimiterByte(d.Element) || d.Element == '\r' || d.Element == '\n' {
		return Delimiters{}, isaErr("invalid element separator")
	}
	count, p, isa11 := 0, 0, [2]int{-1, -1}
	for i := 3; i < len(b) && i < isaMaxLen; i++ {
		if b[i] != d.Element {
			continue
		}
		count++
		switch count {
		case 11:
			isa11[0] = i + 1
		case 12:
			isa11[1] = i
		}
		if count == 16 {
			p = i
			break
		}
	}
	if count < 16 {
		return Delimiters{}, isaErr("ISA has fewer than 16 elements")
	}
	if p+2 >= len(b) {
		return Delimiters{}, isaErr("ISA is truncated after ISA16")
	}
	d.Component, d.Segment = b[p+1], b[p+2]
	switch rep := b[isa11[0]:isa11[1]]; {
	case len(rep) == 1 && isDelimiterByte(rep[0]):
		d.Repetition = rep[0]
	case len(rep) == 1 && isAlnum(rep[0]):
		// Version 4010 put the standards identifier "U" here; no repetition
		// separator is declared then.
	default:
		return Delimiters{}, &ParseError{Segment: 1, SegmentID: "ISA", Element: 11, Reason: "invalid repetition separator"}
	}
	if !d.valid() {
		return Delimiters{}, isaErr("ISA declares invalid or conflicting delimiters")
	}
	return d, nil
}

// splitSegments cuts s at segment terminators and each segment at element
// separators. All element strings share one backing array, which keeps the
// allocation count independent of the segment count.
func splitSegments(s string, d Delimiters) ([]Segment, error) {
	nseg := strings.Count(s, byteString(d.Segment))
	segs := make([]Segment, 0, nseg)
	backing := make([]string, 0, strings.Count(s, byteString(d.Element)))
	lineBreakTerm := d.Segment == '\r' || d.Segment == '\n'
	for pos := 0; pos < len(s); {
		end := strings.IndexByte(s[pos:], d.Segment)
		if end < 0 {
			if strings.TrimLeft(s[pos:], " \t\r\n") != "" {
				return nil, &ParseError{Segment: len(segs) + 1, Reason: "last segment has no segment terminator"}
			}
			break
		}
		raw := trimLineBreaks(s[pos : pos+end])
		pos += end + 1
		if raw == "" {
			if lineBreakTerm {
				continue // a blank line when segments end at line breaks
			}
			return nil, &ParseError{Segment: len(segs) + 1, Reason: "empty segment"}
		}
		seg := Segment{Index: len(segs) + 1, component: d.Component, repetition: d.Repetition}
		first := true
		from := len(backing)
		for {
			j := strings.IndexByte(raw, d.Element)
			field := raw
			if j >= 0 {
				field = raw[:j]
			}
			if first {
				if !validSegmentID(field) {
					return nil, &ParseError{Segment: seg.Index, Reason: "invalid segment identifier"}
				}
				seg.ID = field
				first = false
			} else {
				backing = append(backing, field)
			}
			if j < 0 {
				break
			}
			raw = raw[j+1:]
		}
		// The three-index slice stops an append on one segment's elements
		// from overwriting the next segment's.
		seg.Elements = backing[from:len(backing):len(backing)]
		segs = append(segs, seg)
	}
	if len(segs) == 0 {
		return nil, &ParseError{Reason: "no segments"}
	}
	return segs, nil
}

// trimLineBreaks drops CR and LF around a segment: senders often put a line
// break after each terminator, and some put CRLF where the terminator is LF.
func trimLineBreaks(s string) string {
	for len(s) > 0 && (s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

// validSegmentID accepts two or three upper-case letters or digits starting
// with a letter, the shape of every X12 segment tag.
func validSegmentID(id string) bool {
	if len(id) < 2 || len(id) > 3 || id[0] < 'A' || id[0] > 'Z' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if !(id[i] >= 'A' && id[i] <= 'Z' || id[i] >= '0' && id[i] <= '9') {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
