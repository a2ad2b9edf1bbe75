package hl7

import "strings"

// EscapeText returns s with every delimiter replaced by its escape sequence
// (\F\ \S\ \T\ \R\ \E\, and \P\ when a truncation character is declared) and
// carriage returns and line feeds as \X0D\ and \X0A\, so that any text can
// be carried inside one field. It returns s itself when nothing needs escaping.
func (d Delims) EscapeText(s string) string {
	i := 0
	for i < len(s) && !d.needsEscape(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		var code string
		switch {
		case c == d.Field:
			code = "F"
		case c == d.Component:
			code = "S"
		case c == d.Subcomponent:
			code = "T"
		case c == d.Repetition:
			code = "R"
		case c == d.Escape:
			code = "E"
		case d.Truncation != 0 && c == d.Truncation:
			code = "P"
		case c == '\r':
			code = "X0D"
		case c == '\n':
			code = "X0A"
		default:
			b.WriteByte(c)
			continue
		}
		b.WriteByte(d.Escape)
		b.WriteString(code)
		b.WriteByte(d.Escape)
	}
	return b.String()
}

func (d *Delims) needsEscape(c byte) bool {
	return c == '\r' || c == '\n' || d.isDelim(c)
}

// UnescapeText returns the text carried by the wire value s: delimiter escapes
// become the delimiters and \Xhh..\ becomes the bytes it spells. Formatting
// sequences (\H\ \N\ \.br\ and the like), unknown or malformed sequences and
// an escape character without its closing partner are passed through
// unchanged. It returns s itself when s contains no escape character.
func (d Delims) UnescapeText(s string) string {
	i := strings.IndexByte(s, d.Escape)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c != d.Escape {
			b = append(b, c)
			i++
			continue
		}
		j := strings.IndexByte(s[i+1:], d.Escape)
		if j < 0 {
			// An opening escape without a closing one is literal text.
			b = append(b, s[i:]...)
			break
		}
		seq := s[i+1 : i+1+j]
		next := i + j + 2
		switch {
		case seq == "F":
			b = append(b, d.Field)
		case seq == "S":
			b = append(b, d.Component)
		case seq == "T":
			b = append(b, d.Subcomponent)
		case seq == "R":
			b = append(b, d.Repetition)
		case seq == "E":
			b = append(b, d.Escape)
		case seq == "P" && d.Truncation != 0:
			b = append(b, d.Truncation)
		case len(seq) > 1 && seq[0] == 'X' && validHex(seq[1:]):
			b = appendHex(b, seq[1:])
		default:
			// Formatting commands have no plain-text meaning; the reader
			// (an FT renderer) sees them exactly as sent.
			b = append(b, s[i:next]...)
		}
		i = next
	}
	return string(b)
}

// validHex reports whether h is a non-empty, even-length run of hex digits.
func validHex(h string) bool {
	if len(h)%2 != 0 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if hexVal(h[i]) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// appendHex decodes h, already checked by validHex, onto b.
func appendHex(b []byte, h string) []byte {
	for i := 0; i < len(h); i += 2 {
		b = append(b, byte(hexVal(h[i])<<4|hexVal(h[i+1])))
	}
	return b
}
