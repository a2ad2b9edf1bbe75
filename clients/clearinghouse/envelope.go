package clearinghouse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Namespaces and fixed values of the CORE real-time envelope.
const (
	// SOAP12Namespace is the SOAP 1.2 envelope namespace.
	SOAP12Namespace = "http://www.w3.org/2003/05/soap-envelope"
	// soap11Namespace is only recognised, to read faults from SOAP 1.1 nodes.
	soap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/"
	// CORENamespace is the CORE rule 2.2.0 schema namespace.
	CORENamespace = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
	// WSSENamespace is the OASIS WS-Security 1.0 secext namespace.
	WSSENamespace = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// PasswordTextType is the UsernameToken password type for clear text.
	PasswordTextType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	// CORERuleVersion is the rule version this client speaks.
	CORERuleVersion = "2.2.0"
	// ProcessingModeRealTime is the only processing mode this client sends.
	ProcessingModeRealTime = "RealTime"
	// ContentType is the request's media type with the SOAP 1.2 action.
	ContentType = `application/soap+xml; charset=utf-8; action="RealTimeTransaction"`
)

// Payload types of the eligibility exchange.
const (
	PayloadType270 = "X12_270_Request_005010X279A1"
	PayloadType271 = "X12_271_Response_005010X279A1"
	PayloadType999 = "X12_999_Response_005010X231A1"
)

// envelopeFields are the CORE request elements in schema order.
type envelopeFields struct {
	username, password                                  string
	payloadType, payloadID, timeStamp, sender, receiver string
	payload                                             []byte
	// element is the CORE request element (COREEnvelopeRealTimeRequest when
	// empty) and mode its ProcessingMode (RealTime when empty).
	element, mode string
}

// buildEnvelope writes the SOAP 1.2 request. It is written by hand rather
// than by encoding/xml so the prefixes and element order are exactly what
// CORE responders' examples show.
func buildEnvelope(f envelopeFields) []byte {
	var b bytes.Buffer
	b.Grow(1200 + len(f.payload))
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + SOAP12Namespace + `">`)
	b.WriteString(`<soapenv:Header>`)
	b.WriteString(`<wsse:Security xmlns:wsse="` + WSSENamespace + `" soapenv:mustUnderstand="true">`)
	b.WriteString(`<wsse:UsernameToken>`)
	element(&b, "wsse:Username", f.username)
	b.WriteString(`<wsse:Password Type="` + PasswordTextType + `">`)
	escape(&b, f.password)
	b.WriteString(`</wsse:Password>`)
	b.WriteString(`</wsse:UsernameToken></wsse:Security></soapenv:Header>`)
	b.WriteString(`<soapenv:Body>`)
	el, mode := f.element, f.mode
	if el == "" {
		el, mode = realTimeRequestElement, ProcessingModeRealTime
	}
	b.WriteString(`<cor:` + el + ` xmlns:cor="` + CORENamespace + `">`)
	element(&b, "PayloadType", f.payloadType)
	element(&b, "ProcessingMode", mode)
	element(&b, "PayloadID", f.payloadID)
	element(&b, "TimeStamp", f.timeStamp)
	element(&b, "SenderID", f.sender)
	element(&b, "ReceiverID", f.receiver)
	element(&b, "CORERuleVersion", CORERuleVersion)
	if len(f.payload) > 0 {
		b.WriteString(`<Payload>`)
		writeCDATA(&b, f.payload)
		b.WriteString(`</Payload>`)
	}
	b.WriteString(`</cor:` + el + `></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// element writes <name>escaped text</name>.
func element(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	escape(b, text)
	b.WriteString("</" + name + ">")
}

// escape writes s as XML character data.
func escape(b *bytes.Buffer, s string) {
	// EscapeText only fails when the writer does; bytes.Buffer never does.
	_ = xml.EscapeText(b, []byte(s))
}

// writeCDATA writes p as CDATA sections, splitting any "]]>" inside it so
// the section cannot end early.
func writeCDATA(b *bytes.Buffer, p []byte) {
	b.WriteString("<![CDATA[")
	for {
		i := bytes.Index(p, []byte("]]>"))
		if i < 0 {
			break
		}
		b.Write(p[:i+2])
		b.WriteString("]]><![CDATA[")
		p = p[i+2:]
	}
	b.Write(p)
	b.WriteString("]]>")
}

// xmlSafe reports whether p is UTF-8 made only of characters XML 1.0 can
// carry; X12 delimiters chosen from the C0 controls (other than tab, CR and
// LF) cannot travel in a SOAP envelope.
func xmlSafe(p []byte) bool {
	for len(p) > 0 {
		r, n := utf8.DecodeRune(p)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		p = p[n:]
	}
	return true
}

// envelopeXML is a SOAP envelope as read back; element names match any
// namespace, the envelope's own namespace is checked after decoding.
type envelopeXML struct {
	XMLName xml.Name
	Body    struct {
		Fault    *faultXML    `xml:"Fault"`
		Response *responseXML `xml:"COREEnvelopeRealTimeResponse"`
		// The batch answers share the real-time response's fields.
		BatchSubmission *responseXML `xml:"COREEnvelopeBatchSubmissionResponse"`
		BatchResults    *responseXML `xml:"COREEnvelopeBatchResultsRetrievalResponse"`
	} `xml:"Body"`
}

// responseXML is the body of COREEnvelopeRealTimeResponse.
type responseXML struct {
	PayloadType     string `xml:"PayloadType"`
	ProcessingMode  string `xml:"ProcessingMode"`
	PayloadID       string `xml:"PayloadID"`
	TimeStamp       string `xml:"TimeStamp"`
	SenderID        string `xml:"SenderID"`
	ReceiverID      string `xml:"ReceiverID"`
	CORERuleVersion string `xml:"CORERuleVersion"`
	Payload         string `xml:"Payload"`
	ErrorCode       string `xml:"ErrorCode"`
	ErrorMessage    string `xml:"ErrorMessage"`
}

// faultXML reads SOAP 1.2 faults (Code/Value, Code/Subcode/Value,
// Reason/Text) and SOAP 1.1 faults (faultcode, faultstring).
type faultXML struct {
	Code struct {
		Value   string      `xml:"Value"`
		Subcode *subcodeXML `xml:"Subcode"`
	} `xml:"Code"`
	Reason struct {
		Text []string `xml:"Text"`
	} `xml:"Reason"`
	FaultCode   string `xml:"faultcode"`
	FaultString string `xml:"faultstring"`
}

// subcodeXML is a SOAP 1.2 fault subcode, possibly nested.
type subcodeXML struct {
	Value   string      `xml:"Value"`
	Subcode *subcodeXML `xml:"Subcode"`
}

// errNotEnvelope is returned by parseEnvelope for anything that is not a
// SOAP envelope holding a fault or a CORE real-time response.
var errNotEnvelope = errors.New("not a SOAP envelope with a CORE response or fault")

// parseEnvelope decodes a response body. The decoder never resolves
// external entities, so hostile bodies cannot make it read files or URLs.
func parseEnvelope(body []byte) (*envelopeXML, error) {
	var env envelopeXML
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return nil, err
	}
	if env.XMLName.Local != "Envelope" ||
		env.XMLName.Space != SOAP12Namespace && env.XMLName.Space != soap11Namespace {
		return nil, errNotEnvelope
	}
	if env.Body.Response == nil {
		// Only one kind of answer is expected per request; whichever came
		// is read through Response.
		if env.Body.BatchSubmission != nil {
			env.Body.Response = env.Body.BatchSubmission
		} else {
			env.Body.Response = env.Body.BatchResults
		}
	}
	if env.Body.Fault == nil && env.Body.Response == nil {
		return nil, errNotEnvelope
	}
	return &env, nil
}

// code returns the fault's most specific code: the innermost subcode if
// any, else the top-level code, as a local name without its prefix.
func (f *faultXML) code() string {
	c := f.Code.Value
	for s := f.Code.Subcode; s != nil; s = s.Subcode {
		if strings.TrimSpace(s.Value) != "" {
			c = s.Value
		}
	}
	if strings.TrimSpace(c) == "" {
		c = f.FaultCode
	}
	return localName(c)
}

// topCode returns the fault's top-level code (Sender, Receiver, ...).
func (f *faultXML) topCode() string {
	if v := strings.TrimSpace(f.Code.Value); v != "" {
		return localName(v)
	}
	return localName(f.FaultCode)
}

// reason returns the fault's first reason text.
func (f *faultXML) reason() string {
	if len(f.Reason.Text) > 0 {
		return f.Reason.Text[0]
	}
	return f.FaultString
}

// localName strips a QName's prefix ("soapenv:Sender" -> "Sender").
func localName(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.LastIndexByte(q, ':'); i >= 0 {
		return q[i+1:]
	}
	return q
}

// parseTimeStamp reads a CORE TimeStamp: RFC 3339, or without a zone (taken
// as UTC), as some responders send. The zero time means unreadable.
func parseTimeStamp(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
