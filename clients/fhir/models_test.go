package fhir_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

func TestDecodeModels(t *testing.T) {
	patient := &fhir.Resource{Type: "Patient", ID: "p1", Raw: json.RawMessage(`{
	  "resourceType": "Patient", "id": "p1", "birthDate": "1980-02-29", "gender": "female",
	  "identifier": [{"system": "urn:mrn", "value": "42"}],
	  "name": [{"use": "official", "family": "Official", "given": ["Olivia"]},
	           {"use": "usual", "given": ["Liv"]}],
	  "telecom": [{"system": "phone", "value": "+15550001", "use": "home"},
	              {"system": "phone", "value": "+15550002", "use": "mobile"}],
	  "unknownElement": true}`)}
	p, err := fhir.Decode[fhir.Patient](patient)
	require.NoError(t, err)
	name, ok := p.GreetingNameAt(time.Now())
	require.True(t, ok)
	assert.Equal(t, []string{"Liv"}, name.Given)
	mobile, ok := p.MobileAt(time.Now())
	require.True(t, ok)
	assert.Equal(t, "+15550002", mobile)
	assert.Equal(t, "1980-02-29", p.BirthDate)
	assert.Equal(t, "urn:mrn|42", p.Identifier[0].SearchToken())

	_, err = fhir.Decode[fhir.Coverage](patient)
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "a Patient is not a Coverage")
	_, err = fhir.Decode[map[string]any](patient)
	assert.NoError(t, err, "maps decode any type")

	cov, err := fhir.Decode[fhir.Coverage](&fhir.Resource{Type: "Coverage", Raw: json.RawMessage(`{
	  "resourceType": "Coverage", "status": "active", "subscriberId": "M123",
	  "beneficiary": {"reference": "Patient/p1"},
	  "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self"}]},
	  "payor": [{"reference": "Organization/payer1", "display": "Acme Health"}],
	  "class": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group"}]}, "value": "G-9"},
	            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}]}, "value": "PPO"}]}`)})
	require.NoError(t, err)
	group, ok := cov.ClassValue("group")
	assert.True(t, ok)
	assert.Equal(t, "G-9", group)
	plan, _ := cov.ClassValue("plan")
	assert.Equal(t, "PPO", plan)
	_, ok = cov.ClassValue("rxbin")
	assert.False(t, ok)
	assert.Equal(t, "self", cov.Relationship.Code("http://terminology.hl7.org/CodeSystem/subscriber-relationship"))
	typ, id, ok := cov.Payor[0].Target()
	assert.True(t, ok)
	assert.Equal(t, [2]string{"Organization", "payer1"}, [2]string{typ, id})

	_, err = fhir.Decode[fhir.Patient](&fhir.Resource{Type: "Patient"})
	assert.Error(t, err)
}

func TestReferenceTarget(t *testing.T) {
	cases := map[string]struct{ typ, id string }{
		"Patient/p1":                                    {"Patient", "p1"},
		"Patient/p1/_history/3":                         {"Patient", "p1"},
		"https://ehr.example/fhir/Patient/p-1.2":        {"Patient", "p-1.2"},
		"#contained":                                    {},
		"urn:uuid:0b5e8c1c-0000-4000-8000-000000000000": {},
		"p1":          {},
		"patient/p1":  {},
		"Patient/a b": {},
	}
	for ref, want := range cases {
		typ, id, ok := fhir.Reference{Reference: ref}.Target()
		assert.Equal(t, want.typ != "", ok, ref)
		assert.Equal(t, want.typ, typ, ref)
		assert.Equal(t, want.id, id, ref)
	}
}

func TestDateTime(t *testing.T) {
	at := time.Date(2025, 3, 4, 9, 30, 0, 0, time.FixedZone("EST", -5*3600))
	d := fhir.DateTimeOf(at)
	assert.Equal(t, fhir.DateTime("2025-03-04T09:30:00-05:00"), d)
	back, err := d.Time()
	require.NoError(t, err)
	assert.True(t, back.Equal(at))
	for in, want := range map[fhir.DateTime]time.Time{
		"2025":       time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		"2025-03":    time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
		"2025-03-04": time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC),
	} {
		got, err := in.Time()
		require.NoError(t, err)
		assert.True(t, got.Equal(want), string(in))
	}
	_, err = fhir.DateTime("04/03/2025").Time()
	assert.Error(t, err)
}

func TestBuildersRejectBadInput(t *testing.T) {
	start := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	loinc := fhir.CodeableConcept{Coding: []fhir.Coding{{System: fhir.SystemLOINC, Code: "2823-3"}}}
	_, err := fhir.NewEncounter(fhir.EncounterSpec{PatientID: "p1"})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "no start")
	_, err = fhir.NewEncounter(fhir.EncounterSpec{PatientID: "../x", Start: start})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "bad patient id")
	_, err = fhir.NewEncounter(fhir.EncounterSpec{PatientID: "p1", Start: start, Status: "here"})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "bad status")

	_, err = fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "final"})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "no code")
	_, err = fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "done", Code: loinc})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "bad status")
	_, err = fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "final", Code: loinc,
		Text: "x", Quantity: &fhir.Quantity{Value: "1"}})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "two values")
	_, err = fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "final", Code: loinc,
		Text: "x", AbsentReason: "unknown"})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "value and absent reason")
	_, err = fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "final", Code: loinc,
		Quantity: &fhir.Quantity{Value: "7,1"}})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "not a decimal")
	_, err = fhir.NewObservation(fhir.ObservationSpec{PatientID: "p1", Status: "final", Code: loinc,
		Interpretation: "Z"})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "unknown interpretation")

	_, err = fhir.NewDiagnosticReport(fhir.DiagnosticReportSpec{PatientID: "p1", Status: "final"})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "no code")
	_, err = fhir.NewDiagnosticReport(fhir.DiagnosticReportSpec{PatientID: "", Status: "final", Code: loinc})
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "no patient")
}
