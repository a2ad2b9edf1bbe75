package x12

// Delimiters are the four separators an interchange declares in its ISA
// segment: the element separator (ISA byte 4), the repetition separator
// (ISA11), the component separator (ISA16) and the segment terminator (the
// byte after ISA16).
type Delimiters struct {
	Element    byte
	Component  byte
	Repetition byte
	Segment    byte
}

// DefaultDelimiters returns the common choice: * : ^ ~.
func DefaultDelimiters() Delimiters {
	return Delimiters{Element: '*', Component: ':', Repetition: '^', Segment: '~'}
}

// orDefault returns d, or the defaults when d is the zero value.
func (d Delimiters) orDefault() Delimiters {
	if d == (Delimiters{}) {
		return DefaultDelimiters()
	}
	return d
}

// valid reports whether the delimiters can frame an interchange: all set,
// pairwise distinct, and none a letter, digit or space (those occur in data
// and in the fixed-width ISA fields). Only the segment terminator may be a
// line break. A zero Repetition means "none declared" (version 4010 style).
func (d Delimiters) valid() bool {
	seps := [...]byte{d.Element, d.Component, d.Repetition, d.Segment}
	for i, c := range seps {
		if c == 0 && i == 2 {
			continue
		}
		if !isDelimiterByte(c) {
			return false
		}
		if i != 3 && (c == '\r' || c == '\n') {
			return false
		}
		for _, o := range seps[i+1:] {
			if o == c {
				return false
			}
		}
	}
	return true
}

// ascii reports whether every separator is 7-bit; outgoing documents use only
// the X12 character sets, which are ASCII.
func (d Delimiters) ascii() bool {
	return d.Element < 0x80 && d.Component < 0x80 && d.Repetition < 0x80 && d.Segment < 0x80
}

// isDelimiterByte reports whether c may serve as a separator at all.
func isDelimiterByte(c byte) bool {
	switch {
	case c == 0, c == ' ':
		return false
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return false
	}
	return true
}

// byteString returns the one-byte string c. string(c) would not do: it
// converts c as a rune, so bytes above 0x7F would become two UTF-8 bytes.
func byteString(c byte) string { return string([]byte{c}) }

// contains reports whether s holds any of the delimiters, which would break
// the framing if written as data (X12 has no escape mechanism).
func (d Delimiters) contains(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case d.Element, d.Component, d.Segment:
			return true
		case d.Repetition:
			if d.Repetition != 0 {
				return true
			}
		}
	}
	return false
}
