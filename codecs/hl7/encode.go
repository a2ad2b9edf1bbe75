package hl7

// Encode returns the message in wire form with every segment terminated by
// \r. It fails with a *ParseError when the model cannot be framed: invalid
// delimiters or segment names, MSH not first or repeated, or a field holding
// the field separator, \r or \n.
func (m *Message) Encode() ([]byte, error) {
	n := 0
	for i := range m.Segments {
		n += 4
		for _, f := range m.Segments[i].Fields {
			n += len(f) + 1
		}
	}
	return m.AppendEncode(make([]byte, 0, n))
}

// AppendEncode appends the encoded message to dst, as Encode does; it lets
// a transport write the message straight into its frame buffer.
func (m *Message) AppendEncode(dst []byte) ([]byte, error) {
	d := &m.Delims
	if err := d.Validate(); err != nil {
		return dst, err
	}
	if len(m.Segments) == 0 || m.Segments[0].Name != "MSH" {
		return dst, &ParseError{Segment: 1, Reason: "first segment is not MSH"}
	}
	for i := range m.Segments {
		seg := &m.Segments[i]
		fields := seg.Fields
		if i == 0 {
			// MSH-1 and MSH-2 always come from Delims, so a model cannot
			// declare one set of delimiters and use another.
			dst = append(dst, "MSH"...)
			dst = append(dst, d.Field)
			dst = append(dst, d.Component, d.Repetition, d.Escape, d.Subcomponent)
			if d.Truncation != 0 {
				dst = append(dst, d.Truncation)
			}
			if len(fields) > 2 {
				fields = fields[2:]
			} else {
				fields = nil
			}
		} else {
			if !validSegmentName(seg.Name) {
				return dst, &ParseError{Segment: i + 1, Reason: "invalid segment name"}
			}
			if seg.Name == "MSH" {
				return dst, &ParseError{Segment: i + 1, Reason: "second MSH segment"}
			}
			dst = append(dst, seg.Name...)
		}
		first := len(seg.Fields) - len(fields) + 1
		for j, f := range fields {
			for k := 0; k < len(f); k++ {
				if c := f[k]; c == d.Field || c == '\r' || c == '\n' {
					return dst, &ParseError{Segment: i + 1, Field: first + j, Reason: "field contains the field separator or a line break"}
				}
			}
			dst = append(dst, d.Field)
			dst = append(dst, f...)
		}
		dst = append(dst, '\r')
	}
	return dst, nil
}
