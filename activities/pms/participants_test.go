package pms_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// TestParticipantCrosswalk: a linked pair's participants are recorded both ways, found from
// either side, a disagreeing pair keeps the first mapping, and an unknown id is reported by
// its kind.
func TestParticipantCrosswalk(t *testing.T) {
	store := audit.NewMemory()
	acts := &pmsact.Activities{Records: store, Crosswalk: store}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	run := func(name string, in, out any) {
		t.Helper()
		// A fresh result each time: decoding into the last one would keep its fields.
		switch o := out.(type) {
		case *pmsact.ParticipantsResult:
			*o = pmsact.ParticipantsResult{}
		case *pmsact.RecordResult:
			*o = pmsact.RecordResult{}
		}
		v, err := env.ExecuteActivity(name, in)
		require.NoError(t, err)
		require.NoError(t, v.Get(out))
	}
	var rec pmsact.RecordResult
	run(pmsact.RecordParticipantsName, pmsact.ParticipantPair{PMSPatient: "P-77", FHIRPatient: "pat-1", PMSProvider: "DR-9", FHIRProvider: "prac-1"}, &rec)
	assert.Empty(t, rec.Conflicts)
	var got pmsact.ParticipantsResult
	run(pmsact.MapParticipantsName, pmsact.ParticipantsInput{Patient: "P-77", Provider: "DR-9"}, &got)
	assert.Equal(t, pmsact.ParticipantsResult{Patient: "pat-1", Provider: "prac-1"}, got)
	run(pmsact.MapParticipantsName, pmsact.ParticipantsInput{ToPMS: true, Patient: "pat-1", Provider: "prac-2"}, &got)
	assert.Equal(t, "P-77", got.Patient)
	assert.Empty(t, got.Provider)
	assert.Equal(t, []string{crosswalk.FHIRPractitioner}, got.Unmapped, "the unknown provider, by kind")

	run(pmsact.RecordParticipantsName, pmsact.ParticipantPair{PMSPatient: "P-77", FHIRPatient: "pat-2"}, &rec)
	assert.Equal(t, []string{crosswalk.PMSPatient}, rec.Conflicts)
	run(pmsact.MapParticipantsName, pmsact.ParticipantsInput{Patient: "P-77"}, &got)
	assert.Equal(t, "pat-1", got.Patient, "the first mapping is kept")
}
