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
	"github.com/careflow/engine/workflows/internal/call"
)

// Activities are called by their registered names (the constants beside the methods), so
// the workflow does not depend on the activity structs' code.

// ehrRetryPolicy retries EHR blips quickly, capped at 30s; not-found and rejected resources
// are permanent (the activities mark them, the list keeps it true if one forgets).
func ehrRetryPolicy() *temporal.RetryPolicy {
	return call.Doubling(time.Second, 30*time.Second, ehr.ErrTypeNotFound, ehr.ErrTypeRejected, ehr.ErrTypeUnusablePrescription)
}

// pharmacyRetryPolicy resends the same message (same MessageID, which the network
// deduplicates) after timeouts and 5xx, backing off to 5 minutes; NCPDP Errors are final.
func pharmacyRetryPolicy() *temporal.RetryPolicy {
	return call.Doubling(2*time.Second, 5*time.Minute, pharmacyact.ErrTypeRejected, pharmacyact.ErrTypePermanent)
}

func (w *impl) callLoad(ctx workflow.Context) (ehr.PrescriptionContext, error) {
	return call.Activity[ehr.PrescriptionContext](ctx, workflow.ActivityOptions{
		// Four FHIR reads and a search; each is bounded by the client's 30 s timeout.
		StartToCloseTimeout: time.Minute,
		// A prescriber is waiting for the verdict: after ten minutes of EHR trouble the
		// prescription fails and is resubmitted rather than sent unnoticed much later.
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            ehrRetryPolicy(),
	}, ehr.LoadPrescriptionName, ehr.LoadPrescriptionInput{
		MedicationRequestID: w.in.RequestID(),
	})
}

func (w *impl) callCheck(ctx workflow.Context) (erxcheck.Result, error) {
	return call.Activity[erxcheck.Result](ctx, workflow.ActivityOptions{
		// Pure computation over injected tables (or a formulary service in production).
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		// Temporal's default backoff coefficient (2), spelled out.
		RetryPolicy: call.Doubling(time.Second, 30*time.Second),
	}, pharmacyact.CheckPrescriptionName, pharmacyact.CheckInput{
		RxCUI: w.rx.RxCUI, Allergies: w.rx.Allergies,
	})
}

// pharmacyCall bounds every prescriber message: one exchange within the client's 30 s
// timeout plus a slow network's margin, resent for a day before the message counts as
// undeliverable (the prescriber is told and can prescribe again).
func pharmacyCall() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            pharmacyRetryPolicy(),
	}
}

func (w *impl) prescription() pharmacyact.Prescription {
	return pharmacyact.Prescription{Patient: w.rx.Patient, Pharmacy: w.rx.Pharmacy, Prescriber: w.rx.Prescriber, Medication: w.rx.Medication}
}

// callSendNewRx sends the NewRx under a MessageID derived from the workflow ID and the step,
// with the SentTime fixed by the workflow: every retry, and a worker restarted mid-send,
// sends the identical message.
func (w *impl) callSendNewRx(ctx workflow.Context) (pharmacyact.SendResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	w.state.MessageID = pharmacyact.MessageID(w.wfID, "newrx")
	w.sent[w.state.MessageID] = string(ncpdp.TypeNewRx)
	return call.Activity[pharmacyact.SendResult](dctx, pharmacyCall(), pharmacyact.SendNewRxName, pharmacyact.SendInput{
		MessageID: w.state.MessageID, SentTime: workflow.Now(ctx), PrescriberOrderNumber: w.in.PrescriptionID,
		Prescription: w.prescription(),
	})
}

func (w *impl) callSendCancelRx(ctx workflow.Context, messageID string) (pharmacyact.SendResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	w.sent[messageID] = string(ncpdp.TypeCancelRx)
	return call.Activity[pharmacyact.SendResult](dctx, pharmacyCall(), pharmacyact.SendCancelRxName, pharmacyact.SendInput{
		MessageID: messageID, SentTime: workflow.Now(ctx), PrescriberOrderNumber: w.in.PrescriptionID,
		RxReferenceNumber: w.state.RxReferenceNumber, Prescription: w.prescription(),
	})
}

func (w *impl) callSendResponse(ctx workflow.Context, kind string, in pharmacyact.ResponseInput) (pharmacyact.SendResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	name, typ := pharmacyact.SendRxChangeResponseName, ncpdp.TypeRxChangeResponse
	if kind == RequestRenewal {
		name, typ = pharmacyact.SendRxRenewalResponseName, ncpdp.TypeRxRenewalResponse
	}
	w.sent[in.MessageID] = string(typ)
	in.SentTime = workflow.Now(ctx)
	return call.Activity[pharmacyact.SendResult](dctx, pharmacyCall(), name, in)
}

// ehrWrite bounds EHR write-backs: a fill or status change the EHR must end up with, so
// they are retried for a day.
func ehrWrite() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            ehrRetryPolicy(),
	}
}

func (w *impl) callRecordFill(ctx workflow.Context, in ehr.RecordFillInput) (ehr.RecordFillResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return call.Activity[ehr.RecordFillResult](dctx, ehrWrite(), ehr.RecordFillName, in)
}

func (w *impl) callRecordSuccessor(ctx workflow.Context, in ehr.RecordSuccessorPrescriptionInput) (ehr.RecordSuccessorPrescriptionResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return call.Activity[ehr.RecordSuccessorPrescriptionResult](dctx, ehrWrite(), ehr.RecordSuccessorPrescriptionName, in)
}

// callSetStatus sets MedicationRequest.status; a failure is logged, not fatal: the EHR's
// status is a mirror of the prescription's state, which the query always shows.
func (w *impl) callSetStatus(ctx workflow.Context, status string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	_, err := call.Activity[struct{}](dctx, ehrWrite(), ehr.SetPrescriptionStatusName, ehr.SetPrescriptionStatusInput{
		MedicationRequestID: w.requestID(), Status: status,
	})
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
