package lissim

import (
	"net"
	"testing"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResendWhenEngineDoesNotAck(t *testing.T) {
	// The engine stays silent twice (Temporal unreachable), then ACKs.
	eng := startEngine(t, func(n int, _ *hl7.Message) string {
		if n <= 2 {
			return ""
		}
		return hl7.AckAccept
	})
	opts := fastOptions(eng.Addr)
	opts.AckTimeout = 100 * time.Millisecond
	srv := startSim(t, opts)
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-RESEND", LOINCGlucose).Code)
	view := waitDeliveries(t, srv.Sim, "ORD-RESEND", 1)
	d := view.Results[0]
	assert.Equal(t, "AA", d.AckCode)
	assert.Equal(t, 3, d.Attempts)
	assert.Empty(t, d.Err)

	orus := eng.waitORUs(t, 3)
	require.Len(t, orus, 3)
	for _, o := range orus {
		assert.Equal(t, d.ControlID, o.Header.ControlID, "a resend keeps its MSH-10")
	}
	st := srv.Sim.Stats()
	assert.Equal(t, 2, st.Resends)
	assert.Equal(t, 3, st.ResultAttempts)
	assert.Equal(t, 1, st.ResultsSent)
}

func TestEngineRejectionIsNotResent(t *testing.T) {
	for _, code := range []string{hl7.AckError, hl7.AckReject} {
		t.Run(code, func(t *testing.T) {
			eng := startEngine(t, func(int, *hl7.Message) string { return code })
			srv := startSim(t, fastOptions(eng.Addr))

			// SendResults returns once delivery ended, so the count below is final.
			ds, err := srv.Sim.SendResults("ORD-UNKNOWN-1", "")
			require.NoError(t, err)
			require.Len(t, ds, 1)
			assert.Equal(t, code, ds[0].AckCode)
			assert.Equal(t, "unknown order", ds[0].AckText)
			assert.Equal(t, 1, ds[0].Attempts)
			assert.Len(t, eng.received(), 1)
			assert.Equal(t, 1, srv.Sim.Stats().EngineAcks[code])
			assert.Zero(t, srv.Sim.Stats().Resends)
		})
	}
}

func TestEngineUnreachableIsAbandoned(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close())

	opts := fastOptions(dead)
	opts.MaxAttempts = 3
	srv := startSim(t, opts)
	ds, err := srv.Sim.SendResults("ORD-X", ScenarioPreliminaryThenFinal)
	require.Error(t, err)
	require.Len(t, ds, 1, "the final result must not overtake an undelivered preliminary")
	assert.Empty(t, ds[0].AckCode)
	assert.Equal(t, 3, ds[0].Attempts)
	assert.NotEmpty(t, ds[0].Err)
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.ResultsAbandoned)
	assert.Equal(t, 2, st.Resends)
}

func TestWrongAckIsResent(t *testing.T) {
	// The first answer acknowledges some other message (MSA-2 mismatch).
	eng := startEngine(t, func(n int, m *hl7.Message) string {
		if n == 1 {
			m.Segments[0].Fields[9] = "SOMETHING-ELSE" // MSH-10, echoed in MSA-2
		}
		return hl7.AckAccept
	})
	srv := startSim(t, fastOptions(eng.Addr))
	ds, err := srv.Sim.SendResults("ORD-Y", ScenarioNormal)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, 2, ds[0].Attempts)
	assert.Equal(t, "AA", ds[0].AckCode)
	assert.Equal(t, 1, srv.Sim.Stats().BadEngineAcks)
}

func TestSendResultsUnknownOrderIsSynthetic(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))

	ds, err := srv.Sim.SendResults("CRITICAL-POTASSIUM-404", "")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	oru := eng.waitORUs(t, 1)[0]
	assert.Equal(t, "CRITICAL-POTASSIUM-404", oru.Orders[0].PlacerOrderNumber())
	assert.Equal(t, "SIM-MRN-0001", oru.Patient.Identifiers[0].ID)
	critical := false
	for _, o := range obx(oru) {
		critical = critical || (o.Code.Code == LOINCPotassium && o.Critical())
	}
	assert.True(t, critical, "the placer's scenario applies")
	_, stored := srv.Sim.Order("CRITICAL-POTASSIUM-404")
	assert.False(t, stored)

	_, err = srv.Sim.SendResults("X", "bogus")
	assert.Error(t, err)
}

func TestSendResultsOverridesScenario(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "NO-RESULTS-7", LOINCTSH).Code)
	ds, err := srv.Sim.SendResults("NO-RESULTS-7", ScenarioCorrected)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	orus := eng.waitORUs(t, 2)
	assert.Equal(t, "C", orus[1].Orders[0].Request.ResultStatus)
	assert.Equal(t, "MRN-TEST-1", orus[1].Patient.Identifiers[0].ID, "the stored order's patient")
	view, _ := srv.Sim.Order("NO-RESULTS-7")
	assert.Len(t, view.Results, 2)
}

func TestEngineAddrSetLater(t *testing.T) {
	eng := startEngine(t, nil)
	opts := fastOptions("")
	opts.MaxAttempts = 1000 // keep trying until the address is known
	srv := startSim(t, opts)
	c := newClient(t, srv.Addr, 5*time.Second)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-LATE", LOINCGlucose).Code)
	require.Eventually(t, func() bool { return srv.Sim.Stats().ResultAttempts > 0 }, waitFor, 5*time.Millisecond)
	srv.Sim.SetEngineAddr(eng.Addr)
	assert.Equal(t, eng.Addr, srv.Sim.EngineAddr())
	view := waitDeliveries(t, srv.Sim, "ORD-LATE", 1)
	assert.Equal(t, "AA", view.Results[0].AckCode)
	assert.Greater(t, view.Results[0].Attempts, 1)
}

func TestSendRaw(t *testing.T) {
	srv := startSim(t, fastOptions(""))
	_, err := srv.Sim.SendRaw([]byte("garbage"))
	require.ErrorIs(t, err, ErrNoEngine)

	eng := startEngine(t, nil)
	srv.Sim.SetEngineAddr(eng.Addr)
	raw, err := srv.Sim.SendRaw([]byte("not hl7 at all"))
	require.NoError(t, err)
	a := mustACK(t, raw)
	assert.Equal(t, hl7.AckReject, a.Code, "the engine's answer is returned as is")
	assert.Equal(t, []byte("not hl7 at all"), eng.received()[0])
	assert.Equal(t, 1, srv.Sim.Stats().RawSent)
}

func TestCloseStopsPendingResults(t *testing.T) {
	eng := startEngine(t, nil)
	opts := fastOptions(eng.Addr)
	opts.ResultDelay = time.Hour
	srv, err := Start(opts)
	require.NoError(t, err)
	c := newClient(t, srv.Addr, 5*time.Second)
	require.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-PENDING", LOINCGlucose).Code)

	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(waitFor):
		t.Fatal("Close waited for a result an hour away")
	}
	assert.Empty(t, eng.received())
	_, err = srv.Sim.SendResults("ORD-PENDING", "")
	assert.ErrorIs(t, err, ErrClosed)
}
