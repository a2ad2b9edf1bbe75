package prescriptions_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/erxcheck"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
	"github.com/careflow/engine/workflows/prescriptions"
)

const rxID = "rx-1001"

var (
	wfID   = prescriptions.WorkflowID(rxID)
	start  = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	newRx  = pharmacyact.MessageID(wfID, "newrx")
	cancel = pharmacyact.MessageID(wfID, "cancelrx", "1")
)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID, TaskQueue: prescriptions.TaskQueue})
	prescriptions.Register(env)
	wftest.Stub[ehr.LoadPrescriptionInput, ehr.PrescriptionContext](env, ehr.LoadPrescriptionName)
	wftest.Stub[ehr.RecordFillInput, ehr.RecordFillResult](env, ehr.RecordFillName)
	wftest.StubNoResult[ehr.SetPrescriptionStatusInput](env, ehr.SetPrescriptionStatusName)
	wftest.Stub[ehr.RecordSuccessorPrescriptionInput, ehr.RecordSuccessorPrescriptionResult](env, ehr.RecordSuccessorPrescriptionName)
	wftest.Stub[pharmacyact.CheckInput, erxcheck.Result](env, pharmacyact.CheckPrescriptionName)
	wftest.Stub[pharmacyact.SendInput, pharmacyact.SendResult](env, pharmacyact.SendNewRxName)
	wftest.Stub[pharmacyact.SendInput, pharmacyact.SendResult](env, pharmacyact.SendCancelRxName)
	wftest.Stub[pharmacyact.ResponseInput, pharmacyact.SendResult](env, pharmacyact.SendRxChangeResponseName)
	wftest.Stub[pharmacyact.ResponseInput, pharmacyact.SendResult](env, pharmacyact.SendRxRenewalResponseName)
	return env
}

func input() prescriptions.Input {
	return prescriptions.Input{PrescriptionID: rxID, MedicationRequestID: "mr-1001", FollowWindowSeconds: int64(30 * 24 * time.Hour / time.Second)}
}

func rxContext() ehr.PrescriptionContext {
	return ehr.PrescriptionContext{
		MedicationRequestID: "mr-1001", Status: "active", PatientID: "pat-1001", RxCUI: "617312",
		Patient:    ncpdp.Patient{HumanPatient: &ncpdp.HumanPatient{Name: ncpdp.Name{LastName: "Testpatient", FirstName: "Ann"}, Gender: "F", DateOfBirth: ncpdp.DateValue{Date: "1980-01-01"}}},
		Pharmacy:   ncpdp.Pharmacy{Identification: ncpdp.PharmacyIdentification{NCPDPID: "1234567"}, BusinessName: "Sim Pharmacy"},
		Prescriber: ncpdp.Prescriber{NonVeterinarian: &ncpdp.NonVeterinarian{Identification: ncpdp.PrescriberIdentification{NPI: "1234567893"}, Name: ncpdp.Name{LastName: "Simulated", FirstName: "Doctor"}}},
		Medication: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet", NumberOfRefills: "0",
			Quantity: ncpdp.Quantity{Value: "30", CodeListQualifier: "38", QuantityUnitOfMeasure: ncpdp.CodeOnly{Code: "C48542"}}},
	}
}

func expectLoad(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(ehr.LoadPrescriptionName, mock.Anything, ehr.LoadPrescriptionInput{MedicationRequestID: "mr-1001"}).
		Return(rxContext(), nil).Once()
}

func expectCheck(env *testsuite.TestWorkflowEnvironment, r erxcheck.Result) {
	env.OnActivity(pharmacyact.CheckPrescriptionName, mock.Anything, pharmacyact.CheckInput{RxCUI: "617312"}).Return(r, nil).Once()
}

// expectNewRx accepts the NewRx, checking its MessageID and PrescriberOrderNumber.
func expectNewRx(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(pharmacyact.SendNewRxName, mock.Anything, mock.MatchedBy(func(in pharmacyact.SendInput) bool {
		return in.MessageID == newRx && in.PrescriberOrderNumber == rxID && in.Prescription.Pharmacy.Identification.NCPDPID == "1234567"
	})).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
}

// pharmacyMsg is a pharmacy-initiated message relating to relatesTo.
func pharmacyMsg(id, relatesTo string, body ncpdp.Body) *ncpdp.Message {
	return &ncpdp.Message{Header: ncpdp.Header{To: ncpdp.Party{Qualifier: "C", ID: "CAREFLOW"}, From: ncpdp.Party{Qualifier: "P", ID: "1234567"},
		MessageID: id, RelatesToMessageID: relatesTo, PrescriberOrderNumber: rxID, RxReferenceNumber: "PH-1"}, Body: body}
}

func signal(env *testsuite.TestWorkflowEnvironment, after time.Duration, m *ncpdp.Message) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(prescriptions.PharmacySignalName, prescriptions.PharmacySignal{Message: m, ReceivedAt: start.Add(after)})
	}, after)
}

// update sends an update after a delay and stores its outcome.
type updateResult struct {
	state    prescriptions.State
	err      error
	rejected error
	done     bool
}

func update(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg any) *updateResult {
	r := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, name+"-"+after.String(), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.rejected, r.done = err, true },
			OnComplete: func(v any, err error) {
				r.done, r.err = true, err
				if s, ok := v.(prescriptions.State); ok {
					r.state = s
				}
			},
		}, arg)
	}, after)
	return r
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) prescriptions.State {
	t.Helper()
	return wftest.Result[prescriptions.State](t, env)
}

var dispensed = ncpdp.Body{RxFill: &ncpdp.RxFill{FillStatus: ncpdp.FillStatus{Dispensed: &ncpdp.FillNote{}},
	MedicationPrescribed: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet", Quantity: ncpdp.Quantity{Value: "30"}}}}

func TestPrescriptionSentThenFilledWritesTheEHROnceForDuplicates(t *testing.T) {
	env := newEnv(t)
	asked := baselinetest.Asked(env)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	env.OnActivity(ehr.RecordFillName, mock.Anything, mock.MatchedBy(func(in ehr.RecordFillInput) bool {
		return in.Key == wfID+"/fill/fill-1" && in.Outcome == ncpdp.FillDispensed && in.RequestStatus == "completed" &&
			in.PatientID == "pat-1001" && in.MedicationRequestID == "mr-1001"
	})).Return(ehr.RecordFillResult{MedicationDispenseID: "md-1"}, nil).Once()
	signal(env, time.Hour, pharmacyMsg("fill-1", newRx, dispensed))
	signal(env, 2*time.Hour, pharmacyMsg("fill-1", newRx, dispensed))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusFilled, st.Status)
	assert.Equal(t, newRx, st.MessageID)
	assert.Equal(t, "PH-1", st.RxReferenceNumber)
	require.Len(t, st.Fills, 1)
	assert.Equal(t, "md-1", st.Fills[0].MedicationDispenseID)
	assert.Equal(t, 1, st.Duplicates)
	assert.True(t, st.Closed)
	// A new prescription records its baseline's version marker and asks nothing else.
	assert.Equal(t, []string{prescriptions.Baseline.ID}, *asked)
}

func TestPrescriptionNeedsReviewUntilOverride(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.NeedsReview, Reasons: []erxcheck.Reason{{Code: erxcheck.ReasonAllergy, Verdict: erxcheck.NeedsReview, Text: "allergy"}}})
	expectNewRx(env)
	var during prescriptions.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(prescriptions.StatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
	}, time.Hour)
	bad := update(env, 2*time.Hour, prescriptions.OverrideUpdateName, prescriptions.OverrideUpdate{By: "dr.demo"})
	good := update(env, 50*time.Hour, prescriptions.OverrideUpdateName, prescriptions.OverrideUpdate{By: "dr.demo", Reason: "tolerated before"})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusNeedsReview, during.Status)
	assert.Equal(t, erxcheck.ReasonAllergy, during.Reasons[0].Code)
	require.Error(t, bad.rejected, "an override without a reason is rejected by the validator")
	require.NoError(t, good.err)
	require.NotNil(t, st.Override)
	assert.Equal(t, "dr.demo", st.Override.By)
	assert.Equal(t, "tolerated before", st.Override.Reason)
	assert.Equal(t, start.Add(50*time.Hour), st.Override.At)
	assert.Equal(t, prescriptions.StatusSent, st.Status)
}

func TestPrescriptionControlledSubstanceRefusedWithoutSending(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	refusal := erxcheck.CheckControlled(erxcheck.ScheduleII, false)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Refused, Reasons: refusal})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusRefused, st.Status)
	assert.Contains(t, st.Refusal, "EPCS")
	assert.Empty(t, st.MessageID, "nothing was sent")
}

func TestPrescriptionNCPDPErrorFails(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	env.OnActivity(pharmacyact.SendNewRxName, mock.Anything, mock.Anything).Return(pharmacyact.SendResult{},
		temporal.NewNonRetryableApplicationError("pharmacy: message rejected with NCPDP Error 900", pharmacyact.ErrTypeRejected, nil,
			pharmacyact.Rejection{Code: "900", DescriptionCode: "210", Description: "transaction rejected"})).Once()
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusFailed, st.Status)
	require.NotNil(t, st.Error)
	assert.Equal(t, prescriptions.NCPDPError{Code: "900", DescriptionCode: "210", Description: "transaction rejected"}, *st.Error)
}

func TestPrescriptionNewRxRetriesResendTheSameMessage(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	var sent []pharmacyact.SendInput
	calls := 0
	env.OnActivity(pharmacyact.SendNewRxName, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in pharmacyact.SendInput) (pharmacyact.SendResult, error) {
			sent = append(sent, in)
			calls++
			if calls < 3 {
				return pharmacyact.SendResult{}, errors.New("pharmacy: network answered HTTP 503")
			}
			return pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil
		}).Times(3)
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusSent, st.Status)
	require.Len(t, sent, 3)
	for _, in := range sent[1:] {
		assert.Equal(t, sent[0], in, "a retry resends the identical message")
	}
	assert.Equal(t, newRx, sent[0].MessageID)
}

func TestPrescriptionChangeRequestWaitsDaysForApproval(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	change := pharmacyMsg("chg-1", newRx, ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{MessageRequestCode: ncpdp.ChangeTherapeuticInterchange,
		MedicationRequested: []ncpdp.Medication{{DrugDescription: "simvastatin 20 MG Oral Tablet"}}}})
	signal(env, time.Hour, change)
	respID := pharmacyact.MessageID(wfID, "response", "chg-1")
	env.OnActivity(pharmacyact.SendRxChangeResponseName, mock.Anything, mock.MatchedBy(func(in pharmacyact.ResponseInput) bool {
		return in.Approved && in.MessageID == respID && in.Request.Header.MessageID == "chg-1" && in.Note == "ok"
	})).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	var waiting prescriptions.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(prescriptions.StatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&waiting))
	}, 3*24*time.Hour)
	deny := update(env, 3*24*time.Hour+time.Minute, prescriptions.DenyUpdateName, prescriptions.DecisionUpdate{By: "dr.demo"})
	ok := update(env, 4*24*time.Hour, prescriptions.ApproveUpdateName, prescriptions.DecisionUpdate{By: "dr.demo", Note: "ok"})
	late := update(env, 5*24*time.Hour, prescriptions.ApproveUpdateName, prescriptions.DecisionUpdate{By: "dr.demo"})
	// The approved change is written to the EHR as a new MedicationRequest replacing the
	// original, which nothing was dispensed under yet.
	env.OnActivity(ehr.RecordSuccessorPrescriptionName, mock.Anything, mock.MatchedBy(func(in ehr.RecordSuccessorPrescriptionInput) bool {
		return in.Key == wfID+"/change/chg-1" && in.PriorID == "mr-1001" && in.PriorStatus == "cancelled" &&
			in.Medication.DrugDescription == "simvastatin 20 MG Oral Tablet" && in.At.Equal(start.Add(4*24*time.Hour))
	})).Return(ehr.RecordSuccessorPrescriptionResult{MedicationRequestID: "mr-2"}, nil).Once()
	// The approved change is dispensed: the fill relates to the response and is recorded
	// against the new MedicationRequest.
	env.OnActivity(ehr.RecordFillName, mock.Anything, mock.MatchedBy(func(in ehr.RecordFillInput) bool {
		return in.MedicationRequestID == "mr-2" && in.RequestStatus == "completed"
	})).Return(ehr.RecordFillResult{MedicationDispenseID: "md-2"}, nil).Once()
	signal(env, 6*24*time.Hour, pharmacyMsg("fill-2", respID, dispensed))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusChangeRequested, waiting.Status)
	require.Len(t, waiting.Pending, 1)
	assert.Equal(t, ncpdp.ChangeTherapeuticInterchange, waiting.Pending[0].Code)
	require.Error(t, deny.rejected, "a denial needs a reason")
	require.NoError(t, ok.err)
	assert.Equal(t, prescriptions.StatusSent, ok.state.Status)
	require.Error(t, late.rejected, "nothing is pending any more")
	require.Len(t, st.Answers, 1)
	assert.True(t, st.Answers[0].Approved)
	assert.Equal(t, respID, st.Answers[0].ResponseMessageID)
	assert.Equal(t, "mr-2", st.Answers[0].MedicationRequestID)
	assert.Equal(t, "mr-2", st.CurrentMedicationRequestID)
	assert.Equal(t, "mr-1001", st.MedicationRequestID, "the prescription keeps the order it started from")
	assert.Equal(t, prescriptions.StatusFilled, st.Status)
}

func TestPrescriptionRenewalApprovedWritesTheNewOrder(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	renewal := ncpdp.Body{RxRenewalRequest: &ncpdp.RxRenewalRequest{MedicationPrescribed: ncpdp.Medication{
		DrugDescription: "atorvastatin 20 MG Oral Tablet", NumberOfRefills: "2"}}}
	signal(env, time.Hour, pharmacyMsg("ren-1", newRx, renewal))
	env.OnActivity(pharmacyact.SendRxRenewalResponseName, mock.Anything, mock.MatchedBy(func(in pharmacyact.ResponseInput) bool {
		return in.Approved
	})).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	env.OnActivity(ehr.RecordSuccessorPrescriptionName, mock.Anything, mock.MatchedBy(func(in ehr.RecordSuccessorPrescriptionInput) bool {
		return in.Key == wfID+"/renewal/ren-1" && in.PriorID == "mr-1001" && in.PriorStatus == "" && in.Medication.NumberOfRefills == "2"
	})).Return(ehr.RecordSuccessorPrescriptionResult{MedicationRequestID: "mr-3"}, nil).Once()
	// A cancel after the renewal puts the new order on hold and cancels it, not the prior one.
	env.OnActivity(pharmacyact.SendCancelRxName, mock.Anything, mock.MatchedBy(func(in pharmacyact.SendInput) bool {
		return in.Prescription.Medication.NumberOfRefills == "2"
	})).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	env.OnActivity(ehr.SetPrescriptionStatusName, mock.Anything, ehr.SetPrescriptionStatusInput{MedicationRequestID: "mr-3", Status: "on-hold"}).Return(nil).Once()
	env.OnActivity(ehr.SetPrescriptionStatusName, mock.Anything, ehr.SetPrescriptionStatusInput{MedicationRequestID: "mr-3", Status: "cancelled"}).Return(nil).Once()
	r := update(env, 2*24*time.Hour, prescriptions.ApproveUpdateName, prescriptions.DecisionUpdate{By: "dr.demo"})
	update(env, 3*24*time.Hour, prescriptions.CancelUpdateName, prescriptions.CancelUpdate{By: "dr.demo", Reason: "stopping therapy"})
	signal(env, 3*24*time.Hour+time.Hour, pharmacyMsg("cr-1", cancel, cancelResponse(true)))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.NoError(t, r.err)
	assert.Equal(t, "mr-3", r.state.CurrentMedicationRequestID, "the approval's answer names the new order")
	require.Len(t, st.Answers, 1)
	assert.Equal(t, prescriptions.RequestRenewal, st.Answers[0].Kind)
	assert.Equal(t, "mr-3", st.Answers[0].MedicationRequestID)
	assert.Equal(t, prescriptions.StatusCancelled, st.Status)
}

func TestPrescriptionChangeApprovedAfterAFillStopsTheOrder(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	partial := ncpdp.Body{RxFill: &ncpdp.RxFill{FillStatus: ncpdp.FillStatus{PartiallyDispensed: &ncpdp.FillNote{}},
		MedicationPrescribed: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet", Quantity: ncpdp.Quantity{Value: "15"}}}}
	env.OnActivity(ehr.RecordFillName, mock.Anything, mock.Anything).Return(ehr.RecordFillResult{MedicationDispenseID: "md-1"}, nil).Once()
	signal(env, time.Hour, pharmacyMsg("fill-1", newRx, partial))
	// Out of stock for the rest: the pharmacy proposes another product, without naming one.
	signal(env, 2*time.Hour, pharmacyMsg("chg-2", newRx, ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{MessageRequestCode: "OS",
		MedicationPrescribed: ncpdp.Medication{DrugDescription: "atorvastatin 20 MG Oral Tablet"}}}))
	env.OnActivity(pharmacyact.SendRxChangeResponseName, mock.Anything, mock.Anything).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	env.OnActivity(ehr.RecordSuccessorPrescriptionName, mock.Anything, mock.MatchedBy(func(in ehr.RecordSuccessorPrescriptionInput) bool {
		return in.PriorStatus == "stopped" && in.Medication.DrugDescription == "atorvastatin 20 MG Oral Tablet"
	})).Return(ehr.RecordSuccessorPrescriptionResult{MedicationRequestID: "mr-4"}, nil).Once()
	update(env, 3*time.Hour, prescriptions.ApproveUpdateName, prescriptions.DecisionUpdate{By: "dr.demo"})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, "mr-4", st.CurrentMedicationRequestID)
	assert.Equal(t, prescriptions.StatusPartiallyFilled, st.Status)
}

func TestPrescriptionApprovalNotDeliveredWritesNothingToTheEHR(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	signal(env, time.Hour, pharmacyMsg("chg-3", newRx, ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{MessageRequestCode: "T"}}))
	env.OnActivity(pharmacyact.SendRxChangeResponseName, mock.Anything, mock.Anything).Return(pharmacyact.SendResult{},
		temporal.NewNonRetryableApplicationError("pharmacy: message rejected with NCPDP Error 900", pharmacyact.ErrTypeRejected, nil,
			pharmacyact.Rejection{Code: "900"})).Once()
	update(env, 2*time.Hour, prescriptions.ApproveUpdateName, prescriptions.DecisionUpdate{By: "dr.demo"})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.Len(t, st.Answers, 1)
	assert.Equal(t, "900", st.Answers[0].Error.Code)
	assert.Empty(t, st.Answers[0].MedicationRequestID)
	assert.Empty(t, st.CurrentMedicationRequestID, "the pharmacy never had the approval")
}

// oldVersion replays the behaviour of executions started before V2ChangeID.
func oldVersion(env *testsuite.TestWorkflowEnvironment) {
	env.OnGetVersion(prescriptions.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnGetVersion(prescriptions.V2ChangeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
}

func TestPrescriptionBeforeV2ApprovedChangeWritesNoOrder(t *testing.T) {
	env := newEnv(t)
	oldVersion(env)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	signal(env, time.Hour, pharmacyMsg("chg-1", newRx, ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{MessageRequestCode: "T"}}))
	env.OnActivity(pharmacyact.SendRxChangeResponseName, mock.Anything, mock.Anything).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	env.OnActivity(ehr.RecordFillName, mock.Anything, mock.MatchedBy(func(in ehr.RecordFillInput) bool {
		return in.MedicationRequestID == "mr-1001"
	})).Return(ehr.RecordFillResult{MedicationDispenseID: "md-2"}, nil).Once()
	update(env, 2*time.Hour, prescriptions.ApproveUpdateName, prescriptions.DecisionUpdate{By: "dr.demo"})
	signal(env, 3*time.Hour, pharmacyMsg("fill-2", pharmacyact.MessageID(wfID, "response", "chg-1"), dispensed))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Empty(t, st.CurrentMedicationRequestID)
	assert.Equal(t, prescriptions.StatusFilled, st.Status)
}

func TestPrescriptionRenewalDenied(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	signal(env, time.Hour, pharmacyMsg("ren-1", "", ncpdp.Body{RxRenewalRequest: &ncpdp.RxRenewalRequest{}}))
	env.OnActivity(pharmacyact.SendRxRenewalResponseName, mock.Anything, mock.MatchedBy(func(in pharmacyact.ResponseInput) bool {
		return !in.Approved && in.DenialReason == "needs a visit"
	})).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	r := update(env, 2*24*time.Hour, prescriptions.DenyUpdateName, prescriptions.DecisionUpdate{By: "dr.demo", Reason: "needs a visit"})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.NoError(t, r.err)
	require.Len(t, st.Answers, 1)
	assert.False(t, st.Answers[0].Approved)
	assert.Equal(t, prescriptions.RequestRenewal, st.Answers[0].Kind)
	assert.Equal(t, prescriptions.StatusSent, st.Status)
}

func cancelResponse(approved bool) ncpdp.Body {
	if approved {
		return ncpdp.Body{CancelRxResponse: &ncpdp.CancelRxResponse{Response: ncpdp.Response{Approved: &ncpdp.Note{}}}}
	}
	return ncpdp.Body{CancelRxResponse: &ncpdp.CancelRxResponse{Response: ncpdp.Response{Denied: &ncpdp.Denial{DenialReason: "already dispensed"}}}}
}

func expectStatus(env *testsuite.TestWorkflowEnvironment, status string) {
	env.OnActivity(ehr.SetPrescriptionStatusName, mock.Anything, ehr.SetPrescriptionStatusInput{MedicationRequestID: "mr-1001", Status: status}).
		Return(nil).Once()
}

func TestPrescriptionCancelApproved(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	env.OnActivity(pharmacyact.SendCancelRxName, mock.Anything, mock.MatchedBy(func(in pharmacyact.SendInput) bool {
		return in.MessageID == cancel && in.PrescriberOrderNumber == rxID
	})).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	expectStatus(env, "on-hold")
	expectStatus(env, "cancelled")
	r := update(env, time.Hour, prescriptions.CancelUpdateName, prescriptions.CancelUpdate{By: "dr.demo", Reason: "wrong drug"})
	signal(env, 2*time.Hour, pharmacyMsg("cr-1", cancel, cancelResponse(true)))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.NoError(t, r.err)
	assert.Equal(t, prescriptions.StatusCancelRequested, r.state.Status)
	assert.Equal(t, prescriptions.StatusCancelled, st.Status)
	assert.Equal(t, prescriptions.CancelApproved, st.Cancel.Status)
	assert.Equal(t, "wrong drug", st.Cancel.Decision.Reason)
}

func TestPrescriptionCancelDeniedStaysActiveAndRestoresTheEHR(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	env.OnActivity(pharmacyact.SendCancelRxName, mock.Anything, mock.Anything).Return(pharmacyact.SendResult{AnswerType: "Status", Code: "000"}, nil).Once()
	expectStatus(env, "on-hold")
	expectStatus(env, "active")
	update(env, time.Hour, prescriptions.CancelUpdateName, prescriptions.CancelUpdate{By: "dr.demo", Reason: "wrong drug"})
	again := update(env, 90*time.Minute, prescriptions.CancelUpdateName, prescriptions.CancelUpdate{By: "dr.demo", Reason: "wrong drug"})
	signal(env, 2*time.Hour, pharmacyMsg("cr-1", cancel, cancelResponse(false)))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.Error(t, again.rejected, "a second cancel while one is pending is rejected")
	assert.Equal(t, prescriptions.StatusSent, st.Status)
	assert.Equal(t, prescriptions.CancelDenied, st.Cancel.Status)
	assert.Equal(t, "already dispensed", st.Cancel.DenialReason)
}

func TestPrescriptionCancelDuringReviewSendsNothing(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.NeedsReview})
	expectStatus(env, "cancelled")
	update(env, time.Hour, prescriptions.CancelUpdateName, prescriptions.CancelUpdate{By: "dr.demo", Reason: "not needed"})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Equal(t, prescriptions.StatusCancelled, st.Status)
	assert.Empty(t, st.MessageID)
}

func TestPrescriptionReviewExpires(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.NeedsReview})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	assert.Equal(t, prescriptions.StatusExpired, st.Status)
}

func TestPrescriptionLoadFailureNamesTheElement(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadPrescriptionName, mock.Anything, mock.Anything).Return(ehr.PrescriptionContext{},
		temporal.NewNonRetryableApplicationError("x", ehr.ErrTypeUnusablePrescription, nil, "Patient.birthDate")).Once()
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	assert.Equal(t, prescriptions.StatusFailed, st.Status)
	assert.Contains(t, st.FailureReason, "Patient.birthDate")
}

func TestPrescriptionInvalidInputFails(t *testing.T) {
	env := newEnv(t)
	env.ExecuteWorkflow(prescriptions.WorkflowName, prescriptions.Input{PrescriptionID: "has space"})
	require.Error(t, env.GetWorkflowError())
}

func TestPrescriptionBeforeV2LateErrorFailsAndUnrelatedMessagesAreIgnored(t *testing.T) {
	env := newEnv(t)
	oldVersion(env)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	// A fill relating to a message this prescription never sent is not applied.
	signal(env, time.Hour, pharmacyMsg("fill-x", "SOMEONE-ELSES", dispensed))
	signal(env, 2*time.Hour, pharmacyMsg("err-1", newRx, ncpdp.Body{Error: &ncpdp.Error{Code: "601", Description: "receiver unable"}}))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	assert.Empty(t, st.Fills)
	assert.Equal(t, prescriptions.StatusFailed, st.Status)
	require.NotNil(t, st.Error)
	assert.Equal(t, "601", st.Error.Code)
}

func TestPrescriptionCancelRxRejectedCompensatesTheEHR(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	env.OnActivity(pharmacyact.SendCancelRxName, mock.Anything, mock.Anything).Return(pharmacyact.SendResult{},
		temporal.NewNonRetryableApplicationError("pharmacy: message rejected with NCPDP Error 900", pharmacyact.ErrTypeRejected, nil,
			pharmacyact.Rejection{Code: "900"})).Once()
	expectStatus(env, "on-hold")
	expectStatus(env, "active")
	r := update(env, time.Hour, prescriptions.CancelUpdateName, prescriptions.CancelUpdate{By: "dr.demo", Reason: "wrong drug"})
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.NoError(t, r.err)
	assert.Equal(t, prescriptions.CancelFailed, st.Cancel.Status)
	assert.Equal(t, "900", st.Cancel.Error.Code)
	assert.Equal(t, prescriptions.StatusSent, st.Status, "the prescription stays active at the pharmacy")
}

func TestPrescriptionForeignRelatesToMatchedByOrderNumber(t *testing.T) {
	env := newEnv(t)
	expectLoad(env)
	expectCheck(env, erxcheck.Result{Verdict: erxcheck.Clear})
	expectNewRx(env)
	// The fill relates to a message of the pharmacy's own, but names this prescription.
	env.OnActivity(ehr.RecordFillName, mock.Anything, mock.MatchedBy(func(in ehr.RecordFillInput) bool {
		return in.Key == wfID+"/fill/fill-x"
	})).Return(ehr.RecordFillResult{MedicationDispenseID: "md-x"}, nil).Once()
	signal(env, time.Hour, pharmacyMsg("fill-x", "PHARMACY-OWN-1", dispensed))
	// Relating to no message of this prescription and naming another one: not applied.
	other := pharmacyMsg("fill-y", "SOMEONE-ELSES", dispensed)
	other.Header.PrescriberOrderNumber = "rx-other"
	signal(env, 2*time.Hour, other)
	// An Error relating to a message this prescription never sent says nothing about its own.
	signal(env, 3*time.Hour, pharmacyMsg("err-x", "PHARMACY-OWN-2", ncpdp.Body{Error: &ncpdp.Error{Code: "900"}}))
	env.ExecuteWorkflow(prescriptions.WorkflowName, input())
	st := result(t, env)
	env.AssertExpectations(t)
	require.Len(t, st.Fills, 1)
	assert.Equal(t, "fill-x", st.Fills[0].MessageID)
	assert.Equal(t, prescriptions.StatusFilled, st.Status)
	assert.Nil(t, st.Error)
}
