package hl7

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// More value types of OBX-2 decoded by the typed views (HL7 table 0125).
const (
	TypeDate             = "DT"
	TypeDateTime         = "DTM"
	TypeTimeStamp        = "TS"
	TypeTime             = "TM"
	TypeEncapsulatedData = "ED"
	TypeReferencePointer = "RP"
)

// Warning records leniency applied while reading a message: where, and a
// fixed reason. Like ParseError it never contains message content.
type Warning struct {
	// Segment is the 1-based position of the segment in the message.
	Segment int
	// Field is the field number inside that segment; 0 for the whole segment.
	Field int
	// Reason is fixed text such as "OBX-5 does not fit OBX-2 NM: kept as text".
	Reason string
}

// String formats the warning like a ParseError, e.g. "segment 5 field 5: ...".
func (w Warning) String() string {
	return strings.TrimPrefix((&ParseError{Segment: w.Segment, Field: w.Field, Reason: w.Reason}).Error(), "hl7: ")
}

// Lenient-decoding reasons recorded in Observation.Warnings.
const (
	WarnNoValueType    = "OBX-5 has a value but OBX-2 no value type: kept as text"
	WarnValueAsText    = "OBX-5 does not fit its OBX-2 value type: kept as text"
	WarnNMWhitespace   = "stray whitespace inside a number removed"
	WarnNMComparator   = "NM written with a comparator: read as a structured numeric"
	WarnNMRange        = "NM written as a range or ratio: read as a structured numeric"
	WarnUnknownStatus  = "OBX-11 is not an HL7 table 0085 result status: kept as sent"
	WarnBadDate        = "OBX-5 is not a valid date or time for its OBX-2: kept as text"
	WarnUnknownDocEnc  = "ED encoding is not Base64, Hex or A: data kept as sent"
	WarnUnknownVal2    = "OBX-2 is a value type the engine does not decode: kept as text"
	warnReasonRepeated = "OBX-5 repetition "
)

// Document is an embedded (ED) or referenced (RP) document carried in OBX-5.
// Ingest code keeps the data out of workflow history: it stores the document
// (encrypted) and passes a reference on (see ORU.DetachDocuments).
type Document struct {
	// Kind is OBX-2: "ED" or "RP".
	Kind string
	// SourceApplication is ED-1 (for RP, RP-2 the application id).
	SourceApplication string
	// TypeOfData and Subtype are ED-2/ED-3 or RP-3/RP-4, e.g. "AP" and "PDF".
	TypeOfData, Subtype string
	// Encoding is ED-4: "Base64", "Hex" or "A" (ASCII text).
	Encoding string
	// Data is ED-5 as sent (still encoded); empty after DetachDocuments.
	Data string
	// Pointer is RP-1, a reference to a document held elsewhere.
	Pointer string
	// Ref is set by DetachDocuments: the caller's reference to its stored copy.
	Ref string
}

// Bytes decodes ED-5 according to ED-4. RP documents have no bytes here.
func (d Document) Bytes() ([]byte, error) {
	switch strings.ToUpper(d.Encoding) {
	case "BASE64":
		// Senders wrap Base64 in lines and leave stray spaces; neither carries data.
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, d.Data)
		if b, err := base64.StdEncoding.DecodeString(clean); err == nil {
			return b, nil
		}
		return base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
	case "HEX":
		return hex.DecodeString(d.Data)
	case "A", "":
		return []byte(d.Data), nil
	}
	return nil, errors.New("hl7: unsupported ED encoding")
}

// DetachedDocument locates a document that DetachDocuments took out of an ORU.
type DetachedDocument struct {
	// Order and Observation index ORU.Orders and OrderResult.Observations.
	Order, Observation int
	// Repetition is 0 for OBX-5's first value, n for More[n-1].
	Repetition int
	// Document is the document with its data.
	Document Document
}

// DetachDocuments removes every ED/RP document from u and returns them with
// their places; ref is called once per document (for instance after storing
// it encrypted) and its result is left in Document.Ref, the data emptied, so
// the ORU can go into workflow history without the document.
func (u *ORU) DetachDocuments(ref func(DetachedDocument) (string, error)) ([]DetachedDocument, error) {
	var out []DetachedDocument
	for oi := range u.Orders {
		for xi := range u.Orders[oi].Observations {
			v := &u.Orders[oi].Observations[xi].Value
			for rep := 0; rep <= len(v.More); rep++ {
				cur := v
				if rep > 0 {
					cur = &v.More[rep-1]
				}
				if cur.Document == nil {
					continue
				}
				dd := DetachedDocument{Order: oi, Observation: xi, Repetition: rep, Document: *cur.Document}
				r := ""
				if ref != nil {
					var err error
					if r, err = ref(dd); err != nil {
						return out, err
					}
				}
				doc := *cur.Document
				doc.Data, doc.Ref = "", r
				cur.Document = &doc
				out = append(out, dd)
			}
		}
	}
	return out, nil
}

// Warnings returns every observation's warnings in message order.
func (u ORU) Warnings() []Warning {
	var out []Warning
	out = append(out, u.ParseWarnings...)
	for _, o := range u.Orders {
		for _, x := range o.Observations {
			out = append(out, x.Warnings...)
		}
	}
	return out
}

// Quantity returns the value as a number with its comparator: an exact
// number (comparator ""), or a bound such as "<2.22" (comparator "<").
// Ranges, ratios and non-numeric values report ok false.
func (v Value) Quantity() (n float64, comparator string, ok bool) {
	if v.Number != nil {
		return *v.Number, "", true
	}
	if s := v.Structured; s != nil && s.Separator == "" && s.Num2 == nil {
		switch s.Comparator {
		case "", "=":
			return s.Num1, "", true
		case "<", ">", "<=", ">=":
			return s.Num1, s.Comparator, true
		}
	}
	return 0, "", false
}

// Beyond judges a numeric value against critical bounds (either may be nil):
// below when the value is certainly under low, above when certainly over high.
// A bound value counts when its comparator points past the limit: "<2.0"
// against low 2.5 is below, ">10" against high 10 is above, "<5" against low
// 3 is neither (the value may be 4).
func (v Value) Beyond(low, high *float64) (below, above bool) {
	n, cmp, ok := v.Quantity()
	if !ok {
		return false, false
	}
	if low != nil {
		switch cmp {
		case "":
			below = n < *low
		case "<":
			below = n <= *low
		case "<=":
			below = n < *low
		}
	}
	if high != nil {
		switch cmp {
		case "":
			above = n > *high
		case ">":
			above = n >= *high
		case ">=":
			above = n > *high
		}
	}
	return below, above
}

// decodeLenient decodes OBX-5 for OBX-2 typ and never fails: a value that
// does not fit is kept as text, and the returned reasons say what was done.
func (d *Delims) decodeLenient(typ, raw string) (Value, []string) {
	if raw == "" {
		return Value{Type: typ}, nil
	}
	switch typ {
	case TypeString, TypeText, TypeFormattedText:
		v, _ := d.decodeValue(typ, raw)
		if typ == TypeFormattedText {
			// Formatting commands are read on the wire form, before delimiter escapes
			// are undone: an escaped backslash (\E\) must not start a command.
			v.Formatted = v.Text
			reps := splitReps(raw, d)
			lines := make([]string, len(reps))
			for i, r := range reps {
				lines[i] = d.UnescapeText(renderFT(r, d.Escape))
			}
			v.Text = strings.Join(lines, "\n")
		}
		return v, nil
	case "":
		v, _ := d.decodeValue(TypeString, raw)
		v.Type = ""
		return v, []string{WarnNoValueType}
	}
	var warns []string
	var first Value
	// nth walks the repetitions without allocating a slice for the usual single value.
	for i, n := 0, pieces(raw, d.Repetition); i < n; i++ {
		v, w := d.decodeOne(typ, nth(raw, d.Repetition, i+1))
		if i == 0 {
			first = v
			warns = append(warns, w...)
			continue
		}
		for _, x := range w {
			warns = append(warns, warnReasonRepeated+itoa(i+1)+": "+x)
		}
		first.More = append(first.More, v)
	}
	return first, warns
}

// decodeOne decodes one repetition of OBX-5.
func (d *Delims) decodeOne(typ, rep string) (Value, []string) {
	switch typ {
	case TypeNumeric:
		return d.lenientNM(rep)
	case TypeStructuredNumber:
		v, err := d.decodeValue(typ, rep)
		if err == nil {
			return v, nil
		}
		// An SN written flat (">10" in component 1) reads like a lenient NM.
		if nv, w := d.lenientNM(rep); nv.Structured != nil || nv.Number != nil {
			nv.Type = typ
			return nv, w[:0]
		}
		return d.asText(typ, rep), []string{WarnValueAsText}
	case TypeCodedElement, TypeCodedWithExcepts, TypeCodedNoExcepts:
		v, _ := d.decodeValue(typ, rep)
		return v, nil
	case TypeDate, TypeDateTime, TypeTimeStamp, TypeTime:
		v := d.asText(typ, rep)
		if !validDateTime(typ, v.Text) {
			return v, []string{WarnBadDate}
		}
		return v, nil
	case TypeEncapsulatedData:
		doc := &Document{Kind: typ, SourceApplication: d.comp(rep, 1), TypeOfData: d.comp(rep, 2), Subtype: d.comp(rep, 3),
			Encoding: d.comp(rep, 4), Data: d.comp(rep, 5)}
		var w []string
		switch strings.ToUpper(doc.Encoding) {
		case "BASE64", "HEX", "A", "":
		default:
			w = append(w, WarnUnknownDocEnc)
		}
		return Value{Type: typ, Document: doc}, w
	case TypeReferencePointer:
		doc := &Document{Kind: typ, Pointer: d.comp(rep, 1), SourceApplication: d.comp(rep, 2),
			TypeOfData: d.comp(rep, 3), Subtype: d.comp(rep, 4)}
		return Value{Type: typ, Text: doc.Pointer, Document: doc}, nil
	}
	v, _ := d.decodeValue(typ, rep)
	return v, []string{WarnUnknownVal2}
}

func (d *Delims) asText(typ, rep string) Value {
	return Value{Type: typ, Text: strings.TrimSpace(d.UnescapeText(rep))}
}

// lenientNM reads an NM as sent by real laboratories: "<2.22", ">= 10",
// "0 .07", "2-5", "1:128". Anything else is kept as text.
func (d *Delims) lenientNM(rep string) (Value, []string) {
	v, err := d.decodeValue(TypeNumeric, rep)
	if err == nil {
		return v, nil
	}
	text := strings.TrimSpace(d.UnescapeText(rep))
	var warns []string
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, text)
	if compact != text {
		warns = append(warns, WarnNMWhitespace)
	}
	if f, err := ParseNM(compact); err == nil {
		return Value{Type: TypeNumeric, Text: compact, Number: &f}, warns
	}
	cmp := ""
	for _, c := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(compact, c) {
			cmp = c
			break
		}
	}
	if cmp != "" {
		if f, err := ParseNM(compact[len(cmp):]); err == nil {
			s := SN{Comparator: cmp, Num1: f}
			return Value{Type: TypeNumeric, Text: s.String(), Structured: &s, Comparator: cmp},
				append(warns, WarnNMComparator)
		}
	}
	// A range "2-5" or ratio "1:128": split at the first separator after the first number.
	for i := 1; i < len(compact); i++ {
		sep := compact[i]
		if sep != '-' && sep != ':' && sep != '/' {
			continue
		}
		a, err1 := ParseNM(compact[:i])
		b, err2 := ParseNM(compact[i+1:])
		if err1 == nil && err2 == nil {
			s := SN{Num1: a, Separator: string(sep), Num2: &b}
			return Value{Type: TypeNumeric, Text: s.String(), Structured: &s}, append(warns, WarnNMRange)
		}
		break
	}
	return Value{Type: TypeNumeric, Text: text}, []string{WarnValueAsText}
}

// validDateTime checks the shape of a DT, TM, DTM or TS value.
func validDateTime(typ, s string) bool {
	switch typ {
	case TypeDate:
		return digits(s) && (len(s) == 4 || len(s) == 6 || len(s) == 8)
	case TypeTime:
		core := s
		if i := strings.IndexAny(s, "+-"); i >= 0 {
			core = s[:i]
		}
		if i := strings.IndexByte(core, '.'); i >= 0 {
			if !digits(core[i+1:]) {
				return false
			}
			core = core[:i]
		}
		return digits(core) && (len(core) == 2 || len(core) == 4 || len(core) == 6)
	}
	_, err := ParseTime(s, nil)
	return err == nil
}

// RenderFormattedText turns the FT formatting commands of a wire-form value
// (default escape character) into plain text: \.br\
// and \.sp\ become line breaks, \.ce\ starts a new line, \.in\ \.ti\ \.sk\
// become spaces, \H\ and \N\ (highlighting) are dropped. Other escape
// sequences are left for UnescapeText.
func RenderFormattedText(s string) string { return renderFT(s, '\\') }

func renderFT(s string, esc byte) string {
	if strings.IndexByte(s, esc) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, esc)
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+1:], esc)
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		cmd := s[i+1 : i+1+j]
		switch {
		case cmd == "H" || cmd == "N":
		case cmd == ".br" || cmd == ".ce" || cmd == ".fi" || cmd == ".nf":
			if cmd != ".fi" && cmd != ".nf" {
				b.WriteByte('\n')
			}
		case strings.HasPrefix(cmd, ".sp"):
			n := 1
			if rest := strings.TrimSpace(cmd[3:]); rest != "" && digits(rest) && len(rest) < 3 {
				n = int(formatInt(rest))
			}
			for k := 0; k < max(n, 1); k++ {
				b.WriteByte('\n')
			}
		case strings.HasPrefix(cmd, ".in") || strings.HasPrefix(cmd, ".ti") || strings.HasPrefix(cmd, ".sk"):
			b.WriteByte(' ')
		default:
			b.WriteString(s[i : i+j+2])
		}
		s = s[i+j+2:]
	}
	return b.String()
}

func formatInt(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
