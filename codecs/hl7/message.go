package hl7

// Version is the HL7 version the builders write into MSH-12.
const Version = "2.5.1"

// Message is one HL7 v2 message: its delimiters and its segments in order.
// The first segment is MSH.
type Message struct {
	// Delims are the delimiters declared in MSH-1 and MSH-2; Encode writes
	// MSH-1 and MSH-2 from them.
	Delims Delims
	// Segments are the message's segments in wire order.
	Segments []Segment
}

// Segment is one segment: a three-character name and its fields.
type Segment struct {
	// Name is the segment identifier, e.g. "PID".
	Name string
	// Fields holds field n at index n-1 in wire (escaped) form, repetitions,
	// components and subcomponents included. For MSH, Fields[0] is MSH-1 (the
	// field separator) and Fields[1] is MSH-2 (the encoding characters); both
	// mirror Message.Delims.
	Fields []string
}

// Field returns field n (1-based) in wire form, or "" when the segment has
// fewer fields.
func (s *Segment) Field(n int) string {
	if n < 1 || n > len(s.Fields) {
		return ""
	}
	return s.Fields[n-1]
}

// NewMessage returns a message holding only an MSH segment with MSH-1 and
// MSH-2 set from d; the zero Delims means DefaultDelims.
func NewMessage(d Delims) (*Message, error) {
	if d == (Delims{}) {
		d = DefaultDelims()
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	m := &Message{Delims: d, Segments: make([]Segment, 1, 8)}
	m.Segments[0] = Segment{Name: "MSH", Fields: []string{string(d.Field), d.EncodingCharacters()}}
	return m, nil
}

// AddSegment appends a segment whose fields are given in wire form: callers
// escape text with m.Delims.EscapeText. Encode checks the fields' framing.
func (m *Message) AddSegment(name string, rawFields ...string) error {
	if !validSegmentName(name) || name == "MSH" {
		return &ParseError{Segment: len(m.Segments) + 1, Reason: "invalid segment name"}
	}
	m.Segments = append(m.Segments, Segment{Name: name, Fields: rawFields})
	return nil
}

// Segment returns the first segment with the given name, or nil.
func (m *Message) Segment(name string) *Segment {
	return m.find(name, 1)
}

// SegmentsNamed returns every segment with the given name in wire order.
func (m *Message) SegmentsNamed(name string) []*Segment {
	var out []*Segment
	for i := range m.Segments {
		if m.Segments[i].Name == name {
			out = append(out, &m.Segments[i])
		}
	}
	return out
}

// find returns the occ-th (1-based) segment named name, or nil.
func (m *Message) find(name string, occ int) *Segment {
	for i := range m.Segments {
		if m.Segments[i].Name == name {
			occ--
			if occ == 0 {
				return &m.Segments[i]
			}
		}
	}
	return nil
}

// validSegmentName accepts an upper-case letter followed by two upper-case
// letters or digits (PID, PV1, ZPI).
func validSegmentName(s string) bool {
	if len(s) != 3 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < 3; i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
