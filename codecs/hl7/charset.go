package hl7

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Character set names of MSH-18 (HL7 table 0211) that the engine reads and writes.
const (
	CharsetASCII  = "ASCII"
	CharsetUTF8   = "UNICODE UTF-8"
	CharsetUTF16  = "UNICODE UTF-16"
	CharsetLatin1 = "8859/1"
	CharsetLatin9 = "8859/15"
)

// Charset is a character set an HL7 message is written in. The zero value is
// UTF-8 without an MSH-18 declaration.
type Charset struct {
	// Name is the HL7 table 0211 name written to MSH-18 ("" for an undeclared UTF-8).
	Name string
	enc  encoding.Encoding
	// bigEndian is set for a UTF-16 message that was big-endian (its BOM said so).
	bigEndian bool
	ascii     bool
}

// charsetTable maps normalized MSH-18 spellings to the table 0211 name and its encoding.
// 8859/1 is read as Windows-1252: senders that label their text 8859/1 often send
// Windows-1252 (curly quotes, the euro sign in 0x80-0x9F), and true 8859-1 text reads the same.
var charsetTable = map[string]Charset{
	"ASCII": {Name: CharsetASCII, ascii: true}, "USASCII": {Name: CharsetASCII, ascii: true},
	"88591": {Name: CharsetLatin1, enc: charmap.Windows1252}, "LATIN1": {Name: CharsetLatin1, enc: charmap.Windows1252},
	"WINDOWS1252": {Name: CharsetLatin1, enc: charmap.Windows1252}, "CP1252": {Name: CharsetLatin1, enc: charmap.Windows1252},
	"88592": {Name: "8859/2", enc: charmap.ISO8859_2}, "88593": {Name: "8859/3", enc: charmap.ISO8859_3},
	"88594": {Name: "8859/4", enc: charmap.ISO8859_4}, "88595": {Name: "8859/5", enc: charmap.ISO8859_5},
	"88596": {Name: "8859/6", enc: charmap.ISO8859_6}, "88597": {Name: "8859/7", enc: charmap.ISO8859_7},
	"88598": {Name: "8859/8", enc: charmap.ISO8859_8}, "88599": {Name: "8859/9", enc: charmap.ISO8859_9},
	"885915":      {Name: CharsetLatin9, enc: charmap.ISO8859_15},
	"UNICODEUTF8": {Name: CharsetUTF8}, "UTF8": {Name: CharsetUTF8},
	"UNICODEUTF16": {Name: CharsetUTF16, enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
	"UTF16":        {Name: CharsetUTF16, enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
	"UNICODE":      {Name: CharsetUTF16, enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
}

// CharsetNames lists the MSH-18 values the engine supports, in table 0211 spelling.
var CharsetNames = []string{CharsetASCII, "8859/1", "8859/2", "8859/3", "8859/4", "8859/5", "8859/6",
	"8859/7", "8859/8", "8859/9", "8859/15", CharsetUTF8, CharsetUTF16}

// LookupCharset returns the character set for an MSH-18 value. It accepts the
// table 0211 names and common spellings ("ISO-8859-1", "UTF-8", "windows-1252");
// an empty name is undeclared UTF-8.
func LookupCharset(name string) (Charset, bool) {
	k := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	}, name)
	k = strings.TrimPrefix(k, "ISO")
	if k == "" {
		return Charset{}, strings.TrimSpace(name) == ""
	}
	c, ok := charsetTable[k]
	return c, ok
}

// Encode converts UTF-8 text into the character set. Characters the set
// cannot hold become '?' (ASCII) or the set's substitute byte, so an
// acknowledgment is always sent.
func (c Charset) Encode(text []byte) ([]byte, error) {
	switch {
	case c.ascii:
		out := make([]byte, 0, len(text))
		for _, r := range string(text) {
			if r >= utf8.RuneSelf {
				r = '?'
			}
			out = append(out, byte(r))
		}
		return out, nil
	case c.enc == nil:
		return text, nil
	case c.Name == CharsetUTF16:
		order := unicode.LittleEndian
		if c.bigEndian {
			order = unicode.BigEndian
		}
		return unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes(text)
	}
	return encoding.ReplaceUnsupported(c.enc.NewEncoder()).Bytes(text)
}

// Decoded is an inbound message converted to UTF-8.
type Decoded struct {
	// Message is the message in UTF-8. When the sender used another character
	// set, MSH-18 is rewritten to "UNICODE UTF-8" so that the text is never decoded twice.
	Message []byte
	// Charset is the sender's character set, in which its acknowledgment is encoded.
	Charset Charset
	// Declared is MSH-18 as sent.
	Declared string
	// Warnings are fixed texts about leniency applied (never message content).
	Warnings []string
}

// Charset warnings recorded in Decoded.Warnings.
const (
	WarnCharsetFallback = "MSH-18 is empty and the message is not valid UTF-8: read as 8859/1"
	WarnCharsetInvalid  = "the message is not valid in its MSH-18 character set: read as 8859/1"
	WarnCharsetASCII8   = "MSH-18 says ASCII but the message has 8-bit bytes"
)

// DecodeCharset converts raw into UTF-8 according to its MSH-18. With MSH-18
// empty it accepts UTF-8 and falls back to 8859/1 (with a warning) for bytes
// that are not valid UTF-8. A UTF-16 message is recognized by its byte order
// mark (or its zero bytes around "MSH"). An unknown MSH-18 is a *ParseError
// naming MSH-18; raw is never modified.
func DecodeCharset(raw []byte) (Decoded, error) {
	if bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		raw = raw[3:]
	}
	if order, ok := utf16Order(raw); ok {
		return decodeUTF16(raw, order)
	}
	declared := mshField(raw, 18)
	cs, ok := LookupCharset(declared)
	if !ok {
		return Decoded{Declared: declared}, &ParseError{Segment: 1, Field: 18, Reason: "MSH-18 names a character set that is not supported"}
	}
	d := Decoded{Charset: cs, Declared: declared}
	switch {
	case cs.Name == CharsetUTF16:
		// Declared UTF-16 but written in an 8-bit form: read it as if undeclared.
		cs, d.Charset = Charset{}, Charset{Name: CharsetUTF8}
		fallthrough
	case cs.enc == nil:
		if utf8.Valid(raw) {
			if cs.ascii && !isASCII(raw) {
				d.Warnings = append(d.Warnings, WarnCharsetASCII8)
				d.Charset = Charset{Name: CharsetUTF8}
			}
			d.Message = raw
			break
		}
		switch {
		case cs.ascii:
			d.Warnings = append(d.Warnings, WarnCharsetASCII8)
		case declared == "":
			d.Warnings = append(d.Warnings, WarnCharsetFallback)
		default:
			d.Warnings = append(d.Warnings, WarnCharsetInvalid)
		}
		d.Charset = charsetTable["88591"]
		out, err := d.Charset.enc.NewDecoder().Bytes(raw)
		if err != nil {
			return d, &ParseError{Segment: 1, Field: 18, Reason: "the message cannot be read in its character set"}
		}
		d.Message = setMSH18(out, CharsetUTF8)
	default:
		out, err := cs.enc.NewDecoder().Bytes(raw)
		if err != nil {
			return d, &ParseError{Segment: 1, Field: 18, Reason: "the message cannot be read in its character set"}
		}
		d.Message = setMSH18(out, CharsetUTF8)
	}
	return d, nil
}

func decodeUTF16(raw []byte, order unicode.Endianness) (Decoded, error) {
	cs := charsetTable["UNICODEUTF16"]
	cs.bigEndian = order == unicode.BigEndian
	out, err := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder().Bytes(raw)
	if err != nil {
		// No BOM: ExpectBOM fails, so read with the order the zero bytes showed.
		if out, err = unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Bytes(raw); err != nil {
			return Decoded{}, &ParseError{Segment: 1, Field: 18, Reason: "the message cannot be read as UTF-16"}
		}
	}
	d := Decoded{Charset: cs, Declared: mshField(out, 18)}
	if c, ok := LookupCharset(d.Declared); !ok || c.Name != CharsetUTF16 {
		d.Warnings = append(d.Warnings, "the message is UTF-16 but MSH-18 does not say so")
	}
	d.Message = setMSH18(out, CharsetUTF8)
	return d, nil
}

// utf16Order recognizes UTF-16 by its BOM or by the zero bytes of "MSH"/"FHS"/"BHS".
func utf16Order(raw []byte) (unicode.Endianness, bool) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return unicode.LittleEndian, true
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return unicode.BigEndian, true
	case len(raw) >= 6 && raw[1] == 0 && raw[3] == 0 && raw[5] == 0 && raw[0] != 0:
		return unicode.LittleEndian, true
	case len(raw) >= 6 && raw[0] == 0 && raw[2] == 0 && raw[4] == 0 && raw[1] != 0:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// headerLine returns the first segment of raw (MSH, or FHS/BHS for a batch),
// skipping leading line breaks.
func headerLine(raw []byte) []byte {
	raw = bytes.TrimLeft(raw, "\r\n")
	if i := bytes.IndexAny(raw, "\r\n"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// firstMSH returns the start of the first MSH segment: the message itself, or
// the first message of a batch.
func firstMSH(raw []byte) []byte {
	raw = bytes.TrimLeft(raw, "\r\n")
	if bytes.HasPrefix(raw, []byte("MSH")) {
		return raw
	}
	for _, sep := range []string{"\rMSH", "\nMSH"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

// mshField returns the first repetition of MSH-n (n >= 3) in wire form, read
// from raw bytes without parsing the message; "" when absent.
func mshField(raw []byte, n int) string {
	line := headerLine(firstMSH(raw))
	if len(line) < 8 || string(line[:3]) != "MSH" {
		return ""
	}
	fs, rep := line[3], line[5]
	v := nth(string(line), fs, n)
	return strings.TrimSpace(nth(v, rep, 1))
}

// setMSH18 rewrites MSH-18 of every MSH (and FHS/BHS are left alone) in msg to name.
func setMSH18(msg []byte, name string) []byte {
	var out bytes.Buffer
	out.Grow(len(msg) + len(name))
	rest := msg
	for len(rest) > 0 {
		end := bytes.IndexAny(rest, "\r\n")
		line, sep := rest, []byte(nil)
		if end >= 0 {
			line, sep = rest[:end], rest[end:end+1]
			rest = rest[end+1:]
		} else {
			rest = nil
		}
		if len(line) >= 8 && string(line[:3]) == "MSH" {
			out.WriteString(setNth(string(line), line[3], 18, name))
		} else {
			out.Write(line)
		}
		out.Write(sep)
	}
	return out.Bytes()
}
