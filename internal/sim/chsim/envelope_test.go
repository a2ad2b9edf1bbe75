package chsim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBadCredentialsArePermanent(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	_, err := newClient(srv, testUser, "wrong").RealTime(context.Background(), request(chsim.MemberActive, "pid-auth"))
	e := chError(t, err)
	assert.Equal(t, clearinghouse.CodeUnauthorized, e.Code)
	assert.Equal(t, http.StatusUnauthorized, e.HTTPStatus)
	assert.False(t, e.Retryable)
	_, err = newClient(srv, "someone", testPass).RealTime(context.Background(), request(chsim.MemberActive, "pid-auth"))
	assert.False(t, chError(t, err).Retryable)

	st := srv.Sim.Stats()
	assert.Equal(t, 2, st.AuthFailures)
	assert.Zero(t, st.Inquiries, "nothing reached the payer")

	// The right credentials with the same PayloadID are a first inquiry.
	_, err = newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberActive, "pid-auth"))
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Sim.Stats().Inquiries)
}

func TestAnyCredentialsWhenUnconfigured(t *testing.T) {
	srv, err := chsim.Start(chsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	_, err = newClient(srv, "anyone", "anything").RealTime(context.Background(), request(chsim.MemberActive, "pid-any"))
	require.NoError(t, err)
}

func TestEnvelopeErrors(t *testing.T) {
	srv := startSim(t, chsim.Options{ReceiverID: "CHSIM"})
	cases := []struct {
		name        string
		contentType string
		edit        func(e *rawEnvelope)
		raw         string // used instead of the envelope when set
		status      int
		contains    string
	}{
		{"valid", soapType, func(e *rawEnvelope) {}, "", 200, "<ErrorCode>Success</ErrorCode>"},
		{"soap 1.1 media type", "text/xml; charset=utf-8", func(e *rawEnvelope) {}, "", 415, "soapenv:Sender"},
		{"not xml", soapType, nil, "ISA*00*", 400, "soapenv:Sender"},
		{"soap 1.1 envelope", soapType, func(e *rawEnvelope) { e.envNS = "http://schemas.xmlsoap.org/soap/envelope/" }, "", 500, "soapenv:VersionMismatch"},
		{"other core namespace", soapType, func(e *rawEnvelope) { e.coreNS = "http://www.caqh.org/SOAP/WSDL/CORERule4.0.0.xsd" }, "", 400, "soapenv:Sender"},
		{"no security", soapType, func(e *rawEnvelope) { e.security = "" }, "", 400, "wsse:InvalidSecurity"},
		{"security in wrong namespace", soapType, func(e *rawEnvelope) {
			e.security = strings.Replace(e.security, "oasis-200401-wss-wssecurity-secext-1.0.xsd", "other", 1)
		}, "", 400, "wsse:InvalidSecurity"},
		{"password digest", soapType, func(e *rawEnvelope) {
			e.security = strings.Replace(e.security, "<wsse:Password>", `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">`, 1)
		}, "", 400, "wsse:UnsupportedSecurityToken"},
		{"no payload type", soapType, func(e *rawEnvelope) { e.payloadType = "" }, "", 400, "<ErrorCode>PayloadTypeRequired</ErrorCode>"},
		{"276 payload type", soapType, func(e *rawEnvelope) { e.payloadType = "X12_276_Request_005010X212" }, "", 400, "<ErrorCode>PayloadTypeIllegal</ErrorCode>"},
		{"batch mode", soapType, func(e *rawEnvelope) { e.mode = "Batch" }, "", 400, "<ErrorCode>ProcessingModeIllegal</ErrorCode>"},
		{"no payload id", soapType, func(e *rawEnvelope) { e.payloadID = "" }, "", 400, "<ErrorCode>PayloadIDRequired</ErrorCode>"},
		{"long payload id", soapType, func(e *rawEnvelope) { e.payloadID = strings.Repeat("x", 51) }, "", 400, "<ErrorCode>PayloadIDIllegal</ErrorCode>"},
		{"bad time stamp", soapType, func(e *rawEnvelope) { e.timeStamp = "yesterday" }, "", 400, "<ErrorCode>TimeStampIllegal</ErrorCode>"},
		{"no sender", soapType, func(e *rawEnvelope) { e.sender = "" }, "", 400, "<ErrorCode>SenderIDRequired</ErrorCode>"},
		{"wrong receiver", soapType, func(e *rawEnvelope) { e.receiver = "ELSEWHERE" }, "", 400, "<ErrorCode>ReceiverIDIllegal</ErrorCode>"},
		{"old rule version", soapType, func(e *rawEnvelope) { e.version = "2.1.0" }, "", 400, "<ErrorCode>VersionMismatch</ErrorCode>"},
		{"no payload", soapType, func(e *rawEnvelope) { e.payload = "  " }, "", 400, "<ErrorCode>PayloadRequired</ErrorCode>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.raw
			if tc.edit != nil {
				e := goodRaw()
				e.payloadID = "raw-" + strings.ReplaceAll(tc.name, " ", "-")
				tc.edit(&e)
				body = e.String()
			}
			status, got := postRaw(t, srv.BaseURL(), tc.contentType, body)
			assert.Equal(t, tc.status, status)
			assert.Contains(t, got, tc.contains)
		})
	}
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Inquiries, "only the valid request reached the payer")
	assert.Equal(t, 3, st.AuthFailures)
	assert.Equal(t, len(cases)-1-3, st.EnvelopeErrors)
}

func TestEnvelopeErrorsThroughClient(t *testing.T) {
	srv := startSim(t, chsim.Options{ReceiverID: "CHSIM"})
	c := newClient(srv, testUser, testPass)
	req := request(chsim.MemberActive, "pid-type")
	req.PayloadType = "X12_276_Request_005010X212"
	_, err := c.RealTime(context.Background(), req)
	e := chError(t, err)
	assert.Equal(t, "PayloadTypeIllegal", e.Code)
	assert.False(t, e.Retryable)

	wrongReceiver := clearinghouse.New(clearinghouse.Config{BaseURL: srv.BaseURL(), Username: testUser,
		Password: testPass, SenderID: "CAREFLOW", ReceiverID: "ELSEWHERE"})
	_, err = wrongReceiver.RealTime(context.Background(), request(chsim.MemberActive, "pid-recv"))
	e = chError(t, err)
	assert.Equal(t, "ReceiverIDIllegal", e.Code)
	assert.False(t, e.Retryable)

	status, _ := postRaw(t, srv.URL+"/core/unknown", soapType, goodRaw().String())
	assert.Equal(t, http.StatusNotFound, status)
}

func TestBrokenX12IsRejectedWith999(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	good := make270(chsim.MemberActive, "000000301", "301", standard)
	cases := map[string]struct {
		payload string
		ik5     string
	}{
		"segment count":   {strings.Replace(good, "SE*13*0001", "SE*12*0001", 1), "4"},
		"control numbers": {strings.Replace(good, "IEA*1*000000301", "IEA*1*000000302", 1), "3"},
		"no trailer":      {good[:strings.Index(good, "SE*")], "2"},
		"not a 270":       {strings.Replace(good, "ST*270*", "ST*276*", 1), "1"},
		"no subscriber": {strings.Replace(strings.Replace(good, "NM1*IL*1*DOE*JANE****MI*ACTIVE001~", "", 1),
			"SE*13*", "SE*12*", 1), "5"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp, err := c.RealTime(context.Background(), clearinghouse.RealTimeRequest{
				PayloadType: clearinghouse.PayloadType270, PayloadID: "pid-999-" + strings.ReplaceAll(name, " ", "-"),
				Payload: []byte(tc.payload)})
			require.NoError(t, err)
			assert.Equal(t, clearinghouse.PayloadType999, resp.PayloadType)
			x := readX12(t, resp.Payload)
			checkEnvelope(t, x)
			assert.Equal(t, "999", x.segs[2][1])
			assert.Equal(t, "000000301", x.segs[0][13])
			assert.True(t, x.has("AK1*HS*301*005010X279A1"))
			assert.True(t, x.has("AK2*270*0001*005010X279A1"))
			assert.True(t, x.has("IK5*R*"+tc.ik5), "IK5 reason %s", tc.ik5)
			assert.True(t, x.has("AK9*R*1*1*0"))
		})
	}
	// Not X12 at all: still a 999, with the CORE ids in its envelope.
	resp, err := c.RealTime(context.Background(), clearinghouse.RealTimeRequest{
		PayloadType: clearinghouse.PayloadType270, PayloadID: "pid-999-garbage", Payload: []byte("hello")})
	require.NoError(t, err)
	x := readX12(t, resp.Payload)
	checkEnvelope(t, x)
	assert.Equal(t, "CHSIM          ", x.segs[0][6])
	assert.Equal(t, 0, srv.Sim.Stats().Inquiries)
	assert.Equal(t, len(cases)+1, srv.Sim.Stats().Rejected)
}
