package clearinghouse_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClassification(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		code      string
		retryable bool
	}{
		// CORE envelope error codes.
		{"unauthorized 401", 401, nil, coreResponse("pid", "UnAuthorized", "bad password", ""), "UnAuthorized", false},
		{"unauthorized 200", 200, nil, coreResponse("pid", "UnAuthorized", "", ""), "UnAuthorized", false},
		{"version mismatch", 400, nil, coreResponse("pid", "VersionMismatch", "", ""), "VersionMismatch", false},
		{"payload id missing", 200, nil, coreResponse("", "PayloadIDMissing", "", ""), "PayloadIDMissing", false},
		{"payload id required", 400, nil, coreResponse("", "PayloadIDRequired", "", ""), "PayloadIDRequired", false},
		{"payload type incorrect", 200, nil, coreResponse("pid", "PayloadTypeIncorrect", "", ""), "PayloadTypeIncorrect", false},
		{"payload type illegal on 500", 500, nil, coreResponse("pid", "PayloadTypeIllegal", "", ""), "PayloadTypeIllegal", false},
		{"receiver unavailable", 200, nil, coreResponse("pid", "ReceiverUnavailable", "", ""), "ReceiverUnavailable", true},
		{"server busy", 503, nil, coreResponse("pid", "ServerBusy", "", ""), "ServerBusy", true},
		{"server timeout", 200, nil, coreResponse("pid", "ServerTimeout", "", ""), "ServerTimeout", true},
		{"receiver down with space", 200, nil, coreResponse("pid", "Receiver Down", "", ""), "Receiver Down", true},
		{"unknown code on 200", 200, nil, coreResponse("pid", "Frobnicated", "", ""), "Frobnicated", false},
		{"unknown code on 502", 502, nil, coreResponse("pid", "Frobnicated", "", ""), "Frobnicated", true},
		{"transient code on 403", 403, nil, coreResponse("pid", "ReceiverUnavailable", "", ""), "ReceiverUnavailable", false},
		// SOAP faults.
		{"fault receiver", 500, nil, soapFault("Receiver", "", "boom"), "Receiver", true},
		{"fault sender", 400, nil, soapFault("Sender", "", "bad"), "Sender", false},
		{"fault version mismatch on 500", 500, nil, soapFault("VersionMismatch", "", ""), "VersionMismatch", false},
		{"fault must understand", 500, nil, soapFault("MustUnderstand", "", ""), "MustUnderstand", false},
		{"fault wsse failed auth", 500, nil, soapFault("Sender", "wsse:FailedAuthentication", ""), "FailedAuthentication", false},
		{"fault wsse invalid security", 400, nil, soapFault("Sender", "wsse:InvalidSecurity", ""), "InvalidSecurity", false},
		{"fault receiver unknown subcode", 500, nil, soapFault("Receiver", "x:Overheated", ""), "Overheated", true},
		{"fault sender unknown subcode", 500, nil, soapFault("Sender", "x:Odd", ""), "Odd", false},
		{"soap 1.1 server fault", 500, nil, `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><e:Fault>` +
			`<faultcode>e:Server</faultcode><faultstring>down</faultstring></e:Fault></e:Body></e:Envelope>`, "Server", true},
		// Bare HTTP statuses and unusable bodies.
		{"http 500 html", 500, nil, "<html>oops</html>", "HTTP500", true},
		{"http 503 empty", 503, nil, "", "HTTP503", true},
		{"http 429", 429, nil, "", "HTTP429", true},
		{"http 408", 408, nil, "", "HTTP408", true},
		{"http 401 empty", 401, nil, "", "UnAuthorized", false},
		{"http 403 html", 403, nil, "<html/>", "UnAuthorized", false},
		{"http 404", 404, nil, "not found", "HTTP404", false},
		{"http 400", 400, nil, "", "HTTP400", false},
		{"200 not xml", 200, nil, "ISA*00*", "MalformedResponse", false},
		{"200 wrong namespace", 200, nil, `<Envelope><Body><COREEnvelopeRealTimeResponse/></Body></Envelope>`, "MalformedResponse", false},
		{"200 empty body", 200, nil, "", "MalformedResponse", false},
		{"200 success without payload", 200, nil, coreResponse("pid", "Success", "", ""), "MalformedResponse", false},
		{"success under 503", 503, nil, coreResponse("pid", "Success", "", "ISA~"), "HTTP503", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := newResponder(t, tc.status, tc.header, tc.body)
			_, err := newClient(rs.server.URL).RealTime(context.Background(), request270("pid"))
			e := chError(t, err)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.retryable, e.Retryable)
			assert.Equal(t, tc.status, e.HTTPStatus)
		})
	}
}

func TestRetryAfterAndMessage(t *testing.T) {
	rs := newResponder(t, http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}},
		coreResponse("pid", "ServerBusy", "try again soon", ""))
	_, err := newClient(rs.server.URL).RealTime(context.Background(), request270("pid"))
	e := chError(t, err)
	assert.Equal(t, 7*time.Second, e.RetryAfter)
	assert.Equal(t, "try again soon", e.Message, "responder text is kept for operators")
	assert.NotContains(t, e.Error(), "try again soon")
}
