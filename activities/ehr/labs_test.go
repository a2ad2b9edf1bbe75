package ehr_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

// labInput is a final potassium (critical, two decimals kept) and sodium result.
func labInput() ehr.WriteLabResultsInput {
	k, na := 6.8, 140.0
	return ehr.WriteLabResultsInput{PlacerOrderNumber: "LAB-0001", PatientID: "pat-1001", Results: []ehr.LabResult{
		{Code: "2823-3", Name: "Potassium", Value: "6.80", Number: &k, Units: "mmol/L", ReferenceRange: "3.5-5.1", Flags: []string{"HH"}, Status: "F"},
		{Code: "2951-2", Name: "Sodium", Value: "140", Number: &na, Units: "mmol/L", ReferenceRange: "136-145", Flags: []string{"N"}, Status: "F"},
	}}
}

// path walks nested JSON objects and arrays: a string is a key, an int an index.
func path(t *testing.T, v any, steps ...any) any {
	t.Helper()
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "%v is not an object", v)
			v = m[k]
		case int:
			a, ok := v.([]any)
			require.True(t, ok, "%v is not an array", v)
			require.Greater(t, len(a), k)
			v = a[k]
		}
	}
	return v
}

func versionOf(t *testing.T, res map[string]any) int {
	t.Helper()
	n, err := strconv.Atoi(path(t, res, "meta", "versionId").(string))
	require.NoError(t, err)
	return n
}

func TestWriteLabResultsCreatesOnceAndCorrectsInPlace(t *testing.T) {
	srv, acts := startEHR(t)
	in := labInput()
	var first ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &first))
	require.Len(t, first.ObservationIDs, 2)
	require.NotEmpty(t, first.DiagnosticReportID)
	require.Len(t, srv.Sim.Resources("Observation"), 2)
	require.Len(t, srv.Sim.Resources("DiagnosticReport"), 1)

	k, ok := srv.Sim.Resource("Observation", first.ObservationIDs[0])
	require.True(t, ok)
	require.Equal(t, "2823-3", path(t, k, "code", "coding", 0, "code"))
	require.Equal(t, json.Number("6.80"), path(t, k, "valueQuantity", "value"), "the lab's precision is kept")
	require.Equal(t, "mmol/L", path(t, k, "valueQuantity", "unit"))
	require.Equal(t, "HH", path(t, k, "interpretation", 0, "coding", 0, "code"))
	require.Equal(t, "final", k["status"])
	require.Equal(t, "Patient/pat-1001", path(t, k, "subject", "reference"))
	na, ok := srv.Sim.Resource("Observation", first.ObservationIDs[1])
	require.True(t, ok)
	require.Equal(t, json.Number("140"), path(t, na, "valueQuantity", "value"))
	require.Equal(t, "N", path(t, na, "interpretation", 0, "coding", 0, "code"))

	rep, ok := srv.Sim.Resource("DiagnosticReport", first.DiagnosticReportID)
	require.True(t, ok)
	require.Equal(t, "final", rep["status"])
	require.Equal(t, "Observation/"+first.ObservationIDs[0], path(t, rep, "result", 0, "reference"))
	require.Equal(t, "Observation/"+first.ObservationIDs[1], path(t, rep, "result", 1, "reference"))

	// A retried activity finds what the first attempt wrote.
	var retry ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &retry))
	require.Equal(t, first, retry)
	k, _ = srv.Sim.Resource("Observation", first.ObservationIDs[0])
	require.Equal(t, json.Number("6.80"), path(t, k, "valueQuantity", "value"), "a retry keeps the precision too")
	require.Len(t, srv.Sim.Resources("Observation"), 2)
	require.Len(t, srv.Sim.Resources("DiagnosticReport"), 1)

	// A corrected potassium replaces the value on the same Observation.
	before, _ := srv.Sim.Resource("Observation", first.ObservationIDs[0])
	corrected := labInput()
	corrected.Corrected = true
	corrected.Results[0].Value, corrected.Results[0].Status = "5.90", "C"
	corrected.Results[0].Flags = []string{"H"}
	var fixed ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, corrected, &fixed))
	require.Equal(t, first, fixed, "corrections update in place")
	require.Len(t, srv.Sim.Resources("Observation"), 2)
	require.Len(t, srv.Sim.Resources("DiagnosticReport"), 1)
	k, _ = srv.Sim.Resource("Observation", first.ObservationIDs[0])
	require.Equal(t, "corrected", k["status"])
	require.Equal(t, json.Number("5.90"), path(t, k, "valueQuantity", "value"))
	require.Equal(t, "H", path(t, k, "interpretation", 0, "coding", 0, "code"))
	require.Greater(t, versionOf(t, k), versionOf(t, before), "a new version, not a new resource")
	history := srv.Sim.History("Observation", first.ObservationIDs[0])
	require.Equal(t, json.Number("6.80"), path(t, history[0], "valueQuantity", "value"), "the first version stays in history")
	rep, _ = srv.Sim.Resource("DiagnosticReport", first.DiagnosticReportID)
	require.Equal(t, "corrected", rep["status"])

	recs, err := acts.Records.(audit.Store).List(context.Background(), audit.Filter{Action: "fhir.write-results"})
	require.NoError(t, err)
	require.Len(t, recs, 3)
	for _, r := range recs {
		require.Equal(t, audit.OutcomeOK, r.Outcome)
		require.Equal(t, "DiagnosticReport/"+first.DiagnosticReportID, r.Exchange)
	}
}

func TestPatientContact(t *testing.T) {
	srv, acts := startEHR(t)
	seeded, ok := srv.Sim.Resource("Patient", "pat-1001")
	require.True(t, ok)
	var c ehr.PatientContact
	require.NoError(t, execute(t, acts, ehr.PatientContactName, ehr.PatientContactInput{PatientID: "pat-1001"}, &c))
	require.NotEmpty(t, c.FirstName)
	require.Equal(t, path(t, seeded, "name", 0, "given", 0), c.FirstName)
	require.Equal(t, "mobile", path(t, seeded, "telecom", 0, "use"))
	require.Equal(t, path(t, seeded, "telecom", 0, "value"), c.Mobile)
	require.Empty(t, c.Language)

	require.NoError(t, srv.Sim.Seed(ehrsim.LivedInSeed(time.Now())...))
	var es ehr.PatientContact
	require.NoError(t, execute(t, acts, ehr.PatientContactName, ehr.PatientContactInput{PatientID: "pat-4007"}, &es))
	require.Equal(t, "es", es.Language, "Patient.communication preferred")

	err := execute(t, acts, ehr.PatientContactName, ehr.PatientContactInput{PatientID: "pat-missing"}, &c)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ehr.ErrTypeNotFound, appErr.Type())
	require.True(t, appErr.NonRetryable())
}

// Sub-results sharing a code are separate Observations; notes are filed as Observation.note and
// the report notes as the conclusion; a retracted value becomes entered-in-error and leaves the
// report; a partial report names the missing tests.
func TestWriteLabResultsSubIDsNotesRetractionAndPartial(t *testing.T) {
	srv, acts := startEHR(t)
	in := ehr.WriteLabResultsInput{PlacerOrderNumber: "LAB-0002", PatientID: "pat-1001", Partial: true,
		Missing: []string{"2345-7"}, Conclusion: []string{"Specimen hemolyzed & recollected"}, Results: []ehr.LabResult{
			{Code: "8251-1", SubID: "1", Value: "first", Status: "F", Notes: []string{"Critical value called & read back"}},
			{Code: "8251-1", SubID: "2", Value: "second", Status: "F"},
		}}
	var first ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &first))
	require.Len(t, srv.Sim.Resources("Observation"), 2, "sub-IDs do not overwrite each other")
	o1, ok := srv.Sim.Resource("Observation", first.ObservationIDs[0])
	require.True(t, ok)
	require.Equal(t, "Critical value called & read back", path(t, o1, "note", 0, "text"))
	rep, ok := srv.Sim.Resource("DiagnosticReport", first.DiagnosticReportID)
	require.True(t, ok)
	require.Equal(t, "partial", rep["status"])
	require.Contains(t, rep["conclusion"], "Specimen hemolyzed & recollected")
	require.Contains(t, rep["conclusion"], "2345-7")

	in.Partial, in.Missing = false, nil
	in.Results[1].Retracted, in.Results[1].Status = true, "W"
	var second ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &second))
	o2, ok := srv.Sim.Resource("Observation", first.ObservationIDs[1])
	require.True(t, ok)
	require.Equal(t, "entered-in-error", o2["status"])
	rep, ok = srv.Sim.Resource("DiagnosticReport", second.DiagnosticReportID)
	require.True(t, ok)
	require.Len(t, rep["result"], 1, "the retracted Observation is no longer part of the report")
}

// An existing Observation with the same identifier about another patient is never overwritten.
func TestWriteLabResultsRefusesAnotherPatientsResource(t *testing.T) {
	_, acts := startEHR(t)
	in := labInput()
	var res ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &res))
	in.PatientID = "pat-1002"
	err := execute(t, acts, ehr.WriteLabResultsName, in, &res)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ehr.ErrTypeRejected, appErr.Type())
	require.True(t, appErr.NonRetryable())
}

// A bound such as "<2.22" is filed as Quantity.comparator with its number, and a number the
// decoder read leniently ("0 .07") is filed from its parsed value, never as invalid JSON.
func TestWriteLabResultsComparatorAndLenientNumber(t *testing.T) {
	srv, acts := startEHR(t)
	lt, n := 2.22, 0.07
	in := ehr.WriteLabResultsInput{PlacerOrderNumber: "LAB-0003", PatientID: "pat-1001", Results: []ehr.LabResult{
		{Code: "2823-3", Value: "<2.22", Number: &lt, Comparator: "<", Units: "mmol/L", Status: "F"},
		{Code: "2345-7", Value: "0 .07", Number: &n, Units: "mg/dL", Status: "F"},
	}}
	var res ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &res))
	o1, ok := srv.Sim.Resource("Observation", res.ObservationIDs[0])
	require.True(t, ok)
	require.Equal(t, "<", path(t, o1, "valueQuantity", "comparator"))
	require.Equal(t, json.Number("2.22"), path(t, o1, "valueQuantity", "value"))
	o2, ok := srv.Sim.Resource("Observation", res.ObservationIDs[1])
	require.True(t, ok)
	require.Equal(t, json.Number("0.07"), path(t, o2, "valueQuantity", "value"))
	require.Nil(t, path(t, o2, "valueQuantity", "comparator"))
}

// A coded result (OBX-2 CWE) is filed as valueCodeableConcept with the HL7 system mapped.
func TestWriteLabResultsCodedValue(t *testing.T) {
	srv, acts := startEHR(t)
	in := ehr.WriteLabResultsInput{PlacerOrderNumber: "LAB-0004", PatientID: "pat-1001", Results: []ehr.LabResult{
		{Code: "600-7", Value: "Staphylococcus aureus", Status: "F",
			Coded: &ehr.LabCoding{Code: "3092008", Display: "Staphylococcus aureus", System: "SCT"}},
	}}
	var res ehr.WriteLabResultsResult
	require.NoError(t, execute(t, acts, ehr.WriteLabResultsName, in, &res))
	o, ok := srv.Sim.Resource("Observation", res.ObservationIDs[0])
	require.True(t, ok)
	require.Equal(t, "http://snomed.info/sct", path(t, o, "valueCodeableConcept", "coding", 0, "system"))
	require.Equal(t, "3092008", path(t, o, "valueCodeableConcept", "coding", 0, "code"))
	require.Nil(t, o["valueString"])
}
