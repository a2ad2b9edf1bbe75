package prescriptions

import (
	"fmt"
	"strconv"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
)

func rejected(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeRejected)
}

// maxText bounds who and why fields; NCPDP notes and denial reasons are short too.
const maxText = 200

func checkDecision(by, reason string, reasonRequired bool) error {
	if strings.TrimSpace(by) == "" || len(by) > 100 {
		return rejected("by is required (at most 100 characters)")
	}
	if reasonRequired && strings.TrimSpace(reason) == "" {
		return rejected("reason is required")
	}
	if len(reason) > maxText {
		return rejected("reason must be at most %d characters", maxText)
	}
	return nil
}

func (w *impl) validateOverride(u OverrideUpdate) error {
	if err := checkDecision(u.By, u.Reason, true); err != nil {
		return err
	}
	if w.state.Status != StatusNeedsReview || w.released {
		return rejected("the prescription is %s, not %s", w.state.Status, StatusNeedsReview)
	}
	return nil
}

// handleOverride releases the prescription for sending, recording who and why.
func (w *impl) handleOverride(ctx workflow.Context, u OverrideUpdate) (State, error) {
	if err := w.validateOverride(u); err != nil {
		return w.state, err
	}
	w.released = true
	w.state.Override = &Decision{By: strings.TrimSpace(u.By), Reason: strings.TrimSpace(u.Reason), At: workflow.Now(ctx)}
	w.events++
	return w.state, nil
}

func (w *impl) validateCancel(u CancelUpdate) error {
	if err := checkDecision(u.By, u.Reason, true); err != nil {
		return err
	}
	if w.terminal() || w.state.Closed {
		return rejected("the prescription is %s and takes no further changes", w.state.Status)
	}
	if c := w.state.Cancel; c != nil && c.Status == CancelRequested {
		return rejected("a cancel is already waiting for the pharmacy's answer")
	}
	switch w.base {
	case StatusLoading, StatusSending:
		return rejected("the prescription is %s; cancel once it is sent", w.base)
	}
	return nil
}

// handleCancel cancels a prescription: before sending, locally; after, with a CancelRx whose
// answer (CancelRxResponse) arrives at the webhook. The EHR's MedicationRequest is put on
// hold meanwhile and restored if the pharmacy denies the cancel.
func (w *impl) handleCancel(ctx workflow.Context, u CancelUpdate) (State, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.state, err
	}
	defer w.mu.Unlock()
	if err := w.validateCancel(u); err != nil {
		return w.state, err
	}
	w.events++
	d := Decision{By: strings.TrimSpace(u.By), Reason: strings.TrimSpace(u.Reason), At: workflow.Now(ctx)}
	if w.base == StatusNeedsReview {
		// Nothing reached the pharmacy: the cancel is the engine's own.
		w.state.Cancel = &Cancel{Status: CancelApproved, Decision: d}
		w.callSetStatus(ctx, "cancelled")
		w.setBase(StatusCancelled)
		return w.state, nil
	}
	w.cancels++
	c := &Cancel{Status: CancelRequested, Decision: d, MessageID: pharmacyact.MessageID(w.wfID, "cancelrx", strconv.Itoa(w.cancels))}
	w.state.Cancel = c
	w.refresh()
	w.callSetStatus(ctx, "on-hold")
	if _, err := w.callSendCancelRx(ctx, c.MessageID); err != nil {
		w.logger.Warn("CancelRx failed", "ErrorType", errorType(err))
		// Compensation: the prescription stays active at the pharmacy.
		w.callSetStatus(ctx, "active")
		c.Status, c.Error = CancelFailed, ncpdpError(err)
	}
	w.refresh()
	return w.state, nil
}

func (w *impl) validateDecision(u DecisionUpdate, approve bool) error {
	if err := checkDecision(u.By, u.Reason, !approve); err != nil {
		return err
	}
	if len(u.Note) > maxText {
		return rejected("note must be at most %d characters", maxText)
	}
	if w.terminal() {
		return rejected("the prescription is %s and takes no further changes", w.state.Status)
	}
	if w.pendingIndex(u.RequestMessageID) < 0 {
		if u.RequestMessageID != "" {
			return rejected("no pending pharmacy request with this message id")
		}
		return rejected("no pharmacy request is waiting for the prescriber")
	}
	return nil
}

// pendingIndex finds the request an update decides: by MessageID, or the oldest.
func (w *impl) pendingIndex(messageID string) int {
	for i, p := range w.state.Pending {
		if messageID == "" || p.MessageID == messageID {
			return i
		}
	}
	return -1
}

// handleDecision answers a pending change or renewal request with RxChangeResponse or
// RxRenewalResponse.
func (w *impl) handleDecision(ctx workflow.Context, u DecisionUpdate, approve bool) (State, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.state, err
	}
	defer w.mu.Unlock()
	if err := w.validateDecision(u, approve); err != nil {
		return w.state, err
	}
	w.events++
	i := w.pendingIndex(u.RequestMessageID)
	p := w.state.Pending[i]
	w.state.Pending = append(append([]PendingRequest{}, w.state.Pending[:i]...), w.state.Pending[i+1:]...)
	req := w.requests[p.MessageID]
	delete(w.requests, p.MessageID)
	a := Answer{PendingRequest: p, Approved: approve,
		Decision:          Decision{By: strings.TrimSpace(u.By), Reason: strings.TrimSpace(u.Reason), At: workflow.Now(ctx)},
		ResponseMessageID: pharmacyact.MessageID(w.wfID, "response", p.MessageID)}
	in := pharmacyact.ResponseInput{MessageID: a.ResponseMessageID, Request: req, Approved: approve, Note: u.Note}
	if !approve {
		// The prescriber's free text is the reason; no coded reason is guessed for it.
		in.DenialReason = strings.TrimSpace(u.Reason)
	}
	if _, err := w.callSendResponse(ctx, p.Kind, in); err != nil {
		w.logger.Warn("Response to the pharmacy failed", "ErrorType", errorType(err))
		a.Error = ncpdpError(err)
	} else if approve && w.version >= 1 {
		w.recordApproved(ctx, p, req, &a)
	}
	w.state.Answers = append(w.state.Answers, a)
	w.refresh()
	return w.state, nil
}

// recordApproved writes an approved change or renewal to the EHR as a new MedicationRequest
// (version 1) after the pharmacy accepted the response, and makes it the one later fills and
// status changes go to. A changed order is withdrawn: cancelled before anything was dispensed
// under it, stopped after (FHIR R4 medicationrequest-status); a renewal leaves the prior one.
// The caller holds mu.
func (w *impl) recordApproved(ctx workflow.Context, p PendingRequest, req *ncpdp.Message, a *Answer) {
	med, ok := pharmacyact.ApprovedMedication(req)
	if !ok {
		return
	}
	in := ehr.RecordSuccessorPrescriptionInput{Key: w.wfID + "/" + p.Kind + "/" + p.MessageID, PriorID: w.requestID(),
		Medication: med, At: workflow.Now(ctx)}
	if p.Kind == RequestChange {
		in.PriorStatus = "cancelled"
		for _, f := range w.state.Fills {
			if f.Outcome == ncpdp.FillDispensed || f.Outcome == ncpdp.FillPartiallyDispensed {
				in.PriorStatus = "stopped"
			}
		}
	}
	res, err := w.callRecordSuccessor(ctx, in)
	if err != nil {
		w.logger.Warn("Writing the approved prescription to the EHR failed", "ErrorType", errorType(err))
		a.EHRWriteFailed = true
		return
	}
	a.MedicationRequestID = res.MedicationRequestID
	w.current = res.MedicationRequestID
	w.state.CurrentMedicationRequestID = res.MedicationRequestID
	// A later CancelRx names what the pharmacy now has, and a fill's refills count from it.
	w.rx.Medication = med
}
