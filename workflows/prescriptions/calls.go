package prescriptions

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/erxcheck"
)

// Activities are called by their registered names (the constants beside the methods), so
// the workflow does not depend on the activity structs' code.

// ehrRetryPolicy retries EHR blips quickly, capped at 30s; not-found and rejected resources
// are permanent (the activities mark them, the list keeps it true if one forgets).
func ehrRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        30 * time.Second,
		NonRetryableErrorTypes: []string{ehr.ErrTypeNotFound, ehr.ErrTypeRejected, ehr.ErrTypeUnusablePrescription},
	}
}

// pharmacyRetryPolicy resends the same message (same MessageID, which the network
// deduplicates) after timeouts and 5xx, backing off to 5 minutes; NCPDP Errors are final.
func pharmacyRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        2 * time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        5 * time.Minute,
		NonRetryableErrorTypes: []string{pharmacyact.ErrTypeRejected, pharmacyact.ErrTypePermanent},
	}
}

func (w *impl) callLoad(ctx workflow.Context) (ehr.PrescriptionContext, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// Four FHIR reads and a search; each is bounded by the client's 30 s timeout.
		StartToCloseTimeout: time.Minute,
		// A prescriber is waiting for the verdict: after ten minutes of EHR trouble the
		// prescription fails and is resubmitted rather than sent unnoticed much later.
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            ehrRetryPolicy(),
	})
	var out ehr.PrescriptionContext
	err := workflow.ExecuteActivity(actx, ehr.LoadPrescriptionName, ehr.LoadPrescriptionInput{
		MedicationRequestID: w.in.RequestID(),
	}).Get(actx, &out)
	return out, err
}

func (w *impl) callCheck(ctx workflow.Context) (erxcheck.Result, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// Pure computation over injected tables (or a formulary service in production).
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	var out erxcheck.Result
	err := workflow.ExecuteActivity(actx, pharmacyact.CheckPrescriptionName, pharmacyact.CheckInput{
		RxCUI: w.rx.RxCUI, Allergies: w.rx.Allergies,
	}).Get(actx, &out)
	return out, err
}

// pharmacyOptions bound every prescriber message: one exchange within the client's 30 s
// timeout plus a slow network's margin, resent for a day before the message counts as
// undeliverable (the prescriber is told and can prescribe again).
func pharmacyOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            pharmacyRetryPolicy(),
	})
}

func (w *impl) prescription() pharmacyact.Prescription {
	return pharmacyact.Prescription{Patient: w.rx.Patient, Pharmacy: w.rx.Pharmacy, Prescriber: w.rx.Prescriber, Medication: w.rx.Medication}
}

// callSendNewRx sends the NewRx under a MessageID derived from the workflow ID and the step,
// with the SentTime fixed by the workflow: every retry, and a worker restarted mid-send,
// sends the identical message.
func (w *impl) callSendNewRx(ctx workflow.Context) (pharmacyact.SendResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	actx := pharmacyOptions(dctx)
	w.state.MessageID = pharmacyact.MessageID(w.wfID, "newrx")
	w.sent[w.state.MessageID] = string(ncpdp.TypeNewRx)
	var out pharmacyact.SendResult
	err := workflow.ExecuteActivity(actx, pharmacyact.SendNewRxName, pharmacyact.SendInput{
		MessageID: w.state.MessageID, SentTime: workflow.Now(ctx), PrescriberOrderNumber: w.in.PrescriptionID,
		Prescription: w.prescription(),
	}).Get(actx, &out)
	return out, err
}

func (w *impl) callSendCancelRx(ctx workflow.Context, messageID string) (pharmacyact.SendResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	actx := pharmacyOptions(dctx)
	w.sent[messageID] = string(ncpdp.TypeCancelRx)
	var out pharmacyact.SendResult
	err := workflow.ExecuteActivity(actx, pharmacyact.SendCancelRxName, pharmacyact.SendInput{
		MessageID: messageID, SentTime: workflow.Now(ctx), PrescriberOrderNumber: w.in.PrescriptionID,
		RxReferenceNumber: w.state.RxReferenceNumber, Prescription: w.prescription(),
	}).Get(actx, &out)
	return out, err
}

func (w *impl) callSendResponse(ctx workflow.Context, kind string, in pharmacyact.ResponseInput) (pharmacyact.SendResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	actx := pharmacyOptions(dctx)
	name, typ := pharmacyact.SendRxChangeResponseName, ncpdp.TypeRxChangeResponse
	if kind == RequestRenewal {
		name, typ = pharmacyact.SendRxRenewalResponseName, ncpdp.TypeRxRenewalResponse
	}
	w.sent[in.MessageID] = string(typ)
	in.SentTime = workflow.Now(ctx)
	var out pharmacyact.SendResult
	err := workflow.ExecuteActivity(actx, name, in).Get(actx, &out)
	return out, err
}

// ehrWriteOptions bound EHR write-backs: a fill or status change the EHR must end up with, so
// they are retried for a day.
func ehrWriteOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            ehrRetryPolicy(),
	})
}

func (w *impl) callRecordFill(ctx workflow.Context, in ehr.RecordFillInput) (ehr.RecordFillResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	actx := ehrWriteOptions(dctx)
	var out ehr.RecordFillResult
	err := workflow.ExecuteActivity(actx, ehr.RecordFillName, in).Get(actx, &out)
	return out, err
}

// callSetStatus sets MedicationRequest.status; a failure is logged, not fatal: the EHR's
// status is a mirror of the prescription's state, which the query always shows.
func (w *impl) callSetStatus(ctx workflow.Context, status string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	actx := ehrWriteOptions(dctx)
	err := workflow.ExecuteActivity(actx, ehr.SetPrescriptionStatusName, ehr.SetPrescriptionStatusInput{
		MedicationRequestID: w.in.RequestID(), Status: status,
	}).Get(actx, nil)
	if err != nil {
		w.logger.Warn("Setting the EHR prescription status failed", "Status", status, "ErrorType", errorType(err))
	}
}

// ncpdpError reads a failed pharmacy call: the NCPDP Error the network answered, or
// ErrorUnreachable when retries ran out without a definite answer.
func ncpdpError(err error) *NCPDPError {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case pharmacyact.ErrTypeRejected:
			var r pharmacyact.Rejection
			if appErr.HasDetails() {
				_ = appErr.Details(&r)
			}
			return &NCPDPError{Code: r.Code, DescriptionCode: r.DescriptionCode, Description: r.Description}
		case pharmacyact.ErrTypePermanent:
			return &NCPDPError{Code: "permanent", Description: "the network's answer could not be used"}
		}
	}
	return &NCPDPError{Code: ErrorUnreachable, Description: "the pharmacy network did not answer"}
}

// errorType names an activity error's type for logs (never its message).
func errorType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "timeout"
	}
	return "other"
}
