package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/laborders"
)

// TestRecordLabWaitWithinHistories records lab orders under change id
// laborders.ChangeWaitWithin (version 1), whose waits cancel their timers once their condition
// holds, under the same rules as TestRecordReplayHistories: a critical value acknowledged
// before its page timed out and then corrected inside the corrections window, a normal order
// whose patient is told, and a critical value whose first page timed out before the second
// contact acknowledged.
func TestRecordLabWaitWithinHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		// The longest an order may ask for; each order below asks for less where it needs to.
		c.Lab.AckTimeout = time.Minute
		c.Lab.CorrectionsWindow = 20 * time.Second
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
	}))
	const (
		corrected = "CRITICAL-POTASSIUM-WW-R1"
		normal    = "LAB-WW-R2"
		escalated = "CRITICAL-POTASSIUM-WW-R3"
	)
	files := map[string]string{
		corrected: "laborder-wait-within-critical-acknowledged-corrected.json",
		normal:    "laborder-wait-within-normal.json",
		escalated: "laborder-wait-within-escalated.json",
	}
	e.mustCall("POST", "/v1/lab-orders", labOrder(corrected), http.StatusCreated)
	body := labOrder(normal)
	body["correctionsWindowSeconds"] = 5
	e.mustCall("POST", "/v1/lab-orders", body, http.StatusCreated)
	body = labOrder(escalated)
	body["ackTimeoutSeconds"] = 3
	body["correctionsWindowSeconds"] = 5
	e.mustCall("POST", "/v1/lab-orders", body, http.StatusCreated)

	// Acknowledged well inside the minute its page waits, then potassium corrected (a
	// hemolyzed specimen redrawn) while the corrections window is open.
	e.waitLab(corrected, func(v api.LabOrderView) bool { return len(v.Escalation.Pages) >= 1 })
	e.mustCall("POST", "/v1/lab-orders/"+corrected+"/acknowledge", map[string]any{"by": "dr.replay"}, http.StatusOK)
	ack, err := e.st.LISSim.Sim.SendRaw([]byte(strings.Join([]string{
		`MSH|^~\&|LIS|LAB|CAREFLOW|CLINIC|20261123090000||ORU^R01^ORU_R01|MSG-WW-R1-C|P|2.5.1`,
		"PID|1||pat-1001^^^^PI",
		"ORC|RE|" + corrected,
		"OBR|1|" + corrected + "||2823-3^Potassium^LN|||||||||||||||||||C",
		"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||C",
	}, "\r")))
	require.NoError(t, err)
	require.Contains(t, string(ack), "MSA|AA|MSG-WW-R1-C")

	// The first page's three seconds pass; the second contact acknowledges.
	e.waitLab(escalated, func(v api.LabOrderView) bool { return len(v.Escalation.Pages) >= 2 })
	e.mustCall("POST", "/v1/lab-orders/"+escalated+"/acknowledge", map[string]any{"by": "nurse.replay"}, http.StatusOK)

	v := e.waitLab(corrected, func(v api.LabOrderView) bool { return v.Closed == true })
	require.Equal(t, laborders.StatusCorrected, v.labOrder().Status, v)
	require.Len(t, v.labOrder().Escalation.Pages, 1, "acknowledged before the next contact was due: %s", v)

	for p, file := range files {
		e.waitLab(p, func(v api.LabOrderView) bool { return v.Closed == true })
		e.requireLabWaitWithin(laborders.WorkflowID(p))
		e.exportWorkflow(laborders.WorkflowID(p), file)
	}
}

// requireLabWaitWithin checks that the order's history records ChangeWaitWithin version 1 (in the
// TemporalChangeVersion search attribute, which the payload codec leaves readable) and at
// least one timer canceled by a wait whose condition came true.
func (e *engine) requireLabWaitWithin(workflowID string) {
	e.t.Helper()
	iter := e.raw.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	marked, canceled := false, 0
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(e.t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			f := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if p, ok := f["TemporalChangeVersion"]; ok && strings.Contains(string(p.GetData()), laborders.ChangeWaitWithin+"-1") {
				marked = true
			}
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			canceled++
		}
	}
	require.True(e.t, marked, "%s records %s version 1", workflowID, laborders.ChangeWaitWithin)
	require.Positive(e.t, canceled, "%s has a timer canceled once its wait's condition held", workflowID)
}
