package ehrsim_test

import (
	"net/http"
	"testing"

	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultSeedIsConsistent walks each case the way the check-in
// workflow does: Appointment -> Patient -> Coverage -> payer Organization.
func TestDefaultSeedIsConsistent(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	memberIDs := map[string]bool{}
	for _, c := range ehrsim.DefaultCases {
		t.Run(c.AppointmentID, func(t *testing.T) {
			appt := f.do(t, "GET", "/fhir/Appointment/"+c.AppointmentID, tok, nil)
			require.Equal(t, http.StatusOK, appt.status)
			assert.Equal(t, "booked", appt.body["status"])
			assert.Contains(t, string(appt.raw), `"reference":"Patient/`+c.PatientID+`"`)

			pat := f.do(t, "GET", "/fhir/Patient/"+c.PatientID, tok, nil)
			if c.PatientID == "pat-missing" {
				assert.Equal(t, http.StatusNotFound, pat.status)
				return
			}
			require.Equal(t, http.StatusOK, pat.status)
			assert.Contains(t, string(pat.raw), `"family":"Testpatient"`)

			covs := f.do(t, "GET", "/fhir/Coverage?patient="+c.PatientID+"&_include=Coverage:payor", tok, nil)
			ids, _ := entries(t, covs)
			if c.CoverageID == "" {
				assert.Empty(t, ids)
				return
			}
			assert.Equal(t, []string{"Coverage/" + c.CoverageID, "Organization/" + ehrsim.PayerOrgID}, ids)
			cov, ok := f.srv.Sim.Resource("Coverage", c.CoverageID)
			require.True(t, ok)
			assert.Equal(t, c.MemberID, cov["subscriberId"])
			assert.Equal(t, "active", cov["status"])
			memberIDs[c.MemberID] = true
		})
	}
	assert.Equal(t, map[string]bool{"ACTIVE001": true, "INACTIVE01": true, "NOTFOUND01": true,
		"SLOW000001": true, "ERROR50001": true, "BADX120001": true}, memberIDs)

	payer, ok := f.srv.Sim.Resource("Organization", ehrsim.PayerOrgID)
	require.True(t, ok)
	assert.Equal(t, []any{map[string]any{"system": ehrsim.PayerIDSystem, "value": ehrsim.PayerID}}, payer["identifier"])
}

// TestSeedRejectsResourcesWithoutID covers Seed and Put input checks.
func TestSeedRejectsResourcesWithoutID(t *testing.T) {
	sim, err := ehrsim.New(ehrsim.Options{})
	require.NoError(t, err)
	defer sim.Close()
	assert.Error(t, sim.Seed(map[string]any{"resourceType": "Patient"}))
	assert.Error(t, sim.Put("Patient", "bad id!", []byte(`{}`)))
	assert.NoError(t, sim.Seed(map[string]any{"resourceType": "Basic", "id": "b1", "code": map[string]any{}}))
	_, ok := sim.Resource("Basic", "b1")
	assert.True(t, ok, "seeding adds any resource type")
}
