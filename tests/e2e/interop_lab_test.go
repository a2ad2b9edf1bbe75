package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/workflows/laborders"
)

// twoOrderORU carries final results for two orders of pat-1001 in one message, with NTE after
// the first OBR and after its OBX; pid replaces PID-3.
func twoOrderORU(controlID, a, b, pid string) string {
	return strings.Join([]string{
		`MSH|^~\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|` + controlID + `|P|2.5.1`,
		"PID|1||" + pid + "||SYNTHETIC^PATIENTNAME||19700101|U",
		"ORC|RE|" + a + "^CAREFLOW|FILL-A^LAB||CM",
		"OBR|1|" + a + "^CAREFLOW|FILL-A^LAB|2823-3^Potassium^LN|||20261123070000||||||||||||||||||F",
		`NTE|1|L|Specimen recollected \T\ rerun`,
		"OBX|1|NM|2823-3^Potassium^LN||4.4|mmol/L|3.5-5.1|N|||F",
		"NTE|1|L|Verified by second analyzer",
		"OBX|2|NM|2345-7^Glucose^LN||93|mg/dL|70-99|N|||F",
		"ORC|RE|" + b + "^CAREFLOW|FILL-B^LAB||CM",
		"OBR|2|" + b + "^CAREFLOW|FILL-B^LAB|2823-3^Potassium^LN|||20261123070000||||||||||||||||||F",
		"OBX|1|NM|2823-3^Potassium^LN||4.0|mmol/L|3.5-5.1|N|||F",
		"OBX|2|NM|2345-7^Glucose^LN||88|mg/dL|70-99|N|||F",
	}, "\r")
}

// TestInteropNpmMultiOrderAndWrongPatient: an npm MLLP client sends one ORU for two orders
// (both are filed, notes included) and one whose PID-3 names another patient (AE, nothing
// stored or filed).
func TestInteropNpmMultiOrderAndWrongPatient(t *testing.T) {
	e := labEngine(t)
	peer := newMLLPPeer(t, e.st.MLLPAddr)
	for _, p := range []string{"NO-RESULTS-MO1", "NO-RESULTS-MO2", "NO-RESULTS-MO3"} {
		e.mustCall("POST", "/v1/lab-orders", labOrder(p), http.StatusCreated)
		e.waitLab(p, func(v api.LabOrderView) bool { return v.Status == laborders.StatusOrdered })
	}

	assertAck(t, peer.send("medplum", "two-orders", twoOrderORU("MO-MSG-1", "NO-RESULTS-MO1", "NO-RESULTS-MO2", "pat-1001^^^^PI")), "AA", "MO-MSG-1")
	for p, k := range map[string]string{"NO-RESULTS-MO1": "4.4", "NO-RESULTS-MO2": "4.0"} {
		v := e.waitLab(p, func(v api.LabOrderView) bool { return v.Closed == true })
		assert.Equal(t, laborders.StatusFinal, v.labOrder().Status, v)
		r := result(v.labOrder(), "2823-3")
		require.NotNil(t, r, v)
		assert.Equal(t, k, r.Value, p)
		assert.Len(t, e.chartResources("DiagnosticReport", p), 1, "%s filed", p)
		assert.Len(t, e.chartResources("Observation", p), 2, "%s filed", p)
	}
	v := e.waitLab("NO-RESULTS-MO1", func(v api.LabOrderView) bool { return v.Closed == true })
	assert.Equal(t, []string{"Specimen recollected & rerun"}, v.labOrder().Notes)
	assert.Equal(t, []string{"Verified by second analyzer"}, result(v.labOrder(), "2823-3").Notes)

	// PID-3 names another patient: AE with the reason, nothing stored, nothing filed.
	ev := peer.send("node-hl7", "wrong-pid", strings.ReplaceAll(iopORU("MO-MSG-2", "NO-RESULTS-MO3", "F", "4.1", "90"),
		"pat-1001^^^^PI", "MRN-OTHER^^^^MR~pat-9999^^^^PI"))
	assertAck(t, ev, "AE", "MO-MSG-2")
	assert.Contains(t, ev.Ack, "PID-3")
	_, v = e.call("GET", "/v1/lab-orders/NO-RESULTS-MO3", nil)
	assert.EqualValues(t, 0, v.labOrder().MessagesReceived, v)
	assert.Empty(t, e.chartResources("Observation", "NO-RESULTS-MO3"))
}
