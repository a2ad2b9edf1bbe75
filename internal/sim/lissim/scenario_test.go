package lissim

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/transport/mllp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScenarioFor(t *testing.T) {
	cases := map[string]Scenario{
		"CRITICAL-POTASSIUM-0001":     ScenarioCriticalPotassium,
		"critical-potassium-2":        ScenarioCriticalPotassium,
		"Preliminary-Then-Final-9":    ScenarioPreliminaryThenFinal,
		"CORRECTED-1":                 ScenarioCorrected,
		"DUPLICATE-1":                 ScenarioDuplicate,
		"REJECT-ORDER-1":              ScenarioRejectOrder,
		"ERROR-ORDER-1":               ScenarioErrorOrder,
		"SLOW-ACK-1":                  ScenarioSlowACK,
		"DROP-CONNECTION-1":           ScenarioDropConnection,
		"NO-RESULTS-1":                ScenarioNoResults,
		"ORD-0001":                    ScenarioNormal,
		"CORRECTED":                   ScenarioNormal, // the name needs its "-"
		"XCRITICAL-POTASSIUM-1":       ScenarioNormal,
		"":                            ScenarioNormal,
		" critical-potassium-1 ":      ScenarioCriticalPotassium,
		"normal-1":                    ScenarioNormal,
		"no-results-preliminary-then": ScenarioNoResults,
	}
	for placer, want := range cases {
		assert.Equal(t, want, ScenarioFor(placer), "placer %q", placer)
	}
	for _, info := range Scenarios() {
		assert.True(t, info.Scenario.Valid(), info.Scenario)
	}
	assert.False(t, Scenario("nope").Valid())
}

func TestNormalScenario(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	ack := sendORM(t, c, "ORD-0001", LOINCBasicMetabolicPanel)
	assert.Equal(t, hl7.AckAccept, ack.Code)
	assert.Equal(t, "ORM-ORD-0001", ack.ControlID, "MSA-2 echoes the ORM's MSH-10")
	assert.Empty(t, ack.Errors)

	orus := eng.waitORUs(t, 1)
	view := waitDeliveries(t, srv.Sim, "ORD-0001", 1)
	oru := orus[0]
	assert.Equal(t, "ORU", oru.Header.MessageType)
	assert.Equal(t, "R01", oru.Header.TriggerEvent)
	assert.Equal(t, "CAREFLOW", oru.Header.ReceivingApplication, "the ORU goes back to the orderer")
	assert.Equal(t, "MRN-TEST-1", oru.Patient.Identifiers[0].ID)
	require.Len(t, oru.Orders, 1)
	g := oru.Orders[0]
	assert.Equal(t, "ORD-0001", g.Common.PlacerOrderNumber.ID)
	assert.Equal(t, "ORD-0001", g.Request.PlacerOrderNumber.ID)
	assert.Equal(t, view.FillerOrderNumber, g.Request.FillerOrderNumber.ID)
	assert.NotEmpty(t, g.Request.FillerOrderNumber.ID)
	assert.Equal(t, LOINCBasicMetabolicPanel, g.Request.Service.Code)
	assert.Equal(t, "F", g.Request.ResultStatus)
	assert.Equal(t, "1234567893", g.Request.OrderingProvider.ID)

	obs := g.Observations
	require.Len(t, obs, len(bmp))
	for i, o := range obs {
		assert.Equal(t, bmp[i], o.Code.Code)
		assert.Equal(t, "LN", o.Code.System)
		assert.NotEmpty(t, o.Code.Text)
		assert.Equal(t, hl7.TypeNumeric, o.Value.Type)
		require.NotNil(t, o.Value.Number, o.Code.Code)
		assert.Equal(t, []string{hl7.FlagNormal}, o.AbnormalFlags, o.Code.Code)
		assert.Equal(t, "F", o.Status)
		assert.NotEmpty(t, o.Units.Code)
		assert.NotEmpty(t, o.ReferenceRange)
		assert.NotEmpty(t, o.ObservedAt)
		// In range: low <= value <= high, read from OBX-7.
		lo, hi, ok := strings.Cut(o.ReferenceRange, "-")
		require.True(t, ok)
		low, err := hl7.ParseNM(lo)
		require.NoError(t, err)
		high, err := hl7.ParseNM(hi)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, *o.Value.Number, low, o.Code.Code)
		assert.LessOrEqual(t, *o.Value.Number, high, o.Code.Code)
	}
	assert.Equal(t, "2345-7", obs[0].Code.Code)
	assert.Equal(t, "mg/dL", obs[0].Units.Code)

	assert.Equal(t, []string{"AA"}, view.AckCodes)
	assert.True(t, view.Accepted)
	assert.Equal(t, "MRN-TEST-1", view.PatientID)
	assert.Equal(t, "1234567893", view.OrderingProvider)
	assert.Equal(t, []string{LOINCBasicMetabolicPanel}, view.Tests)
	require.Len(t, view.Results, 1)
	assert.Equal(t, oru.Header.ControlID, view.Results[0].ControlID)
	assert.Equal(t, "AA", view.Results[0].AckCode)
	assert.Equal(t, 1, view.Results[0].Attempts)

	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.OrdersReceived)
	assert.Equal(t, map[string]int{"normal": 1}, st.OrdersByScenario)
	assert.Equal(t, map[string]int{"AA": 1}, st.AcksSent)
	assert.Equal(t, 1, st.ResultsSent)
	assert.Equal(t, map[string]int{"AA": 1}, st.EngineAcks)
	assert.Zero(t, st.Resends)
}

func TestCriticalPotassium(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "CRITICAL-POTASSIUM-1", LOINCBasicMetabolicPanel).Code)
	oru := eng.waitORUs(t, 1)[0]
	var k *hl7.Observation
	for _, o := range obx(oru) {
		if o.Code.Code == LOINCPotassium {
			k = &o
			continue
		}
		assert.False(t, o.Critical(), "only potassium is critical, not %s", o.Code.Code)
	}
	require.NotNil(t, k, "potassium reported")
	assert.Equal(t, "6.8", k.Value.Text)
	assert.Equal(t, "mmol/L", k.Units.Code)
	assert.Equal(t, []string{hl7.FlagCriticalHigh}, k.AbnormalFlags)
	assert.Equal(t, "F", k.Status)
	assert.True(t, k.Critical())
	assert.Equal(t, "F", oru.Orders[0].Request.ResultStatus)
}

func TestCriticalPotassiumWithoutPotassiumOrdered(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "critical-potassium-2", LOINCGlucose, LOINCTSH).Code)
	oru := eng.waitORUs(t, 1)[0]
	require.Len(t, oru.Orders, 2, "one group per ordered test")
	codes := []string{}
	for _, o := range oru.Orders[0].Observations {
		codes = append(codes, o.Code.Code)
	}
	assert.Equal(t, []string{LOINCGlucose, LOINCPotassium}, codes)
	assert.Equal(t, []string{"HH"}, oru.Orders[0].Observations[1].AbnormalFlags)
	assert.Equal(t, LOINCTSH, oru.Orders[1].Request.Service.Code)
}

func TestPreliminaryThenFinal(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "PRELIMINARY-THEN-FINAL-1", LOINCCBCPanel).Code)
	orus := eng.waitORUs(t, 2)
	require.Len(t, orus, 2)
	p, f := orus[0], orus[1]
	assert.NotEqual(t, p.Header.ControlID, f.Header.ControlID)
	assert.Equal(t, "P", p.Orders[0].Request.ResultStatus)
	assert.Equal(t, "IP", p.Orders[0].Common.Status)
	assert.Equal(t, "F", f.Orders[0].Request.ResultStatus)
	assert.Equal(t, "CM", f.Orders[0].Common.Status)
	po, fo := obx(p), obx(f)
	require.Len(t, po, 4)
	require.Len(t, fo, 4)
	for i := range po {
		assert.Equal(t, po[i].Code.Code, fo[i].Code.Code, "the same observation")
		assert.Equal(t, "P", po[i].Status)
		assert.Equal(t, "F", fo[i].Status)
	}
	view := waitDeliveries(t, srv.Sim, "PRELIMINARY-THEN-FINAL-1", 2)
	assert.Equal(t, "P", view.Results[0].ResultStatus)
	assert.Equal(t, "F", view.Results[1].ResultStatus)
}

func TestCorrected(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "CORRECTED-1", LOINCBasicMetabolicPanel).Code)
	orus := eng.waitORUs(t, 2)
	f, cr := orus[0], orus[1]
	assert.Equal(t, "F", f.Orders[0].Request.ResultStatus)
	assert.Equal(t, "C", cr.Orders[0].Request.ResultStatus)
	assert.NotEqual(t, f.Header.ControlID, cr.Header.ControlID)

	fo, co := obx(f), obx(cr)
	require.Equal(t, len(fo), len(co))
	assert.Equal(t, fo[0].Code.Code, co[0].Code.Code)
	assert.Equal(t, "F", fo[0].Status)
	assert.Equal(t, "C", co[0].Status)
	assert.NotEqual(t, fo[0].Value.Text, co[0].Value.Text, "a corrected value differs")
	require.Len(t, co[0].Notes, 1, "NTE after the corrected OBX")
	assert.Contains(t, co[0].Notes[0], fo[0].Value.Text, "the note names the previous value")
	assert.Empty(t, fo[0].Notes)
	for i := 1; i < len(co); i++ {
		assert.Equal(t, "F", co[i].Status, co[i].Code.Code)
		assert.Equal(t, fo[i].Value.Text, co[i].Value.Text, co[i].Code.Code)
	}
}

func TestDuplicate(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "DUPLICATE-1", LOINCGlucose).Code)
	eng.waitORUs(t, 2)
	raws := eng.received()
	require.Len(t, raws, 2)
	assert.True(t, bytes.Equal(raws[0], raws[1]), "the same ORU byte for byte")
	view := waitDeliveries(t, srv.Sim, "DUPLICATE-1", 2)
	assert.Equal(t, view.Results[0].ControlID, view.Results[1].ControlID, "same MSH-10")
	assert.False(t, view.Results[0].Repeat)
	assert.True(t, view.Results[1].Repeat)
	assert.Equal(t, 2, srv.Sim.Stats().ResultsSent)
}

// markerArrives sends a normal order and waits for its result: results of
// earlier orders, due no later, would have arrived by then too.
func markerArrives(t *testing.T, c *mllp.Client, eng *fakeEngine, n int) {
	t.Helper()
	require.Equal(t, hl7.AckAccept, sendORM(t, c, "MARKER-1", LOINCGlucose).Code)
	orus := eng.waitORUs(t, n)
	assert.Equal(t, "MARKER-1", orus[len(orus)-1].Orders[0].PlacerOrderNumber())
}

func TestRejectOrder(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	ack := sendORM(t, c, "REJECT-ORDER-1", LOINCGlucose)
	assert.Equal(t, hl7.AckReject, ack.Code)
	assert.Equal(t, "ORM-REJECT-ORDER-1", ack.ControlID)
	require.Len(t, ack.Errors, 1)
	assert.Equal(t, hl7.ErrCodeInternal, ack.Errors[0].Code.Code)
	assert.Equal(t, hl7.SeverityError, ack.Errors[0].Severity)
	assert.Equal(t, reasonRejected, ack.Errors[0].UserMessage)
	assert.True(t, ack.Rejected())

	markerArrives(t, c, eng, 1)
	assert.Len(t, eng.received(), 1, "a rejected order gets no results")
	view, ok := srv.Sim.Order("REJECT-ORDER-1")
	require.True(t, ok)
	assert.False(t, view.Accepted)
	assert.Equal(t, []string{"AR"}, view.AckCodes)
	assert.Equal(t, 1, srv.Sim.Stats().AcksSent["AR"])
}

func TestErrorOrder(t *testing.T) {
	srv := startSim(t, fastOptions(""))
	c := newClient(t, srv.Addr, 5*time.Second)

	ack := sendORM(t, c, "ERROR-ORDER-1", LOINCGlucose)
	assert.Equal(t, hl7.AckError, ack.Code)
	require.Len(t, ack.Errors, 1)
	assert.Equal(t, hl7.ErrCodeInternal, ack.Errors[0].Code.Code)
	assert.Equal(t, reasonError, ack.Reason())
	view, _ := srv.Sim.Order("ERROR-ORDER-1")
	assert.False(t, view.Accepted)
}

func TestNoResults(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "NO-RESULTS-1", LOINCGlucose).Code)
	markerArrives(t, c, eng, 1)
	assert.Len(t, eng.received(), 1, "no results for no-results")
	view, _ := srv.Sim.Order("NO-RESULTS-1")
	assert.True(t, view.Accepted)
	assert.Empty(t, view.Results)
}

func TestSlowAck(t *testing.T) {
	eng := startEngine(t, nil)
	opts := fastOptions(eng.Addr)
	opts.SlowAckDelay = 200 * time.Millisecond
	srv := startSim(t, opts)

	// A patient sender gets the late AA.
	c := newClient(t, srv.Addr, 5*time.Second)
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "SLOW-ACK-1", LOINCGlucose).Code)
	eng.waitORUs(t, 1)
}

func TestSlowAckResendIsAnsweredAtOnce(t *testing.T) {
	eng := startEngine(t, nil)
	opts := fastOptions(eng.Addr)
	opts.SlowAckDelay = time.Minute // longer than any wait below
	srv := startSim(t, opts)

	impatient := newClient(t, srv.Addr, 100*time.Millisecond)
	_, err := impatient.Send(context.Background(), encodeORM(t, "SLOW-ACK-2", LOINCGlucose))
	require.ErrorIs(t, err, mllp.ErrAckTimeout)

	// The resend, on a new connection, is a duplicate of an accepted order.
	c := newClient(t, srv.Addr, 5*time.Second)
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "SLOW-ACK-2", LOINCGlucose).Code)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.OrdersAccepted)
	assert.Equal(t, 1, st.DuplicateOrders)
}

func TestDropConnection(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	_, err := c.Send(context.Background(), encodeORM(t, "DROP-CONNECTION-1", LOINCGlucose))
	var ce *mllp.ConnError
	require.ErrorAs(t, err, &ce, "the connection is closed without an ACK")
	assert.Equal(t, "read", ce.Op)

	// The client dials anew for the resend.
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "DROP-CONNECTION-1", LOINCGlucose).Code)
	eng.waitORUs(t, 1)
	view := waitDeliveries(t, srv.Sim, "DROP-CONNECTION-1", 1)
	assert.Equal(t, []string{"none", "AA"}, view.AckCodes)
	assert.Equal(t, 2, view.ORMs)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.ConnectionsDropped)
	assert.Equal(t, 1, st.AcksWithheld)
	assert.Equal(t, 2, st.OrdersByScenario["drop-connection"])
}

func TestRepeatedOrderGetsNoSecondResults(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-REPEAT", LOINCGlucose).Code)
	eng.waitORUs(t, 1)
	require.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-REPEAT", LOINCGlucose).Code)
	markerArrives(t, c, eng, 2)
	assert.Len(t, eng.received(), 2, "the repeated order got no second ORU")
	assert.Equal(t, 1, srv.Sim.Stats().DuplicateOrders)
}
