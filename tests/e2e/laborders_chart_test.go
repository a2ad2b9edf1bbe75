package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/laborders"
)

// chartResources returns the EHR resources of type typ filed for placer, by identifier.
func (e *engine) chartResources(typ, placer string) []map[string]any {
	var out []map[string]any
	for _, r := range e.st.EHRSim.Sim.Resources(typ) {
		ids, _ := r["identifier"].([]any)
		for _, id := range ids {
			v, _ := id.(map[string]any)["value"].(string)
			if v == "lab:"+placer || strings.HasPrefix(v, "lab:"+placer+"/") {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// observationCode is the LOINC code of a filed Observation.
func observationCode(o map[string]any) string {
	c, _ := o["code"].(map[string]any)
	codings, _ := c["coding"].([]any)
	if len(codings) == 0 {
		return ""
	}
	s, _ := codings[0].(map[string]any)["code"].(string)
	return s
}

// TestLabResultsAlwaysReachTheChart drives the LIS simulator through the cases that lost
// results before: a correction during a slow EHR write, tests released in separate messages,
// notes, a wrong-patient retraction and a message for another patient.
func TestLabResultsAlwaysReachTheChart(t *testing.T) {
	e := labEngine(t)

	// A correction that arrives while the first filing is still writing is filed after it.
	e.st.EHRSim.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpCreate, Kind: ehrsim.FaultSlow, Count: 1, Delay: 6 * time.Second})
	e.mustCall("POST", "/v1/lab-orders", labOrder("CORRECTED-SLOW-1"), http.StatusCreated)
	v := e.waitLab("CORRECTED-SLOW-1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, laborders.StatusCorrected, v.labOrder().Status, v)
	require.Equal(t, v.labOrder().ResultsVersion, v.labOrder().FiledVersion, v)
	corrected := map[string]bool{}
	for _, o := range e.chartResources("Observation", "CORRECTED-SLOW-1") {
		corrected[o["status"].(string)] = true
	}
	require.True(t, corrected["corrected"], "the corrected value is in the chart")

	for _, p := range []string{"SPLIT-RESULTS-1", "NOTES-1", "RETRACTED-1", "WRONG-PATIENT-1"} {
		e.mustCall("POST", "/v1/lab-orders", labOrder(p), http.StatusCreated)
	}

	// Two tests released in two messages: both reach the EHR.
	v = e.waitLab("SPLIT-RESULTS-1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, laborders.StatusFinal, v.labOrder().Status, v)
	require.Len(t, v.labOrder().MessageIDs, 2, "the state names both messages")
	codes := map[string]bool{}
	for _, o := range e.chartResources("Observation", "SPLIT-RESULTS-1") {
		codes[observationCode(o)] = true
	}
	require.True(t, codes["2823-3"] && codes["2345-7"], "both tests filed: %v", codes)

	// NTE text reaches the Observation and the report.
	e.waitLab("NOTES-1", func(v api.LabOrderView) bool { return v.Closed == true })
	noted := false
	for _, o := range e.chartResources("Observation", "NOTES-1") {
		notes, _ := o["note"].([]any)
		for _, n := range notes {
			noted = noted || strings.Contains(n.(map[string]any)["text"].(string), "called & read back")
		}
	}
	require.True(t, noted, "the OBX note is filed as Observation.note")
	reps := e.chartResources("DiagnosticReport", "NOTES-1")
	require.Len(t, reps, 1)
	require.Contains(t, reps[0]["conclusion"], "potassium & LDH")

	// W retracts the filed value: entered-in-error in the chart, the provider told.
	v = e.waitLab("RETRACTED-1", func(v api.LabOrderView) bool { return v.Closed == true })
	require.Len(t, v.labOrder().Retractions, 1, v)
	statuses := map[string]string{}
	for _, o := range e.chartResources("Observation", "RETRACTED-1") {
		statuses[observationCode(o)] = o["status"].(string)
	}
	require.Equal(t, "entered-in-error", statuses["2823-3"], "%v", statuses)
	alerted := false
	for _, m := range e.st.TwilioSim.Sim.Messages() {
		alerted = alerted || (m.To == providerPhone && strings.Contains(m.Body, "RETRACTED-1") && strings.Contains(m.Body, "retracted"))
	}
	require.True(t, alerted, "the ordering provider is alerted")

	// A result for another patient: AE, nothing filed, the message kept.
	require.Eventually(t, func() bool {
		o, ok := e.st.LISSim.Sim.Order("WRONG-PATIENT-1")
		return ok && len(o.Results) == 1 && o.Results[0].AckCode != ""
	}, 30*time.Second, 100*time.Millisecond)
	o, _ := e.st.LISSim.Sim.Order("WRONG-PATIENT-1")
	require.Equal(t, "AE", o.Results[0].AckCode)
	require.Contains(t, o.Results[0].AckText, "PID-3")
	_, v = e.call("GET", "/v1/lab-orders/WRONG-PATIENT-1", nil)
	require.EqualValues(t, 0, v.labOrder().MessagesReceived, v)
	require.Empty(t, e.chartResources("Observation", "WRONG-PATIENT-1"))
}

// TestLabEscalationNeverGoesSilent: two critical values in one message (sent by an npm MLLP
// client) page each contact once; after the chain the last contact keeps being paged and the
// order is flagged unacknowledged, in the API and in the search attribute, until acknowledged.
func TestLabEscalationNeverGoesSilent(t *testing.T) {
	e := labEngine(t)
	peer := newMLLPPeer(t, e.st.MLLPAddr)
	const placer = "NO-RESULTS-ESC1"
	e.mustCall("POST", "/v1/lab-orders", labOrder(placer), http.StatusCreated)
	e.waitLab(placer, func(v api.LabOrderView) bool { return v.Status == laborders.StatusOrdered })
	msg := strings.Replace(iopORU("ESC-MSG-1", placer, "F", "6.8", "30"), "3.5-5.1|N|", "3.5-5.1|HH|", 1)
	msg = strings.Replace(msg, "70-99|N|", "70-99|LL|", 1)
	assertAck(t, peer.send("node-hl7", "two-criticals", msg), "AA", "ESC-MSG-1")

	v := e.waitLab(placer, func(v api.LabOrderView) bool {
		return v.Unacknowledged == true && len(v.Escalation.Pages) >= 4
	})
	require.Equal(t, laborders.EscalationUnacknowledged, v.labOrder().Escalation.State)
	sent := map[string]int{}
	codes := map[string]bool{}
	for _, p := range v.labOrder().Escalation.Pages {
		sent[p.Role]++
		codes[p.Code] = true
	}
	require.Equal(t, 1, sent["ordering-provider"], "two criticals, one escalation: %v", sent)
	require.GreaterOrEqual(t, sent["charge-nurse"], 3, "the last contact keeps being paged")
	require.Equal(t, len(v.labOrder().Escalation.Pages), len(codes), "each page has its own code")

	// The search attribute lists the order as unacknowledged (no PHI in it).
	e.requireListed(laborders.EscalationSearchAttribute+" = 'unacknowledged'", laborders.WorkflowID(placer))

	// The operator attributes every process keeps say the same: critical, needs a person.
	e.requireListed("CareflowProcess = 'laborder' AND CareflowCritical = true AND CareflowNeedsAttention = true AND CareflowVendor = 'lis'",
		laborders.WorkflowID(placer))

	code, v := e.call("POST", "/v1/lab-orders/"+placer+"/acknowledge", map[string]any{"by": "dr.late"})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, false, v.labOrder().Unacknowledged)
	final := e.waitLab(placer, func(v api.LabOrderView) bool { return v.Closed == true })
	e.requireListed("CareflowCritical = true AND CareflowNeedsAttention = false AND CareflowStatus = '"+final.labOrder().Status+"'",
		laborders.WorkflowID(placer))
}

// TestLabUndeliveredPageMovesOnAtOnce: Twilio reports the first page undelivered; the next
// contact is paged when the callback arrives, long before the ten-minute ack timeout.
func TestLabUndeliveredPageMovesOnAtOnce(t *testing.T) {
	e := startEngine(t, func(c *config.Config) {
		c.Lab.AckTimeout = 10 * time.Minute
		c.Lab.CorrectionsWindow = 2 * time.Second
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
	})
	body := labOrder("CRITICAL-POTASSIUM-UND1")
	body["orderingProvider"] = map[string]any{"role": "ordering-provider", "phone": "+15005550010"} // Twilio: undelivered
	e.mustCall("POST", "/v1/lab-orders", body, http.StatusCreated)
	v := e.waitLab("CRITICAL-POTASSIUM-UND1", func(v api.LabOrderView) bool {
		return len(v.Escalation.Pages) >= 2
	})
	pages := v.labOrder().Escalation.Pages
	first, second := pages[0], pages[1]
	assert.Equal(t, "undelivered", first.Status, v)
	assert.Equal(t, "charge-nurse", second.Role)
	e.mustCall("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-UND1/acknowledge", map[string]any{"by": "nurse"}, http.StatusOK)
}
