// Package pharmacy holds the e-prescribing activities: the pre-send safety checks (with the
// engine's injected drug knowledge and the PBM's formulary) and the NCPDP SCRIPT messages the
// prescriber sends to the pharmacy network (NewRx, CancelRx, RxChangeResponse,
// RxRenewalResponse). Errors are classified here, at the vendor boundary.
package pharmacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	pharmclient "github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/erxcheck"
)

// Error types raised as non-retryable application errors; the workflow matches on them.
const (
	// ErrTypeRejected is an NCPDP Error answer; the details carry a Rejection.
	ErrTypeRejected = "PharmacyRejected"
	// ErrTypePermanent is a failure resending cannot fix (malformed answer, 4xx, a message
	// that does not encode).
	ErrTypePermanent = "PharmacyPermanent"
)

// Rejection is the detail of ErrTypeRejected: the NCPDP Error the network answered.
type Rejection struct {
	Code            string `json:"code"`
	DescriptionCode string `json:"descriptionCode,omitempty"`
	// Description is the pharmacy's text; it stays in the (encrypted) workflow history and the
	// prescription's state, never in logs or error strings.
	Description string `json:"description,omitempty"`
}

// SenderID identifies the engine in the From header (qualifier C, the prescriber's system).
const SenderID = "CAREFLOW"

// senderSoftware names the engine in every message header.
var senderSoftware = &ncpdp.SenderSoftware{Developer: "Careflow", Product: "Careflow Engine", VersionRelease: "1.0"}

// Activities sends SCRIPT messages through Network and runs the pre-send checks with the
// injected drug knowledge.
type Activities struct {
	Network pharmclient.Sender
	// Drugs is the drug table giving DEA schedules; nil means erxcheck.SimulatorDrugs.
	Drugs []erxcheck.Drug
	// Lookup resolves ingredients; nil means a lookup over Drugs.
	Lookup erxcheck.IngredientLookup
	// Formulary answers the PBM's benefit question; nil means erxcheck.SimulatorFormulary.
	Formulary erxcheck.FormularyLookup
	// EPCSConfigured is false: EPCS two-factor signing is out of scope, so controlled
	// substances are refused.
	EPCSConfigured bool
	// Records keeps the audit trail and the MessageID crosswalk.
	Records audit.ActivityStore
	// Now is the clock of audit latencies; nil means the wall clock.
	Now func() time.Time
}

// Activity names, as the prescriptions worker registers the methods of Activities.
const (
	CheckPrescriptionName     = "CheckPrescription"
	SendNewRxName             = "SendNewRx"
	SendCancelRxName          = "SendCancelRx"
	SendRxChangeResponseName  = "SendRxChangeResponse"
	SendRxRenewalResponseName = "SendRxRenewalResponse"
)

// CheckInput is what the pre-send checks look at.
type CheckInput struct {
	RxCUI     string                        `json:"rxcui"`
	Allergies []erxcheck.AllergyIntolerance `json:"allergies,omitempty"`
}

// CheckPrescription runs erxcheck.Evaluate: DEA schedule from the drug table, allergies by
// RxNorm ingredient and the PBM's formulary answer.
func (a *Activities) CheckPrescription(_ context.Context, in CheckInput) (erxcheck.Result, error) {
	drugs := a.Drugs
	if drugs == nil {
		drugs = erxcheck.SimulatorDrugs
	}
	lookup := a.Lookup
	if lookup == nil {
		lookup = erxcheck.TableLookup(drugs)
	}
	formulary := a.Formulary
	if formulary == nil {
		formulary = erxcheck.SimulatorFormulary
	}
	var schedule erxcheck.Schedule
	if d, ok := erxcheck.FindDrug(drugs, in.RxCUI); ok {
		schedule = d.Schedule
	}
	return erxcheck.Evaluate(erxcheck.Input{
		DrugRxCUI: in.RxCUI, Schedule: schedule, Allergies: in.Allergies,
		Benefit: formulary(in.RxCUI), EPCSConfigured: a.EPCSConfigured, Lookup: lookup,
	}), nil
}

// Prescription is the content of a NewRx or CancelRx.
type Prescription struct {
	Patient    ncpdp.Patient    `json:"patient"`
	Pharmacy   ncpdp.Pharmacy   `json:"pharmacy"`
	Prescriber ncpdp.Prescriber `json:"prescriber"`
	Medication ncpdp.Medication `json:"medication"`
}

// SendInput is one prescriber message. MessageID and SentTime come from the workflow, so every
// retry sends the identical message and the network deduplicates it.
type SendInput struct {
	MessageID             string       `json:"messageId"`
	SentTime              time.Time    `json:"sentTime"`
	PrescriberOrderNumber string       `json:"prescriberOrderNumber"`
	RxReferenceNumber     string       `json:"rxReferenceNumber,omitempty"`
	Prescription          Prescription `json:"prescription"`
}

// SendResult is the network's synchronous answer.
type SendResult struct {
	MessageID string `json:"messageId"`
	// AnswerType is Status or Verify.
	AnswerType string `json:"answerType"`
	Code       string `json:"code"`
}

func (in SendInput) header() ncpdp.Header {
	return ncpdp.Header{
		To:                    ncpdp.Party{Qualifier: "P", ID: in.Prescription.Pharmacy.Identification.NCPDPID},
		From:                  ncpdp.Party{Qualifier: "C", ID: SenderID},
		MessageID:             in.MessageID,
		SentTime:              ncpdp.UTCTime{Time: in.SentTime.UTC()},
		SenderSoftware:        senderSoftware,
		PrescriberOrderNumber: in.PrescriberOrderNumber,
		RxReferenceNumber:     in.RxReferenceNumber,
	}
}

// SendNewRx sends the prescription to the pharmacy.
func (a *Activities) SendNewRx(ctx context.Context, in SendInput) (SendResult, error) {
	p := in.Prescription
	msg := &ncpdp.Message{Header: in.header(), Body: ncpdp.Body{NewRx: &ncpdp.NewRx{
		Patient: p.Patient, Pharmacy: p.Pharmacy, Prescriber: p.Prescriber, MedicationPrescribed: p.Medication}}}
	return a.send(ctx, "pharmacy.newrx", msg)
}

// SendCancelRx asks the pharmacy to cancel the prescription; the answer to the request
// (CancelRxResponse) arrives later at the webhook.
func (a *Activities) SendCancelRx(ctx context.Context, in SendInput) (SendResult, error) {
	p := in.Prescription
	msg := &ncpdp.Message{Header: in.header(), Body: ncpdp.Body{CancelRx: &ncpdp.CancelRx{
		Patient: p.Patient, Pharmacy: p.Pharmacy, Prescriber: p.Prescriber, MedicationPrescribed: p.Medication}}}
	return a.send(ctx, "pharmacy.cancelrx", msg)
}

// ResponseInput answers a pharmacy's RxChangeRequest or RxRenewalRequest.
type ResponseInput struct {
	MessageID string         `json:"messageId"`
	SentTime  time.Time      `json:"sentTime"`
	Request   *ncpdp.Message `json:"request"`
	Approved  bool           `json:"approved"`
	// Note goes with an approval; DenialReason and ReasonCode with a denial.
	Note         string `json:"note,omitempty"`
	ReasonCode   string `json:"reasonCode,omitempty"`
	DenialReason string `json:"denialReason,omitempty"`
}

func (in ResponseInput) response() ncpdp.Response {
	if in.Approved {
		return ncpdp.Response{Approved: &ncpdp.Note{Note: in.Note}}
	}
	d := &ncpdp.Denial{DenialReason: in.DenialReason}
	if in.ReasonCode != "" {
		d.ReasonCode = []string{in.ReasonCode}
	}
	return ncpdp.Response{Denied: d}
}

func (in ResponseInput) header() ncpdp.Header {
	h := ncpdp.ReplyHeader(in.Request, in.MessageID, in.SentTime)
	h.SenderSoftware = senderSoftware
	return h
}

// SendRxChangeResponse answers an RxChangeRequest; an approval prescribes the first requested
// medication (or the original one when the pharmacy requested none).
func (a *Activities) SendRxChangeResponse(ctx context.Context, in ResponseInput) (SendResult, error) {
	req := in.Request.Body.RxChangeRequest
	if req == nil {
		return SendResult{}, temporal.NewNonRetryableApplicationError("not an RxChangeRequest", ErrTypePermanent, nil)
	}
	body := &ncpdp.RxChangeResponse{MessageRequestCode: req.MessageRequestCode, Response: in.response(),
		Patient: req.Patient, Pharmacy: req.Pharmacy, Prescriber: req.Prescriber}
	if in.Approved {
		med, _ := ApprovedMedication(in.Request)
		body.MedicationPrescribed = &med
	}
	return a.send(ctx, "pharmacy.rxchange-response", &ncpdp.Message{Header: in.header(), Body: ncpdp.Body{RxChangeResponse: body}})
}

// ApprovedMedication is what an approval of a pharmacy request prescribes: for an
// RxChangeRequest the first requested medication (or the original one when the pharmacy
// requested none), for an RxRenewalRequest the medication as prescribed. The responses and
// the EHR write-back both use it, so the EHR holds what the pharmacy was told.
func ApprovedMedication(req *ncpdp.Message) (ncpdp.Medication, bool) {
	switch {
	case req == nil:
		return ncpdp.Medication{}, false
	case req.Body.RxChangeRequest != nil:
		r := req.Body.RxChangeRequest
		if len(r.MedicationRequested) > 0 {
			return r.MedicationRequested[0], true
		}
		return r.MedicationPrescribed, true
	case req.Body.RxRenewalRequest != nil:
		return req.Body.RxRenewalRequest.MedicationPrescribed, true
	}
	return ncpdp.Medication{}, false
}

// SendRxRenewalResponse answers an RxRenewalRequest.
func (a *Activities) SendRxRenewalResponse(ctx context.Context, in ResponseInput) (SendResult, error) {
	req := in.Request.Body.RxRenewalRequest
	if req == nil {
		return SendResult{}, temporal.NewNonRetryableApplicationError("not an RxRenewalRequest", ErrTypePermanent, nil)
	}
	body := &ncpdp.RxRenewalResponse{Response: in.response(), Patient: req.Patient, Pharmacy: req.Pharmacy, Prescriber: req.Prescriber}
	if in.Approved {
		med, _ := ApprovedMedication(in.Request)
		body.MedicationResponse = &med
	}
	return a.send(ctx, "pharmacy.rxrenewal-response", &ncpdp.Message{Header: in.header(), Body: ncpdp.Body{RxRenewalResponse: body}})
}

// send records the MessageID in the crosswalk, posts the message and classifies the outcome.
func (a *Activities) send(ctx context.Context, action string, msg *ncpdp.Message) (SendResult, error) {
	if pon := msg.Header.PrescriberOrderNumber; a.Records != nil && pon != "" {
		// Before the send: the pharmacy may answer at the webhook before this call returns.
		if err := a.Records.PutCrosswalk(ctx, crosswalk.PharmacyMessage, msg.Header.MessageID, pon); err != nil {
			return SendResult{}, fmt.Errorf("pharmacy: crosswalk: %w", err)
		}
	}
	ex := audit.Begin(ctx, a.Records, a.Now, action, "pharmacy", msg.Header.MessageID)
	ans, err := a.Network.Send(ctx, msg)
	ex.Finish(outcomeOf(err))
	if err != nil {
		return SendResult{}, classify(err)
	}
	res := SendResult{MessageID: ans.Header.MessageID, AnswerType: string(ans.Type())}
	switch {
	case ans.Body.Status != nil:
		res.Code = ans.Body.Status.Code
	case ans.Body.Verify != nil:
		res.Code = ans.Body.Verify.VerifyStatus.Code
	}
	return res, nil
}

// classify maps the client's error types to Temporal: an NCPDP Error and other permanent
// failures are non-retryable; transient ones stay plain so Temporal resends the same message.
func classify(err error) error {
	var rej *pharmclient.RejectedError
	if errors.As(err, &rej) {
		// rej.Error() names codes only, never the description.
		return temporal.NewNonRetryableApplicationError(rej.Error(), ErrTypeRejected, nil,
			Rejection{Code: rej.Code, DescriptionCode: rej.DescriptionCode, Description: rej.Description})
	}
	var perm *pharmclient.PermanentError
	if errors.As(err, &perm) {
		return temporal.NewNonRetryableApplicationError(perm.Error(), ErrTypePermanent, nil)
	}
	return err
}

// outcomeOf is the audit outcome and code of a network call: the MessageID and outcome are
// recorded, never message content.
func outcomeOf(err error) (outcome, code string) {
	var rej *pharmclient.RejectedError
	switch {
	case errors.As(err, &rej):
		return audit.OutcomeRejected, rej.Code
	case pharmclient.IsPermanent(err):
		return audit.OutcomeRejected, ""
	case err != nil:
		return audit.OutcomeError, ""
	}
	return audit.OutcomeOK, ""
}

// MessageID derives a MessageID from a workflow ID and a step (clients/pharmacy.MessageID);
// workflows call it so a resend of the same step carries the same MessageID.
func MessageID(parts ...string) string { return pharmclient.MessageID(parts...) }
