package hl7

import (
	"errors"
	"strconv"
	"strings"
)

// ParseError reports where a message, or a model given to Encode, is
// malformed. It never contains message content: Segment and Field locate
// the problem and Reason is fixed text.
type ParseError struct {
	// Segment is the 1-based position of the segment in the message (MSH is
	// 1); 0 when the problem concerns the message as a whole.
	Segment int
	// Field is the 1-based field number inside that segment; 0 when the
	// problem concerns the whole segment.
	Field int
	// Reason is a fixed description such as "first segment is not MSH".
	Reason string
}

// Error formats the location and reason, e.g. "hl7: segment 3 field 5: not a number".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("hl7: ")
	if e.Segment > 0 {
		b.WriteString("segment ")
		b.WriteString(strconv.Itoa(e.Segment))
		if e.Field > 0 {
			b.WriteString(" field ")
			b.WriteString(strconv.Itoa(e.Field))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ValidationError lists every problem found in a builder's input. Problems
// name the offending input fields, never their values.
type ValidationError struct {
	// Message is the kind of message being built, e.g. "ORM^O01".
	Message string
	// Problems are short descriptions such as "placer order number is required".
	Problems []string
}

// Error joins the problems into one line.
func (e *ValidationError) Error() string {
	return "hl7: invalid " + e.Message + " input: " + strings.Join(e.Problems, "; ")
}

// ErrInvalidPath reports a malformed HL7 path given to Set, SetRaw or Count.
var ErrInvalidPath = errors.New("hl7: invalid path")

// problems collects validation problems for one builder call.
type problems struct {
	kind string
	list []string
}

func (p *problems) add(s string) { p.list = append(p.list, s) }

// err returns nil when nothing was added, else a *ValidationError.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Message: p.kind, Problems: p.list}
}
