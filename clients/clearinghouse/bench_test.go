package clearinghouse

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkEnvelopeRoundTrip measures building a request envelope and
// interpreting a success response, the client's CPU cost per inquiry.
func BenchmarkEnvelopeRoundTrip(b *testing.B) {
	payload := []byte(strings.Repeat("EB*1*IND*30~", 40))
	resp := []byte(`<s:Envelope xmlns:s="` + SOAP12Namespace + `"><s:Body><c:COREEnvelopeRealTimeResponse xmlns:c="` +
		CORENamespace + `"><PayloadType>X12_271_Response_005010X279A1</PayloadType><PayloadID>p</PayloadID>` +
		`<TimeStamp>2025-03-04T10:06:09Z</TimeStamp><Payload><![CDATA[` + string(payload) + `]]></Payload>` +
		`<ErrorCode>Success</ErrorCode></c:COREEnvelopeRealTimeResponse></s:Body></s:Envelope>`)
	req := RealTimeRequest{PayloadType: PayloadType270, PayloadID: "p", Payload: payload}
	b.ReportAllocs()
	for b.Loop() {
		_ = buildEnvelope(envelopeFields{username: "u", password: "p", payloadType: req.PayloadType,
			payloadID: req.PayloadID, timeStamp: "2025-03-04T10:06:07Z", sender: "s", receiver: "r",
			payload: req.Payload})
		if _, err := interpret(req, http.StatusOK, http.Header{}, resp, true); err != nil {
			b.Fatal(err)
		}
	}
}
