package hl7

import (
	"errors"
	"strconv"
	"strings"
)

// Value types of OBX-2 that the typed views decode (HL7 table 0125).
const (
	TypeNumeric          = "NM"
	TypeString           = "ST"
	TypeText             = "TX"
	TypeFormattedText    = "FT"
	TypeCodedElement     = "CE"
	TypeCodedWithExcepts = "CWE"
	TypeCodedNoExcepts   = "CNE"
	TypeStructuredNumber = "SN"
)

// Value is an observation value: OBX-5 decoded according to OBX-2.
type Value struct {
	// Type is OBX-2, e.g. "NM".
	Type string
	// Text is the value as text: the literal number for NM (its precision
	// kept, "6.80"), the repetitions joined by "\n" for ST, TX and FT, the
	// display text (or the code) for coded values, the rendering of an SN
	// (">10", "1:128"), and component 1 for other types.
	Text string
	// Number is set for NM and for an SN that is a plain number (no
	// comparator other than "=" and no separator).
	Number *float64
	// Coded is set for CE, CWE and CNE.
	Coded *CWE
	// Structured is set for SN, and for an NM written with a comparator
	// ("<2.22") or as a range or ratio ("2-5", "1:128").
	Structured *SN
	// Comparator is "<", ">", "<=" or ">=" when an NM was written as a bound
	// ("<2.22"): Number is then nil and Quantity returns the bound.
	Comparator string
	// Formatted is an FT value with its formatting commands (\.br\ and the
	// like) as sent; Text holds it rendered as plain text.
	Formatted string
	// Document is set for ED and RP values.
	Document *Document
	// More are OBX-5's further repetitions for types other than ST, TX and
	// FT (whose repetitions are lines of Text), each decoded the same way.
	More []Value
}

// SN is a structured numeric: a comparator, a number and an optional
// separator/suffix with a second number, e.g. ">10", "1:128", "2-5", "2+".
type SN struct {
	// Comparator is one of "", ">", "<", ">=", "<=", "=", "<>".
	Comparator string
	// Num1 is the first number.
	Num1 float64
	// Separator is one of "", "-", "+", "/", ".", ":".
	Separator string
	// Num2 is the second number, nil when absent.
	Num2 *float64
}

// String renders the structured numeric as a person would write it.
func (s SN) String() string {
	var b strings.Builder
	b.WriteString(s.Comparator)
	b.WriteString(formatNM(s.Num1))
	b.WriteString(s.Separator)
	if s.Num2 != nil {
		b.WriteString(formatNM(*s.Num2))
	}
	return b.String()
}

var (
	errNotNM = errors.New("not a valid NM")
	errNotSN = errors.New("not a valid SN")
)

// ParseNM parses an HL7 NM: an optional sign, digits and an optional decimal
// point, with surrounding spaces ignored. Exponents, NaN and infinities are
// not NM.
func ParseNM(s string) (float64, error) {
	s = strings.TrimSpace(s)
	digits, i := 0, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	dot := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, errNotNM
		}
	}
	if digits == 0 {
		return 0, errNotNM
	}
	return strconv.ParseFloat(s, 64)
}

// formatNM writes f with the fewest digits that read back exactly, without
// an exponent (NM has none).
func formatNM(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

var (
	snComparators = map[string]bool{"": true, ">": true, "<": true, ">=": true, "<=": true, "=": true, "<>": true}
	snSeparators  = map[string]bool{"": true, "-": true, "+": true, "/": true, ".": true, ":": true}
)

// parseSN decodes one SN repetition in wire form.
func (d *Delims) parseSN(rep string) (SN, error) {
	var s SN
	s.Comparator, s.Separator = d.comp(rep, 1), d.comp(rep, 3)
	if !snComparators[s.Comparator] || !snSeparators[s.Separator] {
		return s, errNotSN
	}
	var err error
	if s.Num1, err = ParseNM(d.comp(rep, 2)); err != nil {
		return s, errNotSN
	}
	if n2 := d.comp(rep, 4); n2 != "" {
		if s.Separator == "" {
			return s, errNotSN
		}
		f, err := ParseNM(n2)
		if err != nil {
			return s, errNotSN
		}
		s.Num2 = &f
	}
	return s, nil
}

func (d *Delims) encodeSN(s SN) string {
	num2 := ""
	if s.Num2 != nil {
		num2 = formatNM(*s.Num2)
	}
	return d.join(d.Component, s.Comparator, formatNM(s.Num1), s.Separator, num2)
}

// decodeValue decodes OBX-5 (wire form, all repetitions) for value type typ.
// The error is a fixed reason without the value.
func (d *Delims) decodeValue(typ, raw string) (Value, error) {
	v := Value{Type: typ}
	if raw == "" {
		return v, nil
	}
	first := nth(raw, d.Repetition, 1)
	switch typ {
	case TypeNumeric:
		v.Text = strings.TrimSpace(d.comp(first, 1))
		f, err := ParseNM(v.Text)
		if err != nil {
			return v, errNotNM
		}
		v.Number = &f
	case TypeString, TypeText, TypeFormattedText:
		// Text types repeat to carry lines; a component separator inside
		// them is data the sender failed to escape, kept as sent.
		reps := splitReps(raw, d)
		lines := make([]string, len(reps))
		for i, r := range reps {
			lines[i] = d.UnescapeText(r)
		}
		v.Text = strings.Join(lines, "\n")
	case TypeCodedElement, TypeCodedWithExcepts, TypeCodedNoExcepts:
		c := d.cwe(first)
		v.Coded = &c
		v.Text = c.Text
		if v.Text == "" {
			v.Text = c.Code
		}
	case TypeStructuredNumber:
		s, err := d.parseSN(first)
		if err != nil {
			return v, err
		}
		v.Structured = &s
		v.Text = s.String()
		if (s.Comparator == "" || s.Comparator == "=") && s.Separator == "" {
			n := s.Num1
			v.Number = &n
		}
	default:
		v.Text = d.comp(first, 1)
	}
	return v, nil
}

// encodeValue is the inverse of decodeValue: it returns OBX-5 in wire form.
func (d *Delims) encodeValue(v Value) (string, error) {
	switch v.Type {
	case TypeNumeric:
		switch {
		case v.Text != "":
			if _, err := ParseNM(v.Text); err != nil {
				return "", errNotNM
			}
			return d.EscapeText(strings.TrimSpace(v.Text)), nil
		case v.Number != nil:
			return d.EscapeText(formatNM(*v.Number)), nil
		}
		return "", nil
	case TypeString, TypeText, TypeFormattedText:
		if v.Text == "" {
			return "", nil
		}
		lines := strings.Split(v.Text, "\n")
		for i := range lines {
			lines[i] = d.EscapeText(lines[i])
		}
		return strings.Join(lines, string(d.Repetition)), nil
	case TypeCodedElement, TypeCodedWithExcepts, TypeCodedNoExcepts:
		if v.Coded != nil {
			return d.encodeCWE(*v.Coded), nil
		}
		return d.EscapeText(v.Text), nil
	case TypeStructuredNumber:
		if v.Structured == nil {
			return "", nil
		}
		s := *v.Structured
		if !snComparators[s.Comparator] || !snSeparators[s.Separator] || (s.Num2 != nil && s.Separator == "") {
			return "", errNotSN
		}
		return d.encodeSN(s), nil
	}
	return d.EscapeText(v.Text), nil
}
