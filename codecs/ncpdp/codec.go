package ncpdp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxMessageSize bounds the input Decode accepts; real SCRIPT messages are a
// few kilobytes.
const MaxMessageSize = 1 << 20

// Kinds of DecodeError.
const (
	KindEncoding    = "encoding"     // not UTF-8, or another encoding declared
	KindSyntax      = "syntax"       // not well-formed XML, or not a Message
	KindMessageType = "message-type" // no body, an unknown body, or several
)

// DecodeError reports input that is not a SCRIPT message this package reads.
// Its message never holds element content.
type DecodeError struct {
	// Kind is KindEncoding, KindSyntax or KindMessageType.
	Kind string
	// Reason is a fixed description, possibly naming an element.
	Reason string
}

// Error formats the error as "ncpdp: kind: reason".
func (e *DecodeError) Error() string { return "ncpdp: " + e.Kind + ": " + e.Reason }

// FieldError is one problem with one element, named by its path
// ("Header.MessageID", "Body.NewRx.Pharmacy.Identification.NCPDPID").
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError lists every required element missing or malformed in a
// message. Its message names elements, never their values.
type ValidationError struct {
	Problems []FieldError
}

// Error joins the problems into one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("ncpdp: invalid message: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Field)
		b.WriteString(" ")
		b.WriteString(p.Reason)
	}
	return b.String()
}

// Has reports whether field is among the problems.
func (e *ValidationError) Has(field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// Decode parses and validates one SCRIPT message. Input that is not UTF-8
// XML with a Message root and exactly one known body yields a *DecodeError;
// a message missing required elements or with out-of-range values yields a
// *ValidationError (the decoded message is returned with it, so a caller can
// still answer with an Error that relates to its MessageID).
func Decode(data []byte) (*Message, error) {
	if err := checkEncoding(data); err != nil {
		return nil, err
	}
	var m Message
	dec := xml.NewDecoder(bytes.NewReader(data))
	// Any declared encoding other than UTF-8 was refused above; this reader
	// only lets the "utf-8" label through in its spellings.
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if isUTF8Label(label) {
			return r, nil
		}
		return nil, errors.New("unsupported encoding")
	}
	if err := dec.Decode(&m); err != nil {
		return nil, syntaxError(err)
	}
	// Anything but white space, comments or processing instructions after
	// the root is not one message.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, &DecodeError{Kind: KindSyntax, Reason: "content after the Message element"}
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, &DecodeError{Kind: KindSyntax, Reason: "content after the Message element"}
		}
	}
	if err := checkBody(&m.Body); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return &m, err
	}
	return &m, nil
}

// checkBody requires exactly one modelled body and no unknown one.
func checkBody(b *Body) error {
	known := b.types()
	switch {
	case len(b.other) > 0 && len(known) == 0:
		// An element name is not PHI, and it tells the sender what was refused.
		return &DecodeError{Kind: KindMessageType, Reason: "unknown message type " + safeName(b.other[0].XMLName.Local)}
	case len(b.other) > 0 || len(known) > 1:
		return &DecodeError{Kind: KindMessageType, Reason: "body holds more than one message"}
	case len(known) == 0:
		return &DecodeError{Kind: KindMessageType, Reason: "body holds no message"}
	}
	return nil
}

// safeName returns an element name shortened and limited to name
// characters, so a crafted name cannot smuggle text into logs.
func safeName(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "(invalid name)"
		}
	}
	return s
}

// syntaxError maps encoding/xml errors to a DecodeError without their text,
// which may quote input.
func syntaxError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &DecodeError{Kind: KindSyntax, Reason: "malformed XML on line " + strconv.Itoa(se.Line)}
	}
	if errors.Is(err, errSentTime) {
		return &DecodeError{Kind: KindSyntax, Reason: "Header.SentTime " + errSentTime.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &DecodeError{Kind: KindSyntax, Reason: "no Message element"}
	}
	var ue xml.UnmarshalError
	if errors.As(err, &ue) && strings.HasPrefix(string(ue), "expected element type <Message>") {
		return &DecodeError{Kind: KindSyntax, Reason: "root element is not Message"}
	}
	return &DecodeError{Kind: KindSyntax, Reason: "malformed message"}
}

// checkEncoding accepts UTF-8 only: valid UTF-8 bytes, no UTF-16 or UTF-32
// byte order mark, and an XML declaration that names no other encoding.
func checkEncoding(data []byte) error {
	if len(data) > MaxMessageSize {
		return &DecodeError{Kind: KindSyntax, Reason: "message exceeds 1 MiB"}
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) ||
		bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}) {
		return &DecodeError{Kind: KindEncoding, Reason: "UTF-16 or UTF-32 input; only UTF-8 is accepted"}
	}
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if !utf8.Valid(data) {
		return &DecodeError{Kind: KindEncoding, Reason: "input is not valid UTF-8; only UTF-8 is accepted"}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<?xml")) {
		return nil
	}
	end := bytes.Index(trimmed, []byte("?>"))
	if end < 0 {
		return &DecodeError{Kind: KindSyntax, Reason: "unterminated XML declaration"}
	}
	decl := string(trimmed[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return nil
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return &DecodeError{Kind: KindSyntax, Reason: "malformed XML declaration"}
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return &DecodeError{Kind: KindSyntax, Reason: "malformed XML declaration"}
	}
	label, _, ok := strings.Cut(rest[1:], rest[:1])
	if !ok {
		return &DecodeError{Kind: KindSyntax, Reason: "malformed XML declaration"}
	}
	if !isUTF8Label(label) {
		return &DecodeError{Kind: KindEncoding, Reason: "declared encoding is not UTF-8; only UTF-8 is accepted"}
	}
	return nil
}

func isUTF8Label(label string) bool {
	return strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8")
}

// Encode validates m and writes it as UTF-8 XML with an XML declaration.
// Empty version attributes and namespace are filled with this version's
// values first (on a copy of the root; m is not modified).
func Encode(m *Message) ([]byte, error) {
	c := *m
	c.fillDefaults()
	if err := checkBody(&c.Body); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(4096)
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fillDefaults sets empty version attributes, the domain and the namespace.
func (m *Message) fillDefaults() {
	for _, v := range []*string{&m.DatatypesVersion, &m.TransportVersion, &m.TransactionVersion, &m.StructuresVersion, &m.ECLVersion} {
		if *v == "" {
			*v = Version
		}
	}
	if m.TransactionDomain == "" {
		m.TransactionDomain = Domain
	}
	if m.Xmlns == "" {
		m.Xmlns = Namespace
	}
}
