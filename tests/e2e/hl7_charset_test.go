package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
)

// charsetCases holds, per supported MSH-18 character set, a name and result text with letters
// that set can carry (issue 18): each must reach the EHR as the same UTF-8 text.
var charsetCases = []struct{ msh18, family, text string }{
	{hl7.CharsetASCII, "Miller", "Sample hemolyzed"},
	{"8859/1", "Müller", "Probe hämolysiert, Peña"},
	{"8859/2", "Łukasiewicz", "Próbka zhemolizowana, Żółć"},
	{"8859/3", "Ħabib", "Kampjun emolizzat ġewwa"},
	{"8859/4", "Ģirts", "Paraugs hemolizēts, ūdens"},
	{"8859/5", "Иванов", "Образец гемолизирован"},
	{"8859/6", "حداد", "عينة متحللة"},
	{"8859/7", "Παπαδόπουλος", "Δείγμα αιμολυμένο"},
	{"8859/8", "כהן", "דגימה המוליטית"},
	{"8859/9", "Şükrü", "Numune hemolizli, ığdır"},
	{"8859/15", "Œuvre", "Échantillon hémolysé, 5 €"},
	{hl7.CharsetUTF8, "Nguyễn", "Mẫu bị tán huyết, 溶血"},
	{hl7.CharsetUTF16, "Müller", "Probe hämolysiert, Peña"},
}

// Every supported character set (issue 18) goes through MLLP into the lab workflow and out to
// the EHR as valid UTF-8 FHIR, and each ACK comes back in the sender's character set.
func TestEveryCharsetReachesTheEHRAsUTF8(t *testing.T) {
	e := labEngine(t)
	for i, c := range charsetCases {
		placer := fmt.Sprintf("LAB-CHARSET-%02d", i)
		order := labOrder(placer)
		order["tests"] = []string{"2823-3"}
		code, v := e.call("POST", "/v1/lab-orders", order)
		require.Equal(t, http.StatusCreated, code, v)
		require.Eventually(t, func() bool { _, ok := e.st.LISSim.Sim.Order(placer); return ok }, 30*time.Second, 100*time.Millisecond)

		oru := "MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-CS-" + placer + "|P|2.5.1||||||" + c.msh18 + "\r" +
			"PID|1||MRN1001^^^CLINIC^MR~pat-1001^^^^PI||" + c.family + "^Test\rORC|RE|" + placer + "\r" +
			"OBR|1|" + placer + "||2823-3^Potassium^LN|||||||||||||||||||F\r" +
			"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F\r" +
			"OBX|2|ST|8251-1^Comment^LN||" + c.text + "||||||F\r"
		cs, ok := hl7.LookupCharset(c.msh18)
		require.True(t, ok, c.msh18)
		raw, err := cs.Encode([]byte(oru))
		require.NoError(t, err)
		ack, err := e.st.LISSim.Sim.SendRaw(raw)
		require.NoError(t, err, c.msh18)
		dec, err := hl7.DecodeCharset(ack)
		require.NoError(t, err, c.msh18)
		require.Equal(t, cs.Name, dec.Charset.Name, "the ACK is in the sender's character set (%s)", c.msh18)
		require.Contains(t, string(dec.Message), "MSA|AA|MSG-CS-"+placer, c.msh18)
	}
	for _, c := range charsetCases {
		require.Eventually(t, func() bool {
			for _, obs := range e.st.EHRSim.Sim.Resources("Observation") {
				js, _ := json.Marshal(obs)
				if strings.Contains(string(js), c.text) {
					require.True(t, utf8.Valid(js))
					require.NotContains(t, string(js), "\ufffd")
					return true
				}
			}
			return false
		}, 60*time.Second, 200*time.Millisecond, "the %s result text reaches the EHR as UTF-8", c.msh18)
	}
}

func TestUnlistedSenderGetsARAndIsKept(t *testing.T) {
	t.Setenv("MLLP_ALLOWED_SENDERS", "LIS^LAB")
	e := labEngine(t)
	msg := "MSH|^~\\&|ROGUE|ELSEWHERE|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-ROGUE-1|P|2.5.1\r" +
		"PID|1||MRN1001^^^CLINIC^MR\rORC|RE|LAB-ROGUE\rOBR|1|LAB-ROGUE||2823-3^Potassium^LN|||||||||||||||||||F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F\r"
	ack, err := e.st.LISSim.Sim.SendRaw([]byte(msg))
	require.NoError(t, err)
	require.Contains(t, string(ack), "MSA|AR|MSG-ROGUE-1")
	require.Contains(t, string(ack), "ERR||MSH^1^3")
	recs, err := e.st.Store.List(context.Background(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	raw, err := e.st.Store.Payload(context.Background(), recs[0].ID)
	require.NoError(t, err)
	require.Equal(t, msg, string(raw))
	code, body := e.call("GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body.String(), `careflow_mllp_refusals_total{reason="sender_not_allowed"} 1`)
}
