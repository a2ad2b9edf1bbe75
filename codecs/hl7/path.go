package hl7

import (
	"errors"
	"fmt"
)

// path is a parsed HL7 path: SEG[occ]-field[rep].comp.sub. Zero means the
// part was not given (occ then means 1).
type path struct {
	seg                   string
	occ                   int
	field, rep, comp, sub int
}

// parsePath accepts "PID", "OBX[2]", "PID-3", "PID-3[2]", "PID-3.4",
// "PID-3[2].4.1", with '.' or '-' between the numbers ("PID.3.4" and
// "PID-3-4" also work). Indices are 1-based.
func parsePath(s string) (path, error) {
	var p path
	if len(s) < 3 || !validSegmentName(s[:3]) {
		return p, ErrInvalidPath
	}
	p.seg, s = s[:3], s[3:]
	var ok bool
	if p.occ, s, ok = bracket(s); !ok {
		return p, ErrInvalidPath
	}
	if s == "" {
		return p, nil
	}
	nums := [3]*int{&p.field, &p.comp, &p.sub}
	for i, dst := range nums {
		if s == "" {
			break
		}
		if s[0] != '-' && s[0] != '.' {
			return p, ErrInvalidPath
		}
		if *dst, s, ok = number(s[1:]); !ok {
			return p, ErrInvalidPath
		}
		if i == 0 {
			if p.rep, s, ok = bracket(s); !ok {
				return p, ErrInvalidPath
			}
		}
	}
	if s != "" {
		return p, ErrInvalidPath
	}
	return p, nil
}

// bracket reads an optional "[n]" index; 0 when absent.
func bracket(s string) (int, string, bool) {
	if s == "" || s[0] != '[' {
		return 0, s, true
	}
	n, rest, ok := number(s[1:])
	if !ok || rest == "" || rest[0] != ']' {
		return 0, s, false
	}
	return n, rest[1:], true
}

// number reads a positive decimal index of at most six digits.
func number(s string) (int, string, bool) {
	n, i := 0, 0
	for i < len(s) && i < 7 && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i == 7 || n == 0 {
		return 0, s, false
	}
	return n, s[i:], true
}

// isDelimField reports whether p addresses MSH-1 or MSH-2, which hold the
// delimiters and have no inner structure.
func (p path) isDelimField() bool {
	return p.seg == "MSH" && (p.field == 1 || p.field == 2)
}

// Get returns the unescaped text at an HL7 path such as "PID-3[2].1" or
// "OBX[3]-5". Parts the path leaves out default to the first one, so
// "PID-5" reads PID-5[1].1.1, the family name. MSH-1 and MSH-2 return the
// delimiters as declared. A malformed path or an absent element gives "".
func (m *Message) Get(p string) string {
	pp, err := parsePath(p)
	if err != nil || pp.field == 0 {
		return ""
	}
	seg := m.find(pp.seg, max(pp.occ, 1))
	if seg == nil {
		return ""
	}
	raw := seg.Field(pp.field)
	if pp.isDelimField() {
		if pp.rep > 1 || pp.comp > 1 || pp.sub > 1 {
			return ""
		}
		return raw
	}
	return m.Delims.text(nth(raw, m.Delims.Repetition, max(pp.rep, 1)), max(pp.comp, 1), max(pp.sub, 1))
}

// Raw returns the wire (escaped) text of exactly the element a path
// addresses: "PID-3" is the whole field with all repetitions, "PID-3[2]" one
// repetition with its components, "PID-3.4" component 4 of the first
// repetition with its subcomponents. A malformed path or an absent element
// gives "".
func (m *Message) Raw(p string) string {
	pp, err := parsePath(p)
	if err != nil || pp.field == 0 {
		return ""
	}
	seg := m.find(pp.seg, max(pp.occ, 1))
	if seg == nil {
		return ""
	}
	raw := seg.Field(pp.field)
	if pp.isDelimField() {
		if pp.rep > 1 || pp.comp > 1 || pp.sub > 1 {
			return ""
		}
		return raw
	}
	d := &m.Delims
	if pp.rep == 0 && pp.comp == 0 {
		return raw
	}
	raw = nth(raw, d.Repetition, max(pp.rep, 1))
	if pp.comp == 0 {
		return raw
	}
	raw = nth(raw, d.Component, pp.comp)
	if pp.sub == 0 {
		return raw
	}
	return nth(raw, d.Subcomponent, pp.sub)
}

// Count returns the number of segments a segment path names ("OBX" counts
// OBX segments) or the number of repetitions of a field path ("PID-3").
// Other or malformed paths count 0.
func (m *Message) Count(p string) int {
	pp, err := parsePath(p)
	if err != nil || pp.occ != 0 && pp.field == 0 {
		return 0
	}
	if pp.field == 0 {
		n := 0
		for i := range m.Segments {
			if m.Segments[i].Name == pp.seg {
				n++
			}
		}
		return n
	}
	if pp.rep != 0 || pp.comp != 0 {
		return 0
	}
	seg := m.find(pp.seg, max(pp.occ, 1))
	if seg == nil || pp.isDelimField() {
		return 0
	}
	return pieces(seg.Field(pp.field), m.Delims.Repetition)
}

// Set escapes value and writes it at an HL7 path, with the same defaults as
// Get: "PID-5" writes PID-5[1].1.1 and leaves the other components alone.
// Missing fields, repetitions and components are added empty; a missing
// segment is appended when it would be the next occurrence ("NTE[3]" when
// there are two NTE segments). MSH-1 and MSH-2 cannot be set: change Delims.
func (m *Message) Set(p, value string) error {
	pp, err := parsePath(p)
	if err != nil || pp.field == 0 {
		return ErrInvalidPath
	}
	pp.rep, pp.comp, pp.sub = max(pp.rep, 1), max(pp.comp, 1), max(pp.sub, 1)
	return m.write(pp, m.Delims.EscapeText(value))
}

// SetRaw writes wire (escaped) text over exactly the element a path
// addresses, with the same addressing as Raw: SetRaw("MSH-9",
// "ORU^R01^ORU_R01") replaces the whole field. raw may contain only the
// delimiters that belong inside that element.
func (m *Message) SetRaw(p, raw string) error {
	pp, err := parsePath(p)
	if err != nil || pp.field == 0 {
		return ErrInvalidPath
	}
	d := &m.Delims
	forbidden := []byte{d.Field, '\r', '\n'}
	if pp.rep != 0 || pp.comp != 0 {
		pp.rep = max(pp.rep, 1)
		forbidden = append(forbidden, d.Repetition)
	}
	if pp.comp != 0 {
		forbidden = append(forbidden, d.Component)
	}
	if pp.sub != 0 {
		forbidden = append(forbidden, d.Subcomponent)
	}
	for i := 0; i < len(raw); i++ {
		for _, c := range forbidden {
			if raw[i] == c {
				return fmt.Errorf("hl7: SetRaw %s: value contains a delimiter of an enclosing level", p)
			}
		}
	}
	return m.write(pp, raw)
}

// errDelimField reports an attempt to write MSH-1 or MSH-2.
var errDelimField = errors.New("hl7: MSH-1 and MSH-2 follow Message.Delims and cannot be set")

// write stores v (wire form) at pp; zero rep, comp or sub mean the whole
// enclosing element.
func (m *Message) write(pp path, v string) error {
	if pp.isDelimField() {
		return errDelimField
	}
	occ := max(pp.occ, 1)
	seg := m.find(pp.seg, occ)
	if seg == nil && v == "" {
		return nil // clearing an absent segment's field changes nothing
	}
	if seg == nil {
		if occ != m.Count(pp.seg)+1 {
			return fmt.Errorf("hl7: %s[%d] would not be the next %s segment", pp.seg, occ, pp.seg)
		}
		if pp.seg == "MSH" {
			if len(m.Segments) > 0 {
				return errors.New("hl7: MSH must be the first segment")
			}
			if m.Delims == (Delims{}) {
				m.Delims = DefaultDelims()
			}
			m.Segments = append(m.Segments, Segment{Name: "MSH", Fields: []string{string(m.Delims.Field), m.Delims.EncodingCharacters()}})
		} else {
			m.Segments = append(m.Segments, Segment{Name: pp.seg})
		}
		seg = &m.Segments[len(m.Segments)-1]
	}
	if pp.field > len(seg.Fields) {
		if v == "" {
			return nil
		}
		seg.Fields = append(seg.Fields, make([]string, pp.field-len(seg.Fields))...)
	}
	d := &m.Delims
	f := &seg.Fields[pp.field-1]
	switch {
	case pp.rep == 0:
		*f = v
	case pp.comp == 0:
		*f = setNth(*f, d.Repetition, pp.rep, v)
	case pp.sub == 0:
		rep := nth(*f, d.Repetition, pp.rep)
		*f = setNth(*f, d.Repetition, pp.rep, setNth(rep, d.Component, pp.comp, v))
	default:
		rep := nth(*f, d.Repetition, pp.rep)
		comp := nth(rep, d.Component, pp.comp)
		rep = setNth(rep, d.Component, pp.comp, setNth(comp, d.Subcomponent, pp.sub, v))
		*f = setNth(*f, d.Repetition, pp.rep, rep)
	}
	return nil
}
