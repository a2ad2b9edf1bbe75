package ehr_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

func TestPrescriptionActivityNamesResolve(t *testing.T) {
	typ := reflect.TypeOf(&ehr.Activities{})
	for _, name := range []string{ehr.LoadPrescriptionName, ehr.RecordFillName, ehr.SetPrescriptionStatusName, ehr.RecordSuccessorPrescriptionName} {
		_, ok := typ.MethodByName(name)
		assert.True(t, ok, "%s is not a method of ehr.Activities", name)
	}
}

func TestLoadPrescriptionBuildsAValidNewRx(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.PrescriptionSeed()...))
	var c ehr.PrescriptionContext
	require.NoError(t, execute(t, acts, ehr.LoadPrescriptionName, ehr.LoadPrescriptionInput{MedicationRequestID: "rx-allergy"}, &c))
	assert.Equal(t, ehrsim.PrescriptionPatientAllergic, c.PatientID)
	assert.Equal(t, "562508", c.RxCUI)
	assert.Equal(t, "1000001", c.Pharmacy.Identification.NCPDPID)
	assert.Equal(t, ehrsim.PractitionerNPI, c.Prescriber.NonVeterinarian.Identification.NPI)
	assert.Equal(t, ehrsim.PrescriberDEA, c.Prescriber.NonVeterinarian.Identification.DEANumber)
	assert.Equal(t, "30", c.Medication.Quantity.Value)
	assert.Equal(t, "C48542", c.Medication.Quantity.QuantityUnitOfMeasure.Code)
	assert.Equal(t, "30", c.Medication.DaysSupply)
	require.Len(t, c.Allergies, 1)
	assert.True(t, c.Allergies[0].Active())

	m := &ncpdp.Message{Header: ncpdp.Header{To: ncpdp.Party{Qualifier: "P", ID: "1000001"}, From: ncpdp.Party{Qualifier: "C", ID: "X"},
		MessageID: "m1", SentTime: ncpdp.UTCTime{Time: time.Now()}},
		Body: ncpdp.Body{NewRx: &ncpdp.NewRx{Patient: c.Patient, Pharmacy: c.Pharmacy, Prescriber: c.Prescriber, MedicationPrescribed: c.Medication}}}
	_, err := ncpdp.Encode(m)
	require.NoError(t, err, "the loaded prescription makes a valid NewRx")
}

func TestLoadPrescriptionMissingIsNotFound(t *testing.T) {
	_, acts := startEHR(t)
	err := execute(t, acts, ehr.LoadPrescriptionName, ehr.LoadPrescriptionInput{MedicationRequestID: "rx-nope"}, &ehr.PrescriptionContext{})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	assert.Equal(t, ehr.ErrTypeNotFound, appErr.Type())
}

func TestRecordFillIsIdempotentAndCompletesTheRequest(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.PrescriptionSeed()...))
	in := ehr.RecordFillInput{Key: "prescription:rx-filled/fill/F1", MedicationRequestID: "rx-filled", PatientID: "pat-1001",
		Outcome: ncpdp.FillDispensed, RequestStatus: "completed", At: time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC),
		Medication: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet", Quantity: ncpdp.Quantity{Value: "30"}, DaysSupply: "30",
			DrugCoded: &ncpdp.DrugCoded{DrugDBCode: &ncpdp.Code{Code: "617312", Qualifier: "SCD"}}}}
	var first, second ehr.RecordFillResult
	require.NoError(t, execute(t, acts, ehr.RecordFillName, in, &first))
	require.NoError(t, execute(t, acts, ehr.RecordFillName, in, &second))
	assert.Equal(t, first.MedicationDispenseID, second.MedicationDispenseID, "a retried write finds its first try")
	require.Len(t, srv.Sim.Resources("MedicationDispense"), 1)
	md := srv.Sim.Resources("MedicationDispense")[0]
	assert.Equal(t, "completed", md["status"])
	assert.Equal(t, "MedicationRequest/rx-filled", path(t, md, "authorizingPrescription", 0, "reference"))
	mrs := srv.Sim.Resources("MedicationRequest")
	for _, mr := range mrs {
		if mr["id"] == "rx-filled" {
			assert.Equal(t, "completed", mr["status"])
		}
	}
}

func TestSetPrescriptionStatus(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.PrescriptionSeed()...))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	_, err := env.ExecuteActivity(ehr.SetPrescriptionStatusName, ehr.SetPrescriptionStatusInput{MedicationRequestID: "rx-accepted", Status: "on-hold"})
	require.NoError(t, err)
	for _, mr := range srv.Sim.Resources("MedicationRequest") {
		if mr["id"] == "rx-accepted" {
			assert.Equal(t, "on-hold", mr["status"])
			assert.NotEmpty(t, mr["dispenseRequest"], "the rest of the resource is kept")
		}
	}
}

// mrByID is the EHR simulator's MedicationRequest with id, or nil.
func mrByID(srv *ehrsim.Server, id string) map[string]any {
	for _, mr := range srv.Sim.Resources("MedicationRequest") {
		if mr["id"] == id {
			return mr
		}
	}
	return nil
}

func TestRecordSuccessorPrescriptionLinksAndReplacesTheChangedOrder(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.PrescriptionSeed()...))
	in := ehr.RecordSuccessorPrescriptionInput{Key: "prescription:rx-change/change/CHG-1", PriorID: "rx-change", PriorStatus: "cancelled",
		At: time.Date(2026, 1, 7, 9, 30, 0, 0, time.UTC),
		Medication: ncpdp.Medication{DrugDescription: "simvastatin 20 MG Oral Tablet", NumberOfRefills: "1", DaysSupply: "30", Substitutions: "1",
			DrugCoded: &ncpdp.DrugCoded{DrugDBCode: &ncpdp.Code{Code: "198211", Qualifier: "SCD"}},
			Quantity:  ncpdp.Quantity{Value: "30", CodeListQualifier: "38", QuantityUnitOfMeasure: ncpdp.CodeOnly{Code: "C48542"}},
			Sig:       &ncpdp.Sig{SigText: "Take 1 tablet by mouth at bedtime"}}}
	var first, second ehr.RecordSuccessorPrescriptionResult
	require.NoError(t, execute(t, acts, ehr.RecordSuccessorPrescriptionName, in, &first))
	require.NoError(t, execute(t, acts, ehr.RecordSuccessorPrescriptionName, in, &second))
	assert.Equal(t, first.MedicationRequestID, second.MedicationRequestID, "a retried write finds its first try")
	require.NotEqual(t, "rx-change", first.MedicationRequestID)
	require.Len(t, srv.Sim.Resources("MedicationRequest"), len(ehrsim.PrescriptionCases)+1)

	mr := mrByID(srv, first.MedicationRequestID)
	require.NotNil(t, mr)
	assert.Equal(t, "active", mr["status"])
	assert.Equal(t, "order", mr["intent"])
	assert.Equal(t, "MedicationRequest/rx-change", path(t, mr, "priorPrescription", "reference"))
	assert.Equal(t, "198211", path(t, mr, "medicationCodeableConcept", "coding", 0, "code"))
	assert.Equal(t, "simvastatin 20 MG Oral Tablet", path(t, mr, "medicationCodeableConcept", "text"))
	assert.Equal(t, "Patient/pat-1001", path(t, mr, "subject", "reference"))
	assert.Equal(t, "Organization/pharm-9900004", path(t, mr, "dispenseRequest", "performer", "reference"))
	assert.Equal(t, "{tbl}", path(t, mr, "dispenseRequest", "quantity", "code"), "the prior unit is kept when it is the same")
	assert.Equal(t, "1", fmt.Sprint(path(t, mr, "dispenseRequest", "numberOfRepeatsAllowed")))
	assert.Equal(t, "Take 1 tablet by mouth at bedtime", path(t, mr, "dosageInstruction", 0, "text"))
	assert.Nil(t, path(t, mr, "dosageInstruction", 0).(map[string]any)["timing"], "the prior structured timing is not carried to another sig")
	assert.Equal(t, false, path(t, mr, "substitution", "allowedBoolean"))
	assert.Equal(t, "2026-01-07T09:30:00Z", mr["authoredOn"])
	assert.Equal(t, in.Key, path(t, mr, "identifier", 0, "value"))
	assert.Equal(t, "cancelled", mrByID(srv, "rx-change")["status"], "the replaced order is withdrawn")
}

func TestRecordSuccessorPrescriptionForARenewalLeavesThePriorOrder(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.PrescriptionSeed()...))
	in := ehr.RecordSuccessorPrescriptionInput{Key: "prescription:rx-renewal/renewal/REN-1", PriorID: "rx-renewal",
		At: time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC),
		Medication: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet", NumberOfRefills: "3",
			DrugCoded: &ncpdp.DrugCoded{DrugDBCode: &ncpdp.Code{Code: "617312", Qualifier: "SCD"}},
			Quantity:  ncpdp.Quantity{Value: "90", CodeListQualifier: "38", QuantityUnitOfMeasure: ncpdp.CodeOnly{Code: "C48480"}},
			Sig:       &ncpdp.Sig{SigText: "Take 1 tablet by mouth once daily"}}}
	var res ehr.RecordSuccessorPrescriptionResult
	require.NoError(t, execute(t, acts, ehr.RecordSuccessorPrescriptionName, in, &res))
	mr := mrByID(srv, res.MedicationRequestID)
	require.NotNil(t, mr)
	assert.Equal(t, "MedicationRequest/rx-renewal", path(t, mr, "priorPrescription", "reference"))
	assert.Equal(t, "3", fmt.Sprint(path(t, mr, "dispenseRequest", "numberOfRepeatsAllowed")))
	assert.Equal(t, "capsule", path(t, mr, "dispenseRequest", "quantity", "unit"), "another unit replaces the prior one")
	assert.Nil(t, path(t, mr, "dispenseRequest", "quantity").(map[string]any)["code"])
	assert.NotNil(t, path(t, mr, "dosageInstruction", 0).(map[string]any)["timing"], "the same sig keeps its structured form")
	assert.Equal(t, "active", mrByID(srv, "rx-renewal")["status"], "a renewal leaves the prior order as it is")
}

func TestRecordSuccessorPrescriptionOfAMissingOrderIsNotFound(t *testing.T) {
	_, acts := startEHR(t)
	err := execute(t, acts, ehr.RecordSuccessorPrescriptionName, ehr.RecordSuccessorPrescriptionInput{Key: "k", PriorID: "rx-nope"}, &ehr.RecordSuccessorPrescriptionResult{})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	assert.Equal(t, ehr.ErrTypeNotFound, appErr.Type())
}
