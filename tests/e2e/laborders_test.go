package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/notifications"
)

const providerPhone = "+15550000001"

func labEngine(t *testing.T) *engine {
	return startEngine(t, func(c *config.Config) {
		c.Lab.AckTimeout = 3 * time.Second
		// Longer than the LIS simulator's 2 s between an order's results, so a correction sent
		// after the final result always lands inside the window (filing no longer waits for the
		// patient's notice, which used to stretch it).
		c.Lab.CorrectionsWindow = 5 * time.Second
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
		// Every order here is for pat-1001: the default three notices an hour would hold the
		// later orders open for an hour, waiting for their deferred results notices.
		c.SendRates.PerPatient = 100
	})
}

func labOrder(placer string) map[string]any {
	return map[string]any{"placerOrderNumber": placer, "patientRef": "pat-1001", "orderingProviderId": "1234567893",
		"orderingProvider": map[string]any{"role": "ordering-provider", "name": "Dr Sim", "phone": providerPhone},
		"tests":            []string{"2823-3", "2345-7"}, "priority": "stat", "notifyPatient": true}
}

// waitLab polls GET /v1/lab-orders/{id} until cond holds.
func (e *engine) waitLab(id string, cond func(v api.LabOrderView) bool) reply {
	e.t.Helper()
	return waitUntil(e, "/v1/lab-orders/"+id, cond)
}

func TestLabOrderNormalResultsFiledAndPatientTold(t *testing.T) {
	e := labEngine(t)
	code, v := e.call("POST", "/v1/lab-orders", labOrder("LAB-N1"))
	require.Equal(t, http.StatusCreated, code, v)
	code, v = e.call("POST", "/v1/lab-orders", labOrder("LAB-N1"))
	require.Equal(t, http.StatusOK, code, "a repeated order is the same process: %s", v)

	v = e.waitLab("LAB-N1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, laborders.StatusFinal, v.labOrder().Status, v)
	require.NotEmpty(t, v.labOrder().DiagnosticReportID)
	require.Equal(t, true, v.labOrder().PatientNotified)
	require.Equal(t, laborders.NotificationID("LAB-N1"), v.labOrder().PatientNotification.NotificationID, v)
	require.Equal(t, notifications.StatusDelivered, v.labOrder().PatientNotification.Status, v)
	require.Equal(t, false, v.labOrder().Critical)
	results := v.labOrder().Results
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
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitLab("CRITICAL-POTASSIUM-1", func(v api.LabOrderView) bool {
		return v.Escalation.State == laborders.EscalationPaging && len(v.Escalation.Pages) >= 1
	})
	require.Equal(t, true, v.labOrder().Critical)
	codeToReply := v.labOrder().Escalation.Code
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
	v = e.waitLab("CRITICAL-POTASSIUM-1", func(v api.LabOrderView) bool {
		return v.Escalation.State == laborders.EscalationAcknowledged
	})
	require.Equal(t, "sms", v.labOrder().Escalation.Channel)
	require.Equal(t, "ordering-provider", v.labOrder().Escalation.AcknowledgedBy)
	v = e.waitLab("CRITICAL-POTASSIUM-1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, false, v.labOrder().PatientNotified, "critical results are not announced by SMS")
	require.Nil(t, v.labOrder().PatientNotification, "nor by any notification")
	require.Eventually(t, func() bool {
		recs, _ := e.st.Store.List(context.Background(), audit.Filter{Process: laborders.WorkflowID("CRITICAL-POTASSIUM-1"), Action: "lab.acknowledge"})
		return len(recs) == 1
	}, 10*time.Second, 100*time.Millisecond, "the acknowledgment is in the audit trail")
}

func TestLabOrderEscalatesUpTheChainOnTimeAcrossWorkerRestart(t *testing.T) {
	e := labEngine(t)
	code, v := e.call("POST", "/v1/lab-orders", labOrder("CRITICAL-POTASSIUM-2"))
	require.Equal(t, http.StatusCreated, code, v)
	e.waitLab("CRITICAL-POTASSIUM-2", func(v api.LabOrderView) bool { return len(v.Escalation.Pages) == 1 })
	// The worker dies after the first page; the durable timer still fires the second one.
	e.st.StopWorker()
	time.Sleep(4 * time.Second)
	require.NoError(t, e.st.StartWorker())
	v = e.waitLab("CRITICAL-POTASSIUM-2", func(v api.LabOrderView) bool { return len(v.Escalation.Pages) >= 2 })
	pages := v.labOrder().Escalation.Pages
	require.Equal(t, "charge-nurse", pages[1].Role)
	code, v = e.call("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-2/acknowledge", map[string]any{"by": "dr.oncall"})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, "dr.oncall", v.labOrder().Escalation.AcknowledgedBy)
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
		require.Equal(t, http.StatusCreated, code, v)
	}
	v := e.waitLab("DUPLICATE-1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.EqualValues(t, 1, v.labOrder().DuplicatesIgnored, v)
	require.EqualValues(t, 1, v.labOrder().MessagesReceived)
	v = e.waitLab("CORRECTED-1", func(v api.LabOrderView) bool { return v.Status == laborders.StatusCorrected })
	corrections := v.labOrder().Corrections
	require.Len(t, corrections, 1)
	v = e.waitLab("REJECT-ORDER-1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, laborders.StatusRejected, v.labOrder().Status)
	require.NotEmpty(t, v.labOrder().OrderRejection)
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
