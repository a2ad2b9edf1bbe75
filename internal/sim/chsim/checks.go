package chsim

import (
	"bytes"
	"crypto/subtle"
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// parseRequest decodes a SOAP 1.2 request holding a CORE real-time request.
// encoding/xml never resolves external entities, so hostile DTDs are inert.
func parseRequest(body []byte) (*requestEnvelope, *soapFault) {
	var env requestEnvelope
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&env); err != nil {
		return nil, &soapFault{status: http.StatusBadRequest, code: "Sender", reason: "request is not well-formed XML"}
	}
	if env.XMLName.Local != "Envelope" || env.XMLName.Space != soap12NS {
		// SOAP 1.2 HTTP binding: VersionMismatch maps to 500.
		return nil, &soapFault{status: http.StatusInternalServerError, code: "VersionMismatch",
			reason: "root element must be a SOAP 1.2 Envelope"}
	}
	if env.Body.Request == nil {
		switch {
		case env.Body.BatchSubmission != nil:
			env.Body.Request, env.batch, env.submit = env.Body.BatchSubmission, true, true
		case env.Body.BatchRetrieval != nil:
			env.Body.Request, env.batch = env.Body.BatchRetrieval, true
		}
	}
	if env.Body.Request == nil || env.Body.Request.XMLName.Space != coreNS {
		return nil, &soapFault{status: http.StatusBadRequest, code: "Sender",
			reason: "body must hold COREEnvelopeRealTimeRequest in the CORE rule 2.2.0 namespace"}
	}
	return &env, nil
}

// authenticate checks the WS-Security UsernameToken. It answers the
// request itself and returns false when the credentials are missing or
// wrong.
func (s *Sim) authenticate(w http.ResponseWriter, env *requestEnvelope) bool {
	sec := env.Header.Security
	fail := func(status int, body []byte) bool {
		s.count(func(st *Stats) { st.AuthFailures++ })
		writeSOAP(w, status, body)
		return false
	}
	if sec == nil || sec.XMLName.Space != wsseNS || sec.Token == nil {
		f := soapFault{status: http.StatusBadRequest, code: "Sender", subcode: "InvalidSecurity",
			reason: "WS-Security UsernameToken required"}
		return fail(f.status, f.render())
	}
	tok := sec.Token
	if t := strings.TrimSpace(tok.Password.Type); t != "" && t != passwordText {
		f := soapFault{status: http.StatusBadRequest, code: "Sender", subcode: "UnsupportedSecurityToken",
			reason: "only PasswordText passwords are supported"}
		return fail(f.status, f.render())
	}
	user, pass := strings.TrimSpace(tok.Username), tok.Password.Value
	var good bool
	if s.opts.Username == "" {
		good = user != "" && pass != ""
	} else {
		// Both comparisons always run, so timing does not tell which failed.
		u := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.Username))
		p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Password))
		good = u&p == 1
	}
	if !good {
		return fail(http.StatusUnauthorized, s.envelopeError(env.Body.Request, "UnAuthorized",
			"username or password not accepted"))
	}
	return true
}

// checkFields validates the CORE metadata; it returns a CORE ErrorCode
// ("<Field>Required", "<Field>Illegal", "VersionMismatch") or "".
func (s *Sim) checkFields(req *coreRequest) (code, msg string) {
	v := func(x string) string { return strings.TrimSpace(x) }
	switch {
	case v(req.PayloadType) == "":
		return "PayloadTypeRequired", "PayloadType is required"
	case v(req.PayloadType) != payloadType270:
		return "PayloadTypeIllegal", "only " + payloadType270 + " is supported"
	case v(req.ProcessingMode) == "":
		return "ProcessingModeRequired", "ProcessingMode is required"
	case v(req.ProcessingMode) != "RealTime":
		return "ProcessingModeIllegal", "ProcessingMode must be RealTime"
	case v(req.PayloadID) == "":
		return "PayloadIDRequired", "PayloadID is required"
	case len(v(req.PayloadID)) > maxPayloadIDLen:
		return "PayloadIDIllegal", "PayloadID is too long"
	case v(req.TimeStamp) == "":
		return "TimeStampRequired", "TimeStamp is required"
	case !validTimeStamp(v(req.TimeStamp)):
		return "TimeStampIllegal", "TimeStamp must be an XML dateTime"
	case v(req.SenderID) == "":
		return "SenderIDRequired", "SenderID is required"
	case v(req.ReceiverID) == "":
		return "ReceiverIDRequired", "ReceiverID is required"
	case s.opts.ReceiverID != "" && v(req.ReceiverID) != s.opts.ReceiverID:
		return "ReceiverIDIllegal", "unknown ReceiverID"
	case v(req.CORERuleVersion) == "":
		return "CORERuleVersionRequired", "CORERuleVersion is required"
	case v(req.CORERuleVersion) != coreRuleVersion:
		return "VersionMismatch", "CORERuleVersion must be " + coreRuleVersion
	case v(req.Payload) == "":
		return "PayloadRequired", "Payload is required"
	}
	return "", ""
}

// validTimeStamp accepts xsd:dateTime with or without a zone.
func validTimeStamp(ts string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if _, err := time.Parse(layout, ts); err == nil {
			return true
		}
	}
	return false
}

// envelopeError renders a CORE response whose ErrorCode reports a problem
// with the envelope rather than the payload.
func (s *Sim) envelopeError(req *coreRequest, code, msg string) []byte {
	sender := strings.TrimSpace(req.ReceiverID)
	if sender == "" {
		sender = "CHSIM"
	}
	return renderResponse(coreResponse{payloadType: payloadTypeEnvError,
		payloadID: strings.TrimSpace(req.PayloadID), timeStamp: stamp(s.now()),
		sender: sender, receiver: strings.TrimSpace(req.SenderID), errorCode: code, errorMessage: msg})
}
