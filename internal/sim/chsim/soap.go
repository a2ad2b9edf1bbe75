package chsim

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"time"
)

// Namespaces and fixed values of the CORE real-time envelope. The simulator
// keeps its own copy rather than importing the client, so a mistake in one
// cannot hide the same mistake in the other.
const (
	soap12NS        = "http://www.w3.org/2003/05/soap-envelope"
	soap11NS        = "http://schemas.xmlsoap.org/soap/envelope/"
	coreNS          = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
	wsseNS          = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	passwordText    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	coreRuleVersion = "2.2.0"

	payloadType270      = "X12_270_Request_005010X279A1"
	payloadType271      = "X12_271_Response_005010X279A1"
	payloadType999      = "X12_999_Response_005010X231A1"
	payloadTypeEnvError = "CoreEnvelopeError"
)

// requestEnvelope is a SOAP request as the simulator reads it. Tags without
// a namespace match any; namespaces are checked after decoding.
type requestEnvelope struct {
	XMLName xml.Name
	Header  struct {
		Security *struct {
			XMLName xml.Name
			Token   *struct {
				Username string `xml:"Username"`
				Password struct {
					Type  string `xml:"Type,attr"`
					Value string `xml:",chardata"`
				} `xml:"Password"`
			} `xml:"UsernameToken"`
		} `xml:"Security"`
	} `xml:"Header"`
	Body struct {
		Request *coreRequest `xml:"COREEnvelopeRealTimeRequest"`
		// BatchSubmission and BatchRetrieval are the batch mode's requests;
		// parseRequest moves either into Request and sets batch.
		BatchSubmission *coreRequest `xml:"COREEnvelopeBatchSubmission"`
		BatchRetrieval  *coreRequest `xml:"COREEnvelopeBatchResultsRetrievalRequest"`
	} `xml:"Body"`
	// batch is set for batch requests, submit for a batch submission.
	batch, submit bool
}

// coreRequest is COREEnvelopeRealTimeRequest.
type coreRequest struct {
	XMLName         xml.Name
	PayloadType     string `xml:"PayloadType"`
	ProcessingMode  string `xml:"ProcessingMode"`
	PayloadID       string `xml:"PayloadID"`
	TimeStamp       string `xml:"TimeStamp"`
	SenderID        string `xml:"SenderID"`
	ReceiverID      string `xml:"ReceiverID"`
	CORERuleVersion string `xml:"CORERuleVersion"`
	Payload         string `xml:"Payload"`
}

// coreResponse is what the simulator answers inside the SOAP body.
type coreResponse struct {
	payloadType, payloadID, timeStamp, sender, receiver string
	payload                                             []byte
	errorCode, errorMessage                             string
}

// renderResponse writes a COREEnvelopeRealTimeResponse envelope.
func renderResponse(r coreResponse) []byte {
	return renderBatchResponse("COREEnvelopeRealTimeResponse", r)
}

// renderBatchResponse writes a CORE response envelope with root element el
// (its ProcessingMode is Batch unless el is the real-time response).
func renderBatchResponse(el string, r coreResponse) []byte {
	mode := "Batch"
	if el == "COREEnvelopeRealTimeResponse" {
		mode = "RealTime"
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soap12NS + `"><soapenv:Body>`)
	b.WriteString(`<ns1:` + el + ` xmlns:ns1="` + coreNS + `">`)
	text(&b, "PayloadType", r.payloadType)
	text(&b, "ProcessingMode", mode)
	text(&b, "PayloadID", r.payloadID)
	text(&b, "TimeStamp", r.timeStamp)
	text(&b, "SenderID", r.sender)
	text(&b, "ReceiverID", r.receiver)
	text(&b, "CORERuleVersion", coreRuleVersion)
	if len(r.payload) > 0 {
		// X12 from this simulator never contains "]]>", so one section does.
		b.WriteString("<Payload><![CDATA[")
		b.Write(r.payload)
		b.WriteString("]]></Payload>")
	}
	text(&b, "ErrorCode", r.errorCode)
	text(&b, "ErrorMessage", r.errorMessage)
	b.WriteString(`</ns1:` + el + `></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// soapFault is a SOAP 1.2 fault; subcode, if set, is a wsse: QName.
type soapFault struct {
	status  int
	code    string // Sender, Receiver or VersionMismatch
	subcode string // local name in the wsse namespace, optional
	reason  string // simulator-written, never request content
}

// render writes the fault envelope.
func (f soapFault) render() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soap12NS + `"><soapenv:Body><soapenv:Fault>`)
	b.WriteString(`<soapenv:Code><soapenv:Value>soapenv:` + f.code + `</soapenv:Value>`)
	if f.subcode != "" {
		b.WriteString(`<soapenv:Subcode><soapenv:Value xmlns:wsse="` + wsseNS + `">wsse:` + f.subcode +
			`</soapenv:Value></soapenv:Subcode>`)
	}
	b.WriteString(`</soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en">`)
	_ = xml.EscapeText(&b, []byte(f.reason))
	b.WriteString(`</soapenv:Text></soapenv:Reason></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// text writes <name>escaped</name>.
func text(b *bytes.Buffer, name, s string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(s))
	b.WriteString("</" + name + ">")
}

// writeSOAP sends a SOAP 1.2 body.
func writeSOAP(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// stamp formats a CORE TimeStamp.
func stamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
