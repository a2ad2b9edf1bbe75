package pharmacy_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	pharmclient "github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/erxcheck"
	"github.com/careflow/engine/internal/sim/pharmsim"
)

func TestActivityNamesResolve(t *testing.T) {
	typ := reflect.TypeOf(&pharmacyact.Activities{})
	for _, name := range []string{pharmacyact.CheckPrescriptionName, pharmacyact.SendNewRxName, pharmacyact.SendCancelRxName,
		pharmacyact.SendRxChangeResponseName, pharmacyact.SendRxRenewalResponseName} {
		_, ok := typ.MethodByName(name)
		assert.True(t, ok, "%s is not a method of pharmacy.Activities", name)
	}
}

func start(t *testing.T) (*pharmsim.Server, *pharmacyact.Activities) {
	t.Helper()
	srv, err := pharmsim.Start(pharmsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c, err := pharmclient.New(pharmclient.Config{BaseURL: srv.URL})
	require.NoError(t, err)
	return srv, &pharmacyact.Activities{Network: c, Records: audit.NewMemory()}
}

func run(t *testing.T, acts *pharmacyact.Activities, name string, in any) (pharmacyact.SendResult, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(name, in)
	if err != nil {
		return pharmacyact.SendResult{}, err
	}
	var out pharmacyact.SendResult
	require.NoError(t, v.Get(&out))
	return out, nil
}

func sendInput(ncpdpID string) pharmacyact.SendInput {
	return pharmacyact.SendInput{MessageID: pharmacyact.MessageID("prescription:rx-1", "newrx", ncpdpID), SentTime: time.Now().UTC(),
		PrescriberOrderNumber: "rx-1", Prescription: pharmacyact.Prescription{
			Patient:    ncpdp.Patient{HumanPatient: &ncpdp.HumanPatient{Name: ncpdp.Name{LastName: "Testpatient", FirstName: "Ann"}, Gender: "F", DateOfBirth: ncpdp.DateValue{Date: "1980-01-01"}}},
			Pharmacy:   ncpdp.Pharmacy{Identification: ncpdp.PharmacyIdentification{NCPDPID: ncpdpID}, BusinessName: "Sim Pharmacy"},
			Prescriber: ncpdp.Prescriber{NonVeterinarian: &ncpdp.NonVeterinarian{Identification: ncpdp.PrescriberIdentification{NPI: "1234567893"}, Name: ncpdp.Name{LastName: "Simulated", FirstName: "Doctor"}}},
			Medication: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet", WrittenDate: &ncpdp.DateValue{Date: "2026-01-05"},
				Quantity: ncpdp.Quantity{Value: "30", CodeListQualifier: "38", QuantityUnitOfMeasure: ncpdp.CodeOnly{Code: "C48542"}},
				Sig:      &ncpdp.Sig{SigText: "Take 1 tablet daily"}},
		}}
}

func TestSendNewRxAccepted(t *testing.T) {
	srv, acts := start(t)
	in := sendInput("1000001")
	res, err := run(t, acts, pharmacyact.SendNewRxName, in)
	require.NoError(t, err)
	pid, err := acts.Records.(audit.Store).LookupCrosswalk(context.Background(), crosswalk.PharmacyMessage, in.MessageID)
	require.NoError(t, err)
	assert.Equal(t, "rx-1", pid, "answers naming only RelatesToMessageID find the prescription")
	assert.Equal(t, "Status", res.AnswerType)
	assert.Equal(t, ncpdp.StatusTransactionSuccessful, res.Code)
	assert.Equal(t, 1, srv.Sim.Stats().Received["NewRx"])
}

func TestSendNewRxErrorIsNonRetryableWithCodes(t *testing.T) {
	_, acts := start(t)
	_, err := run(t, acts, pharmacyact.SendNewRxName, sendInput(pharmsim.PharmacyReject))
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	assert.Equal(t, pharmacyact.ErrTypeRejected, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	var r pharmacyact.Rejection
	require.NoError(t, appErr.Details(&r))
	assert.Equal(t, ncpdp.ErrorTransactionRejected, r.Code)
	assert.NotContains(t, appErr.Error(), r.Description, "the description stays out of the error text")
}

func TestSendNewRx5xxIsRetryableAndTheResendIsDeduplicated(t *testing.T) {
	srv, acts := start(t)
	in := sendInput(pharmsim.PharmacyServerError)
	for i := 0; i < 2; i++ {
		_, err := run(t, acts, pharmacyact.SendNewRxName, in)
		var appErr *temporal.ApplicationError
		require.Error(t, err)
		if errors.As(err, &appErr) {
			assert.False(t, appErr.NonRetryable(), "a 503 is retried")
		}
	}
	_, err := run(t, acts, pharmacyact.SendNewRxName, in)
	require.NoError(t, err)
	_, err = run(t, acts, pharmacyact.SendNewRxName, in)
	require.NoError(t, err, "a resend after the answer was lost gets the first answer again")
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Received["NewRx"], "exactly one NewRx is accepted by the network")
	assert.Equal(t, 1, st.Duplicates["NewRx"])
}

func TestSendRxChangeResponseAnswersTheRequest(t *testing.T) {
	srv, acts := start(t)
	in := sendInput("1000001")
	req := &ncpdp.Message{Header: ncpdp.Header{To: ncpdp.Party{Qualifier: "C", ID: pharmacyact.SenderID}, From: ncpdp.Party{Qualifier: "P", ID: "1000001"},
		MessageID: "CHG-1", RelatesToMessageID: in.MessageID, SentTime: ncpdp.UTCTime{Time: time.Now().UTC()}, PrescriberOrderNumber: "rx-1"},
		Body: ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{MessageRequestCode: ncpdp.ChangeOutOfStock, Patient: in.Prescription.Patient,
			Pharmacy: in.Prescription.Pharmacy, Prescriber: in.Prescription.Prescriber, MedicationPrescribed: in.Prescription.Medication}}}
	res, err := run(t, acts, pharmacyact.SendRxChangeResponseName, pharmacyact.ResponseInput{MessageID: "RESP-1", SentTime: time.Now(), Request: req, Approved: false, DenialReason: "keep it"})
	require.NoError(t, err)
	assert.Equal(t, "Status", res.AnswerType)
	assert.Equal(t, 1, srv.Sim.Stats().Received["RxChangeResponse"])
}

func TestCheckPrescription(t *testing.T) {
	acts := &pharmacyact.Activities{}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	check := func(in pharmacyact.CheckInput) erxcheck.Result {
		v, err := env.ExecuteActivity(pharmacyact.CheckPrescriptionName, in)
		require.NoError(t, err)
		var r erxcheck.Result
		require.NoError(t, v.Get(&r))
		return r
	}
	assert.Equal(t, erxcheck.Clear, check(pharmacyact.CheckInput{RxCUI: "617312"}).Verdict)
	controlled := check(pharmacyact.CheckInput{RxCUI: "1049621"})
	assert.Equal(t, erxcheck.Refused, controlled.Verdict)
	assert.Contains(t, controlled.Reasons[0].Text, "EPCS")
	allergy := erxcheck.AllergyIntolerance{ID: "a1", Code: &erxcheck.CodeableConcept{Coding: []erxcheck.Coding{{System: erxcheck.RxNormSystem, Code: erxcheck.IngredientAmoxicillin}}}}
	r := check(pharmacyact.CheckInput{RxCUI: "308191", Allergies: []erxcheck.AllergyIntolerance{allergy}})
	assert.Equal(t, erxcheck.NeedsReview, r.Verdict)
	assert.Equal(t, erxcheck.ReasonAllergy, r.Reasons[0].Code)
}

func TestApprovedMedication(t *testing.T) {
	orig := ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet"}
	alt := ncpdp.Medication{DrugDescription: "simvastatin 20 MG Oral Tablet"}
	change := func(requested ...ncpdp.Medication) *ncpdp.Message {
		return &ncpdp.Message{Body: ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{MedicationPrescribed: orig, MedicationRequested: requested}}}
	}
	for _, c := range []struct {
		name string
		req  *ncpdp.Message
		want ncpdp.Medication
		ok   bool
	}{
		{"change: the first requested", change(alt, orig), alt, true},
		{"change: none requested keeps the original", change(), orig, true},
		{"renewal: as prescribed", &ncpdp.Message{Body: ncpdp.Body{RxRenewalRequest: &ncpdp.RxRenewalRequest{MedicationPrescribed: orig}}}, orig, true},
		{"other message", &ncpdp.Message{Body: ncpdp.Body{RxFill: &ncpdp.RxFill{}}}, ncpdp.Medication{}, false},
		{"none", nil, ncpdp.Medication{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := pharmacyact.ApprovedMedication(c.req)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
		})
	}
}
