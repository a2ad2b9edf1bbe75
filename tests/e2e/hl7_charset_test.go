package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
)

// An 8859/1 result (issue 18) goes through MLLP into the lab workflow and out to the EHR as
// valid UTF-8 FHIR, and its ACK comes back in 8859/1; an unlisted sender is refused and kept.
func TestLatin1ResultReachesTheEHRAsUTF8(t *testing.T) {
	e := labEngine(t)
	code, v := e.call("POST", "/v1/lab-orders", labOrder("LAB-LATIN1"))
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	require.Eventually(t, func() bool { _, ok := e.st.LISSim.Sim.Order("LAB-LATIN1"); return ok }, 30*time.Second, 100*time.Millisecond)

	oru := "MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-LATIN1-1|P|2.5.1||||||8859/1\r" +
		"PID|1||MRN1001^^^CLINIC^MR~pat-1001^^^^PI||Müller^Jürgen\rORC|RE|LAB-LATIN1\r" +
		"OBR|1|LAB-LATIN1||2823-3^Potassium^LN|||||||||||||||||||F\r" +
		"OBX|1|ST|8251-1^Befund^LN||Probe hämolysiert, Peña||||||F\r"
	raw, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(oru))
	require.NoError(t, err)
	ack, err := e.st.LISSim.Sim.SendRaw(raw)
	require.NoError(t, err)
	dec, err := hl7.DecodeCharset(ack)
	require.NoError(t, err)
	require.Equal(t, "8859/1", dec.Declared, "the ACK is in the sender's character set")
	require.Contains(t, string(dec.Message), "MSA|AA|MSG-LATIN1-1")

	require.Eventually(t, func() bool {
		for _, obs := range e.st.EHRSim.Sim.Resources("Observation") {
			js, _ := json.Marshal(obs)
			if strings.Contains(string(js), "Probe hämolysiert, Peña") {
				require.True(t, utf8.Valid(js))
				require.NotContains(t, string(js), "\ufffd")
				return true
			}
		}
		return false
	}, 60*time.Second, 200*time.Millisecond, "the result text reaches the EHR as UTF-8")
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
	require.Contains(t, body["_raw"], `careflow_mllp_refusals_total{reason="sender_not_allowed"} 1`)
}
