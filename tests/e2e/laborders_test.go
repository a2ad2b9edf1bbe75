package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/laborders"
)

const providerPhone = "+15550000001"

func labEngine(t *testing.T) *engine {
	return startEngine(t, func(c *config.Config) {
		c.Lab.AckTimeout = 3 * time.Second
		c.Lab.CorrectionsWindow = 2 * time.Second
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
	})
}

func labOrder(placer string) map[string]any {
	return map[string]any{"placerOrderNumber": placer, "patientRef": "pat-1001", "orderingProviderId": "1234567893",
		"orderingProvider": map[string]any{"role": "ordering-provider", "name": "Dr Sim", "phone": providerPhone},
		"tests":            []string{"2823-3", "2345-7"}, "priority": "stat", "notifyPatient": true}
}

func (e *engine) waitLab(id string, cond func(v map[string]any) bool) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		code, v := e.call("GET", "/v1/lab-orders/"+id, nil)
		last = v
		if !assertTrue(c, code == http.StatusOK, "GET status %d: %s", code, v["_raw"]) {
			return
		}
		assertTrue(c, cond(v), "condition not met yet: %s", v["_raw"])
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

func escalation(v map[string]any) map[string]any {
	m, _ := v["escalation"].(map[string]any)
	return m
}

func TestLabOrderNormalResultsFiledAndPatientTold(t *testing.T) {
	e := labEngine(t)
	code, v := e.call("POST", "/v1/lab-orders", labOrder("LAB-N1"))
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	code, v = e.call("POST", "/v1/lab-orders", labOrder("LAB-N1"))
	require.Equal(t, http.StatusOK, code, "a repeated order is the same process: %s", v["_raw"])

	v = e.waitLab("LAB-N1", func(v map[string]any) bool { return v["closed"] == true })
	require.Equal(t, laborders.StatusFinal, v["status"], v["_raw"])
	require.NotEmpty(t, v["diagnosticReportId"])
	require.Equal(t, true, v["patientNotified"])
	require.Equal(t, false, v["critical"])
	results, _ := v["results"].([]any)
	require.GreaterOrEqual(t, len(results), 2)
	order, ok := e.st.LISSim.Sim.Order("LAB-N1")
	require.True(t, ok)
	require.Len(t, order.Tests, 2, "one ORM reached the LIS with both tests")
	require.Len(t, e.st.EHRSim.Sim.Resources("DiagnosticReport"), 1)
	require.GreaterOrEqual(t, len(e.st.EHRSim.Sim.Resources("Observation")), 2)
	for _, m := range e.st.TwilioSim.Sim.Messages() {
		require.NotContains(t, m.Body, "mmol", "no result values in any SMS")
	}
}

func TestLabOrderCriticalEscalationAndSMSAcknowledgment(t *testing.T) {
	e := labEngine(t)
	code, v := e.call("POST", "/v1/lab-orders", labOrder("CRITICAL-POTASSIUM-1"))
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	v = e.waitLab("CRITICAL-POTASSIUM-1", func(v map[string]any) bool {
		return escalation(v)["state"] == laborders.EscalationPaging && len(escalation(v)["pages"].([]any)) >= 1
	})
	require.Equal(t, true, v["critical"])
	codeToReply, _ := escalation(v)["code"].(string)
	require.Len(t, codeToReply, 6)
	var page string
	for _, m := range e.st.TwilioSim.Sim.Messages() {
		if m.To == providerPhone {
			page = m.Body
		}
	}
	require.Contains(t, page, "CRITICAL-POTASSIUM-1")
	require.Contains(t, page, codeToReply)
	require.NotContains(t, page, "6.8", "the page carries no result value")

	// The provider replies by SMS with the code; Twilio's signed webhook routes it to the order.
	require.NoError(t, e.st.TwilioSim.Sim.Reply(providerPhone, e.st.Config.Twilio.From, "ack "+codeToReply))
	v = e.waitLab("CRITICAL-POTASSIUM-1", func(v map[string]any) bool {
		return escalation(v)["state"] == laborders.EscalationAcknowledged
	})
	require.Equal(t, "sms", escalation(v)["channel"])
	require.Equal(t, "ordering-provider", escalation(v)["acknowledgedBy"])
	v = e.waitLab("CRITICAL-POTASSIUM-1", func(v map[string]any) bool { return v["closed"] == true })
	require.Equal(t, false, v["patientNotified"], "critical results are not announced by SMS")
	require.Eventually(t, func() bool {
		recs, _ := e.st.Store.List(context.Background(), audit.Filter{Process: laborders.WorkflowID("CRITICAL-POTASSIUM-1"), Action: "lab.acknowledge"})
		return len(recs) == 1
	}, 10*time.Second, 100*time.Millisecond, "the acknowledgment is in the audit trail")
}

func TestLabOrderEscalatesUpTheChainOnTimeAcrossWorkerRestart(t *testing.T) {
	e := labEngine(t)
	code, v := e.call("POST", "/v1/lab-orders", labOrder("CRITICAL-POTASSIUM-2"))
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	e.waitLab("CRITICAL-POTASSIUM-2", func(v map[string]any) bool { return len(escalation(v)["pages"].([]any)) == 1 })
	// The worker dies after the first page; the durable timer still fires the second one.
	e.st.StopWorker()
	time.Sleep(4 * time.Second)
	require.NoError(t, e.st.StartWorker())
	v = e.waitLab("CRITICAL-POTASSIUM-2", func(v map[string]any) bool { return len(escalation(v)["pages"].([]any)) >= 2 })
	pages := escalation(v)["pages"].([]any)
	require.Equal(t, "charge-nurse", pages[1].(map[string]any)["role"])
	code, v = e.call("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-2/acknowledge", map[string]any{"by": "dr.oncall"})
	require.Equal(t, http.StatusOK, code, v["_raw"])
	require.Equal(t, "dr.oncall", escalation(v)["acknowledgedBy"])
	sent := map[string]int{}
	for _, m := range e.st.TwilioSim.Sim.Messages() {
		if strings.Contains(m.Body, "CRITICAL-POTASSIUM-2") {
			sent[m.To]++
		}
	}
	require.Equal(t, 1, sent[providerPhone], "no page doubled")
	require.Equal(t, 1, sent["+15550000002"], "no page lost")
	code, _ = e.call("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-2/acknowledge", map[string]any{"by": "again"})
	require.Equal(t, http.StatusUnprocessableEntity, code)
}

func TestLabOrderDuplicatesCorrectionsAndRejects(t *testing.T) {
	e := labEngine(t)
	for _, p := range []string{"DUPLICATE-1", "CORRECTED-1", "REJECT-ORDER-1"} {
		code, v := e.call("POST", "/v1/lab-orders", labOrder(p))
		require.Equal(t, http.StatusCreated, code, v["_raw"])
	}
	v := e.waitLab("DUPLICATE-1", func(v map[string]any) bool { return v["closed"] == true })
	require.EqualValues(t, 1, num(v, "duplicatesIgnored"), v["_raw"])
	require.EqualValues(t, 1, num(v, "messagesReceived"))
	v = e.waitLab("CORRECTED-1", func(v map[string]any) bool { return v["status"] == laborders.StatusCorrected })
	corrections, _ := v["corrections"].([]any)
	require.Len(t, corrections, 1)
	v = e.waitLab("REJECT-ORDER-1", func(v map[string]any) bool { return v["closed"] == true })
	require.Equal(t, laborders.StatusRejected, v["status"])
	require.NotEmpty(t, v["orderRejection"])
}

func TestMLLPBadMessagesAreRefusedAndKept(t *testing.T) {
	e := labEngine(t)
	ack, err := e.st.LISSim.Sim.SendRaw([]byte("this is not HL7"))
	require.NoError(t, err)
	require.Contains(t, string(ack), "MSA|AR")
	require.Contains(t, string(ack), "ERR|")

	unknown := "MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-UNKNOWN-1|P|2.5.1\r" +
		"PID|1||pat-1001^^^^PI\rORC|RE|NO-SUCH-ORDER\rOBR|1|NO-SUCH-ORDER||2823-3^Potassium^LN|||||||||||||||||||F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F\r"
	ack, err = e.st.LISSim.Sim.SendRaw([]byte(unknown))
	require.NoError(t, err)
	require.Contains(t, string(ack), "MSA|AE|MSG-UNKNOWN-1")
	require.Contains(t, string(ack), "unknown order")

	// Both refused messages are kept in the audit trail, encrypted, and can be read back.
	recs, err := e.st.Store.List(context.Background(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	kept := 0
	for _, r := range recs {
		if r.HasPayload {
			raw, err := e.st.Store.Payload(context.Background(), r.ID)
			require.NoError(t, err)
			require.True(t, strings.Contains(string(raw), "not HL7") || strings.Contains(string(raw), "NO-SUCH-ORDER"))
			kept++
		}
	}
	require.Equal(t, 2, kept)
}
