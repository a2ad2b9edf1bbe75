package clearinghouse

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzInterpret feeds arbitrary response bodies to the response classifier:
// it must never panic, must return exactly one of response or *Error, and
// its error text must never echo the body.
func FuzzInterpret(f *testing.F) {
	f.Add(200, `<s:Envelope xmlns:s="`+SOAP12Namespace+`"><s:Body><c:COREEnvelopeRealTimeResponse xmlns:c="`+
		CORENamespace+`"><PayloadID>p</PayloadID><Payload><![CDATA[ISA~]]></Payload><ErrorCode>Success</ErrorCode>`+
		`</c:COREEnvelopeRealTimeResponse></s:Body></s:Envelope>`)
	f.Add(500, `<s:Envelope xmlns:s="`+SOAP12Namespace+`"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value>`+
		`<s:Subcode><s:Value>x:Busy</s:Value></s:Subcode></s:Code></s:Fault></s:Body></s:Envelope>`)
	f.Add(401, "")
	f.Add(200, "<!DOCTYPE x [<!ENTITY a SYSTEM \"file:///etc/passwd\">]><x>&a;</x>")
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 599 {
			return
		}
		resp, err := interpret(RealTimeRequest{PayloadID: "p"}, status, http.Header{}, []byte(body), true)
		if (resp == nil) == (err == nil) {
			t.Fatalf("want exactly one of response and error, got %v, %v", resp, err)
		}
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("want *Error, got %T", err)
		}
		if len(body) > 40 && strings.Contains(e.Error(), body) {
			t.Fatalf("error text echoes the body")
		}
	})
}
