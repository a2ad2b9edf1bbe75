package lissim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/codecs/hl7"
)

func TestSplitResultsSendsOneMessagePerTest(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)
	require.Equal(t, hl7.AckAccept, sendORM(t, c, "SPLIT-RESULTS-1", "2823-3", "2345-7").Code)
	orus := eng.waitORUs(t, 2)
	require.Len(t, orus[0].Orders, 1)
	require.Len(t, orus[1].Orders, 1)
	assert.Equal(t, "2823-3", orus[0].Orders[0].Request.Service.Code)
	assert.Equal(t, "2345-7", orus[1].Orders[0].Request.Service.Code)
	assert.NotEqual(t, orus[0].Header.ControlID, orus[1].Header.ControlID)
}

func TestNotesRetractedAndWrongPatient(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(eng.Addr))
	c := newClient(t, srv.Addr, 5*time.Second)
	require.Equal(t, hl7.AckAccept, sendORM(t, c, "NOTES-1", "2823-3").Code)
	n := eng.waitORUs(t, 1)[0]
	require.Len(t, n.Orders[0].Notes, 1)
	assert.Contains(t, n.Orders[0].Notes[0], "potassium & LDH", "the escaped & arrives decoded")
	assert.Contains(t, obx(n)[0].Notes[0], "called & read back")

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "RETRACTED-1", "2823-3", "2345-7").Code)
	orus := eng.waitORUs(t, 3)
	f, w := orus[1], orus[2]
	assert.Len(t, obx(f), 2)
	require.Len(t, obx(w), 1, "only the retracted observation")
	assert.Equal(t, "W", obx(w)[0].Status)
	assert.Equal(t, obx(f)[0].Code.Code, obx(w)[0].Code.Code)
	assert.Equal(t, "C", w.Orders[0].Request.ResultStatus)

	require.Equal(t, hl7.AckAccept, sendORM(t, c, "WRONG-PATIENT-1", "2823-3").Code)
	wp := eng.waitORUs(t, 4)[3]
	assert.Equal(t, "MRN-OTHER-0001", wp.Patient.Identifiers[0].ID)
}
