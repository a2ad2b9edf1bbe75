package lis

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/codecs/hl7"
)

func ormFor(t *testing.T, family string) *hl7.Message {
	t.Helper()
	m, err := hl7.BuildORM(hl7.OrderInput{
		Envelope:          hl7.Envelope{SendingApplication: "CAREFLOW", ControlID: "C1", Time: time.Unix(0, 0)},
		PlacerOrderNumber: "P1", Patient: hl7.Patient{Identifiers: []hl7.CX{{ID: "MRN1", TypeCode: "MR"}},
			Names: []hl7.PersonName{{Family: family, Given: "Jürgen"}}},
		Tests: []hl7.CWE{{Code: "2823-3", System: "LN"}}, OrderingProvider: hl7.Provider{ID: "1234567893", Family: "Smith"},
	})
	require.NoError(t, err)
	return m
}

// LIS_CHARSET: the ORM is written in the laboratory's character set and says so in MSH-18.
func TestEncodeOrderInLaboratoryCharset(t *testing.T) {
	a := &Activities{Charset: "8859/1"}
	raw, err := a.encodeOrder(ormFor(t, "Müller"))
	require.NoError(t, err)
	require.True(t, bytes.Contains(raw, []byte("M\xfcller^J\xfcrgen")), "8859-1 bytes: %q", raw)
	d, err := hl7.DecodeCharset(raw)
	require.NoError(t, err)
	require.Equal(t, "8859/1", d.Declared)
	m, err := hl7.Parse(d.Message)
	require.NoError(t, err)
	require.Equal(t, "Müller", m.Get("PID-5.1"))

	// The default is UTF-8, stated as such.
	raw, err = (&Activities{}).encodeOrder(ormFor(t, "Müller"))
	require.NoError(t, err)
	require.True(t, bytes.Contains(raw, []byte("Müller")))
	m, err = hl7.Parse(raw)
	require.NoError(t, err)
	require.Equal(t, hl7.CharsetUTF8, m.Get("MSH-18"))
}

func TestDecodeAckInLaboratoryCharset(t *testing.T) {
	ack := []byte("MSH|^~\\&|LIS|LAB|CAREFLOW|CLINIC|20260101||ACK^O01|A1|P|2.5.1||||||8859/1\rMSA|AE|C1|Name M\xfcller unknown\r")
	m, err := hl7.Parse(decodeAck(ack))
	require.NoError(t, err)
	a, err := hl7.ParseACK(m)
	require.NoError(t, err)
	require.Equal(t, "Name Müller unknown", a.Text)
}
