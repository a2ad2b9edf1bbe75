package chsim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/require"
)

const (
	testUser = "careflow"
	testPass = "s3cret&<pass>"
)

// plainClient sends hand-written requests; the timeout only bounds a hung
// test.
var plainClient = &http.Client{Timeout: 10 * time.Second}

// fixedNow is the simulator's clock in tests.
var fixedNow = time.Date(2025, 3, 4, 15, 6, 7, 0, time.UTC)

// startSim starts a simulator with the test credentials, closed on cleanup.
func startSim(t *testing.T, opts chsim.Options) *chsim.Server {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Password = testUser, testPass
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	srv, err := chsim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns the real clearinghouse client pointed at srv.
func newClient(srv *chsim.Server, user, pass string) *clearinghouse.Client {
	return clearinghouse.New(clearinghouse.Config{
		BaseURL: srv.BaseURL(), Username: user, Password: pass,
		SenderID: "CAREFLOW", ReceiverID: "CHSIM",
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
}

// x12Style is the delimiters (and line ending after each segment) a test
// 270 is written with.
type x12Style struct {
	elem, comp, rep, seg, eol string
}

var standard = x12Style{"*", ":", "^", "~", ""}

// make270 writes a valid 270 for one subscriber with ISA13 ctl (9 digits)
// and GS06 gs; the trace number is "TRACE"+gs.
func make270(member, ctl, gs string, st x12Style) string {
	segs := [][]string{
		{"GS", "HS", "CAREFLOW", "CHSIM", "20250304", "1006", gs, "X", "005010X279A1"},
		{"ST", "270", "0001", "005010X279A1"},
		{"BHT", "0022", "13", "REF" + gs, "20250304", "1006"},
		{"HL", "1", "", "20", "1"},
		{"NM1", "PR", "2", "ACME HEALTH", "", "", "", "", "PI", "ACME01"},
		{"HL", "2", "1", "21", "1"},
		{"NM1", "1P", "2", "SIM CLINIC", "", "", "", "", "XX", "1234567893"},
		{"HL", "3", "2", "22", "0"},
		{"TRN", "1", "TRACE" + gs, "9CAREFLOW1"},
		{"NM1", "IL", "1", "DOE", "JANE", "", "", "", "MI", member},
		{"DMG", "D8", "19800102", "F"},
		{"DTP", "291", "D8", "20250304"},
		{"EQ", "30"},
	}
	segs = append(segs, []string{"SE", strconv.Itoa(len(segs)), "0001"},
		[]string{"GE", "1", gs}, []string{"IEA", "1", ctl})
	var b strings.Builder
	isa := []string{"ISA", "00", "          ", "00", "          ", "ZZ", "CAREFLOW       ", "ZZ",
		"CHSIM          ", "250304", "1006", st.rep, "00501", ctl, "0", "T", st.comp}
	b.WriteString(strings.Join(isa, st.elem) + st.seg + st.eol)
	for _, s := range segs {
		b.WriteString(strings.Join(s, st.elem) + st.seg + st.eol)
	}
	return b.String()
}

// request is a CORE 270 request for member with a PayloadID.
func request(member, payloadID string) clearinghouse.RealTimeRequest {
	return clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: payloadID,
		Payload: []byte(make270(member, "000000101", "101", standard))}
}

// interchange is a 271 or 999 read back with the delimiters its ISA declares.
type interchange struct {
	elem, comp, rep, seg byte
	segs                 [][]string
}

// readX12 splits an interchange; it fails the test if there is no ISA.
func readX12(t *testing.T, p []byte) interchange {
	t.Helper()
	require.True(t, bytes.HasPrefix(p, []byte("ISA")), "starts with ISA")
	x := interchange{elem: p[3]}
	n, i := 0, 3
	for ; i < len(p) && n < 16; i++ {
		if p[i] == x.elem {
			n++
		}
	}
	require.Less(t, i+1, len(p), "complete ISA")
	x.comp, x.seg = p[i], p[i+1]
	for raw := range strings.SplitSeq(string(p), string(x.seg)) {
		if raw = strings.Trim(raw, "\r\n"); raw != "" {
			x.segs = append(x.segs, strings.Split(raw, string(x.elem)))
		}
	}
	x.rep = x.segs[0][11][0]
	return x
}

// find returns the segments whose ID and first element match (first "" = any).
func (x interchange) find(id, first string) [][]string {
	var out [][]string
	for _, s := range x.segs {
		if s[0] == id && (first == "" || len(s) > 1 && s[1] == first) {
			out = append(out, s)
		}
	}
	return out
}

// joined returns segment s written with standard delimiters, for readable
// assertions.
func joined(s []string) string { return strings.Join(s, "*") }

// has reports whether the interchange holds the segment (standard form).
func (x interchange) has(seg string) bool {
	for _, s := range x.segs {
		if joined(s) == seg {
			return true
		}
	}
	return false
}

// checkEnvelope asserts the trailers match their headers and SE01 counts
// ST..SE.
func checkEnvelope(t *testing.T, x interchange) {
	t.Helper()
	ids := make([]string, len(x.segs))
	for i, s := range x.segs {
		ids[i] = s[0]
	}
	require.GreaterOrEqual(t, len(ids), 6)
	require.Equal(t, []string{"ISA", "GS", "ST"}, ids[:3])
	require.Equal(t, []string{"SE", "GE", "IEA"}, ids[len(ids)-3:])
	se, st := x.segs[len(ids)-3], x.segs[2]
	require.Equal(t, strconv.Itoa(len(ids)-4), se[1], "SE01 counts ST through SE")
	require.Equal(t, st[2], se[2])
	require.Equal(t, x.segs[1][6], x.segs[len(ids)-2][2], "GE02 = GS06")
	require.Equal(t, x.segs[0][13], x.segs[len(ids)-1][2], "IEA02 = ISA13")
	require.Len(t, x.segs[0], 17, "ISA has 16 elements")
	require.Len(t, x.segs[0][6], 15, "ISA06 is padded")
	require.Len(t, x.segs[0][8], 15, "ISA08 is padded")
}

// chError asserts err is a *clearinghouse.Error and returns it.
func chError(t *testing.T, err error) *clearinghouse.Error {
	t.Helper()
	require.Error(t, err)
	var e *clearinghouse.Error
	require.Truef(t, errors.As(err, &e), "want *clearinghouse.Error, got %T: %v", err, err)
	return e
}

// postRaw sends a hand-written SOAP body and returns status and body.
func postRaw(t *testing.T, url, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	resp, err := plainClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// rawEnvelope writes a request envelope by hand so tests can break any part.
type rawEnvelope struct {
	envNS, security, coreNS                          string
	payloadType, mode, payloadID, timeStamp, version string
	sender, receiver, payload                        string
}

// goodRaw is a valid raw request for ACTIVE001.
func goodRaw() rawEnvelope {
	return rawEnvelope{
		envNS: "http://www.w3.org/2003/05/soap-envelope",
		security: `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
			`<wsse:UsernameToken><wsse:Username>` + testUser + `</wsse:Username><wsse:Password>s3cret&amp;&lt;pass&gt;</wsse:Password>` +
			`</wsse:UsernameToken></wsse:Security>`,
		coreNS:      "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd",
		payloadType: "X12_270_Request_005010X279A1", mode: "RealTime", payloadID: "raw-1",
		timeStamp: "2025-03-04T10:00:00Z", version: "2.2.0", sender: "CAREFLOW", receiver: "CHSIM",
		payload: make270(chsim.MemberActive, "000000201", "201", standard),
	}
}

// String renders the envelope.
func (e rawEnvelope) String() string {
	return fmt.Sprintf(`<s:Envelope xmlns:s="%s"><s:Header>%s</s:Header><s:Body>`+
		`<c:COREEnvelopeRealTimeRequest xmlns:c="%s"><PayloadType>%s</PayloadType><ProcessingMode>%s</ProcessingMode>`+
		`<PayloadID>%s</PayloadID><TimeStamp>%s</TimeStamp><SenderID>%s</SenderID><ReceiverID>%s</ReceiverID>`+
		`<CORERuleVersion>%s</CORERuleVersion><Payload>%s</Payload></c:COREEnvelopeRealTimeRequest></s:Body></s:Envelope>`,
		e.envNS, e.security, e.coreNS, e.payloadType, e.mode, e.payloadID, e.timeStamp, e.sender, e.receiver,
		e.version, e.payload)
}

// soapType is the SOAP 1.2 media type the client sends.
const soapType = `application/soap+xml; charset=utf-8; action="RealTimeTransaction"`
