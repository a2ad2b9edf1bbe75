package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/laborders"
)

// twoOrderORU carries results for two orders of the same patient, with notes after the OBR
// and after an OBX.
func twoOrderORU() string {
	return strings.Join([]string{
		`MSH|^~\&|LIS|CENTRALLAB|CAREFLOW|CLINIC01|20240315094500-0500||ORU^R01^ORU_R01|MSG-0002|P|2.5.1`,
		"PID|1||MRN100234^^^CLINIC01^MR||DOE^JANE^QUINCY||19800412|F",
		"ORC|RE|ORDER-A|FON-1^CENTRALLAB||CM",
		"OBR|1|ORDER-A|FON-1^CENTRALLAB|2823-3^Potassium^LN|||20240315084500-0500||||||||||||||||||F",
		`NTE|1|L|Specimen hemolyzed \T\ recollected`,
		"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F",
		"NTE|1|L|Critical value called and read back",
		"ORC|RE|ORDER-B|FON-2^CENTRALLAB||CM",
		"OBR|1|ORDER-B|FON-2^CENTRALLAB|2345-7^Glucose^LN|||20240315084500-0500||||||||||||||||||F",
		"OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F",
	}, "\r")
}

// TestMLLPMultiOrderMessageGoesToEachOrder: each ORC/OBR group reaches its own order with its
// own observations and notes; AA only when both stored, and the message is kept for both.
func TestMLLPMultiOrderMessageGoesToEachOrder(t *testing.T) {
	f := newMLLPFixture(t)
	var a, b []laborders.ResultSignal
	f.expectUpdate(laborders.WorkflowID("ORDER-A"), nil, &a).Once()
	f.expectUpdate(laborders.WorkflowID("ORDER-B"), nil, &b).Once()
	raw := []byte(twoOrderORU())
	ack := parseACK(t, f.handler.HandleMLLP(t.Context(), bytes.Clone(raw), "peer"))
	assert.Equal(t, hl7.AckAccept, ack.Code)
	require.Len(t, a, 1)
	require.Len(t, b, 1)
	require.Len(t, a[0].Observations, 1)
	assert.Equal(t, "2823-3", a[0].Observations[0].Code)
	assert.Equal(t, []string{"Critical value called and read back"}, a[0].Observations[0].Notes)
	assert.Equal(t, []string{"Specimen hemolyzed & recollected"}, a[0].Reports[0].Notes, "escapes decoded")
	require.Len(t, b[0].Observations, 1)
	assert.Equal(t, "2345-7", b[0].Observations[0].Code)
	assert.Equal(t, "MSG-0002", b[0].MessageControlID)

	recs, err := f.store.List(t.Context(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	processes := map[string]bool{}
	for _, r := range recs {
		require.True(t, r.HasPayload, "the accepted message is kept")
		payload, err := f.store.Payload(t.Context(), r.ID)
		require.NoError(t, err)
		assert.Equal(t, raw, payload)
		processes[r.Process] = true
	}
	assert.Equal(t, map[string]bool{laborders.WorkflowID("ORDER-A"): true, laborders.WorkflowID("ORDER-B"): true}, processes)
}

// TestMLLPMultiOrderUnknownGroupIsNamed: when one group's order is unknown the answer is AE
// naming that group, and the whole message is kept.
func TestMLLPMultiOrderUnknownGroupIsNamed(t *testing.T) {
	f := newMLLPFixture(t)
	f.expectUpdate(laborders.WorkflowID("ORDER-A"), nil, nil).Once()
	f.expectUpdate(laborders.WorkflowID("ORDER-B"), serviceerror.NewNotFound("workflow not found"), nil).Once()
	raw := []byte(twoOrderORU())
	ack := parseACK(t, f.handler.HandleMLLP(t.Context(), bytes.Clone(raw), "peer"))
	assert.Equal(t, hl7.AckError, ack.Code)
	assert.Contains(t, ack.Reason(), "ORDER-B")
	assert.NotContains(t, ack.Reason(), "ORDER-A")
	recs, err := f.store.List(t.Context(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	kept := 0
	for _, r := range recs {
		if r.HasPayload {
			kept++
		}
	}
	assert.Equal(t, 2, kept, "kept for the order it reached and with the AE")
}

// TestMLLPRefusalNeedsTheMessageKept: an AE is only sent for a message the audit trail kept;
// otherwise no ACK, so the sender resends.
func TestMLLPRefusalNeedsTheMessageKept(t *testing.T) {
	f := newMLLPFixture(t)
	f.handler = api.MLLPHandler(api.Deps{Temporal: f.temporal, Records: failingStore{f.store}})
	f.expectUpdate(laborders.WorkflowID("ORDER-A"), serviceerror.NewNotFound("workflow not found"), nil).Once()
	assert.Nil(t, f.handler.HandleMLLP(t.Context(), []byte(twoOrderORU()), "peer"))
}

// TestMLLPBoundsAndOddValuesReachTheOrder: "<2.22" in an NM reaches the order as a number with
// its comparator, a value without OBX-2 as text with a warning; the message is accepted whole.
func TestMLLPBoundsAndOddValuesReachTheOrder(t *testing.T) {
	f := newMLLPFixture(t)
	var got []laborders.ResultSignal
	f.expectUpdate(laborders.WorkflowID("ORDER-A"), nil, &got).Once()
	msg := "MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-LEN-1|P|2.5.1\r" +
		"PID|1||MRN1001^^^CLINIC^MR\rORC|RE|ORDER-A\rOBR|1|ORDER-A||2823-3^Potassium^LN|||||||||||||||||||F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||<2.22|mmol/L|3.5-5.1|LL|||F\r" +
		"OBX|2||8251-1^Question^LN||Fasting: yes||||||O\r"
	ack := parseACK(t, f.handler.HandleMLLP(t.Context(), []byte(msg), "peer"))
	require.Equal(t, hl7.AckAccept, ack.Code)
	require.Len(t, got, 1)
	require.Len(t, got[0].Observations, 2)
	k := got[0].Observations[0]
	require.NotNil(t, k.Number)
	assert.Equal(t, 2.22, *k.Number)
	assert.Equal(t, "<", k.Comparator)
	assert.NotEmpty(t, k.Warnings)
	q := got[0].Observations[1]
	assert.Equal(t, "Fasting: yes", q.Value)
	assert.Nil(t, q.Number)
	assert.NotEmpty(t, q.Warnings, "a value without OBX-2 is kept as text with a warning")
}

// A repeated OBX-5 (two organisms) reaches the order with every value, never just the first.
func TestMLLPRepeatedValuesAreAllKept(t *testing.T) {
	f := newMLLPFixture(t)
	var got []laborders.ResultSignal
	f.expectUpdate(laborders.WorkflowID("ORDER-A"), nil, &got).Once()
	msg := "MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|MSG-REP-1|P|2.5.1\r" +
		"PID|1||MRN1001^^^CLINIC^MR\rORC|RE|ORDER-A\rOBR|1|ORDER-A||600-7^Culture^LN|||||||||||||||||||F\r" +
		"OBX|1|CWE|600-7^Culture^LN||3092008^Staphylococcus aureus^SCT~112283007^Escherichia coli^SCT||||||F\r"
	ack := parseACK(t, f.handler.HandleMLLP(t.Context(), []byte(msg), "peer"))
	require.Equal(t, hl7.AckAccept, ack.Code)
	require.Len(t, got, 1)
	o := got[0].Observations[0]
	assert.Contains(t, o.Value, "Staphylococcus aureus")
	assert.Contains(t, o.Value, "Escherichia coli")
	assert.Nil(t, o.Coded)
	assert.NotEmpty(t, o.Warnings)
}
