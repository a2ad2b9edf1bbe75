package clearinghouse_test

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentEnvelope decodes a request with full namespace checks: every tag
// names the namespace the element must be in ("" for CORE's children).
type sentEnvelope struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  struct {
		Security struct {
			MustUnderstand string `xml:"http://www.w3.org/2003/05/soap-envelope mustUnderstand,attr"`
			Token          struct {
				Username string `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd Username"`
				Password struct {
					Type  string `xml:"Type,attr"`
					Value string `xml:",chardata"`
				} `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd Password"`
			} `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd UsernameToken"`
		} `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd Security"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body struct {
		Request struct {
			Children []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd COREEnvelopeRealTimeRequest"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

func TestRequestShape(t *testing.T) {
	rs := newResponder(t, http.StatusOK, nil, coreResponse("pid-1", "Success", "", "ISA*271~"))
	_, err := newClient(rs.server.URL+"/core/realtime").RealTime(context.Background(), request270("pid-1"))
	require.NoError(t, err)

	got := rs.last(t)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, `application/soap+xml; charset=utf-8; action="RealTimeTransaction"`, got.contentType)
	assert.Equal(t, "application/soap+xml", got.accept)
	assert.True(t, strings.HasPrefix(string(got.body), `<?xml version="1.0" encoding="UTF-8"?>`))
	assert.Contains(t, string(got.body), "<![CDATA["+sample270+"]]>", "the X12 travels verbatim as CDATA")

	var env sentEnvelope
	require.NoError(t, xml.Unmarshal(got.body, &env))
	assert.Equal(t, "true", env.Header.Security.MustUnderstand)
	assert.Equal(t, "user<1>", env.Header.Security.Token.Username, "escaped and read back")
	assert.Equal(t, `p&ss"word`, env.Header.Security.Token.Password.Value)
	assert.Equal(t, clearinghouse.PasswordTextType, env.Header.Security.Token.Password.Type)

	var names, values []string
	for _, c := range env.Body.Request.Children {
		assert.Empty(t, c.XMLName.Space, "CORE children are unqualified: %s", c.XMLName.Local)
		names = append(names, c.XMLName.Local)
		values = append(values, c.Value)
	}
	assert.Equal(t, []string{"PayloadType", "ProcessingMode", "PayloadID", "TimeStamp", "SenderID",
		"ReceiverID", "CORERuleVersion", "Payload"}, names)
	assert.Equal(t, []string{"X12_270_Request_005010X279A1", "RealTime", "pid-1", "2025-03-04T10:06:07Z",
		"CAREFLOW", "CLEARHOUSE", "2.2.0", sample270}, values)
}

func TestPayloadWithCDATATerminator(t *testing.T) {
	rs := newResponder(t, http.StatusOK, nil, coreResponse("pid-2", "Success", "", "ISA*271~"))
	req := request270("pid-2")
	req.Payload = []byte("ISA*a]]>b~<&>~")
	_, err := newClient(rs.server.URL).RealTime(context.Background(), req)
	require.NoError(t, err)
	var env sentEnvelope
	require.NoError(t, xml.Unmarshal(rs.last(t).body, &env))
	children := env.Body.Request.Children
	assert.Equal(t, "ISA*a]]>b~<&>~", children[len(children)-1].Value)
}

func TestSuccessResponse(t *testing.T) {
	const x271 = "ISA*00*          *00*          *ZZ*RECEIVER       *ZZ*SENDER         *250304*1006*^*00501*000000001*0*T*:~IEA*1*000000001~"
	rs := newResponder(t, http.StatusOK, nil, coreResponse("pid-3", "Success", "", x271))
	resp, err := newClient(rs.server.URL).RealTime(context.Background(), request270("pid-3"))
	require.NoError(t, err)
	assert.Equal(t, &clearinghouse.RealTimeResponse{
		PayloadType: clearinghouse.PayloadType271, PayloadID: "pid-3", ProcessingMode: "RealTime",
		SenderID: "CLEARHOUSE", ReceiverID: "CAREFLOW", ErrorCode: "Success",
		Payload:   []byte(x271),
		TimeStamp: time.Date(2025, 3, 4, 10, 6, 9, 0, time.UTC),
	}, resp)
}

func TestSuccessVariants(t *testing.T) {
	cases := map[string]string{
		// Escaped text instead of CDATA, qualified children, no zone on the
		// time stamp, no ErrorCode at all.
		"escaped-qualified-nozone": `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` +
			`<c:COREEnvelopeRealTimeResponse xmlns:c="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">` +
			`<c:PayloadType>X12_271_Response_005010X279A1</c:PayloadType><c:PayloadID>pid-v</c:PayloadID>` +
			`<c:TimeStamp>2025-03-04T10:06:09</c:TimeStamp><c:Payload>ISA*&lt;x&gt;~</c:Payload>` +
			`</c:COREEnvelopeRealTimeResponse></s:Body></s:Envelope>`,
		"whitespace-around-cdata": strings.Replace(coreResponse("pid-v", "Success", "", "ISA*<x>~"),
			"<Payload><![CDATA[", "<Payload>\n  <![CDATA[", 1),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			rs := newResponder(t, http.StatusOK, nil, body)
			resp, err := newClient(rs.server.URL).RealTime(context.Background(), request270("pid-v"))
			require.NoError(t, err)
			assert.Equal(t, "ISA*<x>~", string(resp.Payload))
			assert.Equal(t, time.Date(2025, 3, 4, 10, 6, 9, 0, time.UTC), resp.TimeStamp)
		})
	}
}

func TestPayloadIDMismatch(t *testing.T) {
	rs := newResponder(t, http.StatusOK, nil, coreResponse("someone-else", "Success", "", "ISA~"))
	_, err := newClient(rs.server.URL).RealTime(context.Background(), request270("pid-4"))
	e := chError(t, err)
	assert.Equal(t, clearinghouse.CodePayloadIDMismatch, e.Code)
	assert.False(t, e.Retryable)
}

func TestInvalidRequests(t *testing.T) {
	rs := newResponder(t, http.StatusOK, nil, coreResponse("x", "Success", "", "ISA~"))
	good := newClient(rs.server.URL)
	cases := map[string]struct {
		client *clearinghouse.Client
		req    clearinghouse.RealTimeRequest
	}{
		"empty id":         {good, request270("")},
		"long id":          {good, request270(strings.Repeat("a", 51))},
		"id with space":    {good, request270("a b")},
		"id starts dash":   {good, request270("-abc")},
		"bad payload type": {good, clearinghouse.RealTimeRequest{PayloadType: "X12 270", PayloadID: "a", Payload: []byte("ISA~")}},
		"empty payload":    {good, clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: "a"}},
		"control char":     {good, clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: "a", Payload: []byte("ISA\x1dX")}},
		"bad utf8":         {good, clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: "a", Payload: []byte("ISA\xff")}},
		"no base url":      {clearinghouse.New(clearinghouse.Config{Username: "u", Password: "p", SenderID: "s", ReceiverID: "r"}), request270("a")},
		"no credentials":   {clearinghouse.New(clearinghouse.Config{BaseURL: rs.server.URL, SenderID: "s", ReceiverID: "r"}), request270("a")},
		"no partner ids":   {clearinghouse.New(clearinghouse.Config{BaseURL: rs.server.URL, Username: "u", Password: "p"}), request270("a")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tc.client.RealTime(context.Background(), tc.req)
			e := chError(t, err)
			assert.Equal(t, clearinghouse.CodeInvalidRequest, e.Code)
			assert.False(t, e.Retryable)
		})
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	assert.Empty(t, rs.reqs, "invalid requests are never sent")
}

func TestErrorsNeverCarryPayloadOrVendorText(t *testing.T) {
	const secret = "SECRETMEMBER"
	bodies := []struct {
		status int
		body   string
	}{
		{http.StatusOK, coreResponse("pid-5", "PayloadTypeIllegal", "member "+secret+" unknown", "")},
		{http.StatusInternalServerError, soapFault("Receiver", "", "crash handling "+secret)},
		{http.StatusOK, "<html>" + secret + "</html>"},
		{http.StatusBadGateway, secret},
	}
	for _, b := range bodies {
		rs := newResponder(t, b.status, nil, b.body)
		_, err := newClient(rs.server.URL).RealTime(context.Background(), request270("pid-5"))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, err.Error(), "ISA*")
	}
}

func TestTransportErrors(t *testing.T) {
	// A server that never answers in time: the context deadline fires.
	block := make(chan struct{})
	rs := newResponder(t, http.StatusOK, nil, "")
	rs.server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := newClient(rs.server.URL).RealTime(ctx, request270("pid-6"))
	e := chError(t, err)
	assert.Equal(t, clearinghouse.CodeTimeout, e.Code)
	assert.True(t, e.Retryable)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))

	// Nobody listening: connection refused.
	closed := newResponder(t, http.StatusOK, nil, "")
	url := closed.server.URL
	closed.server.Close()
	_, err = newClient(url).RealTime(context.Background(), request270("pid-6"))
	e = chError(t, err)
	assert.Equal(t, clearinghouse.CodeTransport, e.Code)
	assert.True(t, e.Retryable)
	assert.True(t, clearinghouse.IsRetryable(err))
}

// chError asserts err is a *clearinghouse.Error and returns it.
func chError(t *testing.T, err error) *clearinghouse.Error {
	t.Helper()
	require.Error(t, err)
	var e *clearinghouse.Error
	require.Truef(t, errors.As(err, &e), "want *clearinghouse.Error, got %T: %v", err, err)
	return e
}
