package clearinghouse_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/stretchr/testify/require"
)

// fixedNow is the clock the tests give the client.
var fixedNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("EST", -5*3600))

// sample270 is a small 270 interchange; its content is never PHI.
const sample270 = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250304*1006*^*00501*000000001*0*T*:~" +
	"GS*HS*SENDER*RECEIVER*20250304*1006*1*X*005010X279A1~ST*270*0001*005010X279A1~" +
	"BHT*0022*13*REF1*20250304*1006~HL*1**20*1~NM1*PR*2*PAYER*****PI*P1~HL*2*1*21*1~" +
	"NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*22*0~TRN*1*TRACE1*9CAREFLOW~" +
	"NM1*IL*1*DOE*JANE****MI*SECRETMEMBER~DMG*D8*19800102~DTP*291*D8*20250304~EQ*30~" +
	"SE*13*0001~GE*1*1~IEA*1*000000001~"

// captured is one request the fake responder received.
type captured struct {
	method, contentType, accept string
	body                        []byte
}

// responder is an httptest server answering with a fixed status and body
// and recording what it received.
type responder struct {
	mu     sync.Mutex
	reqs   []captured
	server *httptest.Server
}

// newResponder starts a server that answers every request with status,
// headers h and body.
func newResponder(t *testing.T, status int, h http.Header, body string) *responder {
	t.Helper()
	rs := &responder{}
	rs.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		rs.reqs = append(rs.reqs, captured{method: r.Method, contentType: r.Header.Get("Content-Type"),
			accept: r.Header.Get("Accept"), body: b})
		rs.mu.Unlock()
		for k, v := range h {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(rs.server.Close)
	return rs
}

// last returns the last captured request.
func (rs *responder) last(t *testing.T) captured {
	t.Helper()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	require.NotEmpty(t, rs.reqs)
	return rs.reqs[len(rs.reqs)-1]
}

// newClient returns a client for url with test credentials.
func newClient(url string) *clearinghouse.Client {
	return clearinghouse.New(clearinghouse.Config{
		BaseURL: url, Username: "user<1>", Password: "p&ss\"word",
		SenderID: "CAREFLOW", ReceiverID: "CLEARHOUSE",
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Now:        func() time.Time { return fixedNow },
	})
}

// request270 is a valid request carrying sample270.
func request270(id string) clearinghouse.RealTimeRequest {
	return clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: id,
		Payload: []byte(sample270)}
}

// coreResponse renders a CORE real-time response envelope; payload is put in
// CDATA unless it is empty.
func coreResponse(payloadID, errorCode, errorMessage, payload string) string {
	p := ""
	if payload != "" {
		p = "<![CDATA[" + payload + "]]>"
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">
 <soap:Body>
  <ns0:COREEnvelopeRealTimeResponse xmlns:ns0="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">
   <PayloadType>X12_271_Response_005010X279A1</PayloadType>
   <ProcessingMode>RealTime</ProcessingMode>
   <PayloadID>%s</PayloadID>
   <TimeStamp>2025-03-04T10:06:09Z</TimeStamp>
   <SenderID>CLEARHOUSE</SenderID>
   <ReceiverID>CAREFLOW</ReceiverID>
   <CORERuleVersion>2.2.0</CORERuleVersion>
   <Payload>%s</Payload>
   <ErrorCode>%s</ErrorCode>
   <ErrorMessage>%s</ErrorMessage>
  </ns0:COREEnvelopeRealTimeResponse>
 </soap:Body>
</soap:Envelope>`, payloadID, p, errorCode, xmlText(errorMessage))
}

// soapFault renders a SOAP 1.2 fault with an optional subcode.
func soapFault(code, subcode, reason string) string {
	sub := ""
	if subcode != "" {
		sub = `<env:Subcode><env:Value xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
			subcode + `</env:Value></env:Subcode>`
	}
	return `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>` +
		`<env:Code><env:Value>env:` + code + `</env:Value>` + sub + `</env:Code>` +
		`<env:Reason><env:Text xml:lang="en">` + xmlText(reason) + `</env:Text></env:Reason>` +
		`</env:Fault></env:Body></env:Envelope>`
}

// xmlText escapes s for use as XML character data.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
