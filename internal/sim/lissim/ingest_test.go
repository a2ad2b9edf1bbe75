package lissim

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/transport/mllp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// send sends raw bytes and returns the parsed ACK.
func send(t *testing.T, c *mllp.Client, raw []byte) hl7.ACK {
	t.Helper()
	ack, err := c.Send(context.Background(), raw)
	require.NoError(t, err)
	return mustACK(t, ack)
}

// editedORM builds an ORM for placer and applies edit to it.
func editedORM(t *testing.T, placer string, tests []string, edit func(m *hl7.Message)) []byte {
	t.Helper()
	m, err := hl7.BuildORM(orderInput(placer, tests...))
	require.NoError(t, err)
	edit(m)
	b, err := m.Encode()
	require.NoError(t, err)
	return b
}

func TestBadInput(t *testing.T) {
	srv := startSim(t, fastOptions(""))
	c := newClient(t, srv.Addr, 5*time.Second)

	adt, err := hl7.NewMessage(hl7.Delims{})
	require.NoError(t, err)
	require.NoError(t, adt.SetRaw("MSH-9", "ADT^A01^ADT_A01"))
	require.NoError(t, adt.Set("MSH-10", "ADT-1"))
	require.NoError(t, adt.Set("MSH-12", "2.5.1"))
	require.NoError(t, adt.AddSegment("PID", "1", "", "MRN-TEST-1"))
	adtRaw, err := adt.Encode()
	require.NoError(t, err)

	cases := []struct {
		name      string
		raw       []byte
		code      string
		errCode   string
		controlID string
	}{
		{"garbage", []byte("this is not HL7"), hl7.AckReject, hl7.ErrCodeSegmentSequence, ""},
		{"not an order", adtRaw, hl7.AckReject, hl7.ErrCodeUnsupportedMessage, "ADT-1"},
		{"no patient id", editedORM(t, "ORD-B1", []string{LOINCGlucose}, func(m *hl7.Message) {
			require.NoError(t, m.SetRaw("PID-3", ""))
		}), hl7.AckError, hl7.ErrCodeRequiredFieldMissing, "ORM-ORD-B1"},
		{"no test code", editedORM(t, "ORD-B2", []string{LOINCGlucose}, func(m *hl7.Message) {
			require.NoError(t, m.SetRaw("OBR-4", ""))
		}), hl7.AckError, hl7.ErrCodeRequiredFieldMissing, "ORM-ORD-B2"},
		{"no placer", editedORM(t, "ORD-B3", []string{LOINCGlucose}, func(m *hl7.Message) {
			require.NoError(t, m.SetRaw("ORC-2", ""))
			require.NoError(t, m.SetRaw("OBR-2", ""))
		}), hl7.AckError, hl7.ErrCodeRequiredFieldMissing, "ORM-ORD-B3"},
		{"two placers", editedORM(t, "ORD-B4", []string{LOINCGlucose, LOINCTSH}, func(m *hl7.Message) {
			require.NoError(t, m.SetRaw("ORC[2]-2", "ORD-OTHER"))
			require.NoError(t, m.SetRaw("OBR[2]-2", "ORD-OTHER"))
		}), hl7.AckReject, hl7.ErrCodeInternal, "ORM-ORD-B4"},
		{"cancel", editedORM(t, "ORD-B5", []string{LOINCGlucose}, func(m *hl7.Message) {
			require.NoError(t, m.Set("ORC-1", "CA"))
		}), hl7.AckReject, hl7.ErrCodeInternal, "ORM-ORD-B5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, c, tc.raw)
			assert.Equal(t, tc.code, a.Code)
			assert.Equal(t, tc.controlID, a.ControlID)
			require.Len(t, a.Errors, 1)
			assert.Equal(t, tc.errCode, a.Errors[0].Code.Code)
			assert.NotEmpty(t, a.Errors[0].UserMessage)
		})
	}
	// The same connection still takes a good order.
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-GOOD", LOINCGlucose).Code)
	st := srv.Sim.Stats()
	assert.Equal(t, len(cases), st.InvalidMessages)
	assert.Equal(t, 1, st.OrdersReceived)
	assert.Len(t, srv.Sim.Orders(), 1, "invalid messages store no order")
}

func TestFaults(t *testing.T) {
	srv := startSim(t, fastOptions(""))
	sim := srv.Sim
	c := newClient(t, srv.Addr, 5*time.Second)

	sim.InjectFault(Fault{Ack: FaultAR, Count: 1})
	a := sendORM(t, c, "ORD-F1", LOINCGlucose)
	assert.Equal(t, hl7.AckReject, a.Code)
	assert.Equal(t, reasonFault, a.Reason())
	assert.Empty(t, sim.Faults(), "a fault with Count 1 is used up")
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-F1", LOINCGlucose).Code, "the resend is accepted")
	v, _ := sim.Order("ORD-F1")
	assert.Equal(t, []string{"AR", "AA"}, v.AckCodes)
	assert.True(t, v.Accepted)

	sim.InjectFault(Fault{Ack: FaultAE, Count: 1})
	assert.Equal(t, hl7.AckError, sendORM(t, c, "REJECT-ORDER-2", LOINCGlucose).Code, "faults override scenarios")

	sim.InjectFault(Fault{Ack: FaultNone, Count: 1})
	impatient := newClient(t, srv.Addr, 100*time.Millisecond)
	_, err := impatient.Send(context.Background(), encodeORM(t, "ORD-F2", LOINCGlucose))
	require.ErrorIs(t, err, mllp.ErrAckTimeout)
	v, _ = sim.Order("ORD-F2")
	assert.False(t, v.Accepted)
	assert.Equal(t, []string{"none"}, v.AckCodes)

	sim.InjectFault(Fault{Ack: FaultDrop, Count: 1})
	_, err = c.Send(context.Background(), encodeORM(t, "ORD-F3", LOINCGlucose))
	var ce *mllp.ConnError
	require.ErrorAs(t, err, &ce)

	sim.InjectFault(Fault{Ack: FaultSlow, Count: 1, Delay: 20 * time.Millisecond})
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-F4", LOINCGlucose).Code)

	// Count 0 lasts until ClearFaults; an invalid fault never matches.
	sim.InjectFault(Fault{Ack: "bogus"})
	sim.InjectFault(Fault{Ack: FaultAE})
	for range 3 {
		assert.Equal(t, hl7.AckError, sendORM(t, c, "ORD-F5", LOINCGlucose).Code)
	}
	assert.Len(t, sim.Faults(), 2)
	sim.ClearFaults()
	assert.Equal(t, hl7.AckAccept, sendORM(t, c, "ORD-F5", LOINCGlucose).Code)

	st := sim.Stats()
	assert.Equal(t, 8, st.FaultsTriggered)
	assert.Equal(t, 1, st.ConnectionsDropped)
	assert.Equal(t, 2, st.AcksWithheld)
}

func TestFaultJSON(t *testing.T) {
	b, err := json.Marshal(Fault{Ack: FaultSlow, Count: 2, Delay: 1500 * time.Millisecond})
	require.NoError(t, err)
	assert.JSONEq(t, `{"ack":"slow","count":2,"delay":"1.5s"}`, string(b))

	var f Fault
	require.NoError(t, json.Unmarshal([]byte(`{"ack":"AR","count":1,"delay":"250ms"}`), &f))
	assert.Equal(t, Fault{Ack: FaultAR, Count: 1, Delay: 250 * time.Millisecond}, f)
	require.NoError(t, json.Unmarshal([]byte(`{"ack":"none","delay":1000}`), &f))
	assert.Equal(t, time.Microsecond, f.Delay)
	assert.Error(t, json.Unmarshal([]byte(`{"ack":"none","delay":"soon"}`), &f))
	assert.Error(t, Fault{Ack: "AA"}.Validate())
	assert.Error(t, Fault{Ack: FaultSlow, Delay: -1}.Validate())
}
