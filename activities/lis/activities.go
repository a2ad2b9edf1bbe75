package lis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
)

// Sender sends one framed HL7 message and returns the peer's ACK (an *mllp.Client).
type Sender interface {
	Send(ctx context.Context, msg []byte) ([]byte, error)
}

// PatientReader reads the Patient for PID (the FHIR client).
type PatientReader interface {
	Read(ctx context.Context, resourceType, id string) (*fhir.Resource, error)
}

// Activities places orders with the LIS. Facility names go into MSH-3/4 and MSH-5/6.
type Activities struct {
	MLLP    Sender
	FHIR    PatientReader
	Records audit.Appender
	// SendingApplication, SendingFacility, ReceivingApplication and ReceivingFacility
	// identify both ends in MSH.
	SendingApplication, SendingFacility, ReceivingApplication, ReceivingFacility string
	// Now is the clock for MSH-7, the patient's name in effect and audit latencies; nil means
	// time.Now.
	Now func() time.Time
	// Charset is the laboratory's MSH-18 character set (LIS_CHARSET); empty means UTF-8.
	Charset string
}

// priorities maps the API's priority to HL7 table 0485.
var priorities = map[string]string{"": "R", "routine": "R", "stat": "S", "asap": "A"}

// SendOrderName is the activity type name SendOrder is registered under.
const SendOrderName = "SendOrder"

// SendOrder builds the ORM^O01 and sends it over MLLP. AA/CA succeeds; AE/AR is permanent (the
// LIS refused this order and will refuse it again); no ACK or a broken connection is retried
// by Temporal with the same MSH-10.
func (a *Activities) SendOrder(ctx context.Context, in SendOrderInput) (SendOrderResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "lis.order", "lis", in.ControlID)
	ex.Process = in.WorkflowID
	defer ex.Done()
	pat, err := a.patient(ctx, in.PatientRef)
	if err != nil {
		ex.Outcome = audit.OutcomeError
		return SendOrderResult{}, err
	}
	tests := make([]hl7.CWE, len(in.Tests))
	for i, t := range in.Tests {
		tests[i] = hl7.CWE{Code: t, System: "LN"}
	}
	msg, err := hl7.BuildORM(hl7.OrderInput{
		Envelope: hl7.Envelope{SendingApplication: a.SendingApplication, SendingFacility: a.SendingFacility,
			ReceivingApplication: a.ReceivingApplication, ReceivingFacility: a.ReceivingFacility,
			ControlID: in.ControlID, Time: a.now()},
		PlacerOrderNumber: in.PlacerOrderNumber, Patient: pat,
		OrderingProvider: hl7.Provider{ID: in.ProviderID, Family: in.ProviderName, AssigningAuthority: "NPI"},
		Tests:            tests, Priority: priorities[in.Priority],
	})
	if err != nil {
		ex.Outcome = audit.OutcomeRejected
		return SendOrderResult{}, temporal.NewNonRetryableApplicationError("the order cannot be built: "+err.Error(), ErrTypeOrderRejected, nil)
	}
	raw, err := a.encodeOrder(msg)
	if err != nil {
		ex.Outcome = audit.OutcomeRejected
		return SendOrderResult{}, temporal.NewNonRetryableApplicationError("the order cannot be encoded", ErrTypeOrderRejected, nil)
	}
	ackRaw, err := a.MLLP.Send(ctx, raw)
	if err != nil {
		ex.Outcome = audit.OutcomeError
		return SendOrderResult{}, fmt.Errorf("lis: %w", err)
	}
	ackMsg, err := hl7.Parse(decodeAck(ackRaw))
	if err != nil {
		ex.Outcome = audit.OutcomeError
		return SendOrderResult{}, errors.New("lis: unreadable ACK")
	}
	ack, err := hl7.ParseACK(ackMsg)
	if err != nil || ack.ControlID != in.ControlID {
		// An ACK for another message means the connection is out of step; resend.
		ex.Outcome = audit.OutcomeError
		return SendOrderResult{}, errors.New("lis: the ACK does not answer this order")
	}
	ex.Code = ack.Code
	if ack.Rejected() || !ack.Accepted() {
		ex.Outcome = audit.OutcomeRejected
		// The ERR text is the LIS's own wording about the order; it is kept encrypted in history.
		return SendOrderResult{}, temporal.NewNonRetryableApplicationError(ack.Reason(), ErrTypeOrderRejected, nil)
	}
	ex.Outcome = audit.OutcomeOK
	out := SendOrderResult{AckCode: ack.Code, ControlID: ack.ControlID}
	for _, id := range pat.Identifiers {
		out.Patient = append(out.Patient, PatientID{ID: id.ID, Type: id.TypeCode})
	}
	return out, nil
}

// patient reads PID's identifiers, name, birth date and sex from the EHR.
func (a *Activities) patient(ctx context.Context, id string) (hl7.Patient, error) {
	res, err := a.FHIR.Read(ctx, "Patient", id)
	if err != nil {
		if fhir.IsNotFound(err) {
			return hl7.Patient{}, temporal.NewNonRetryableApplicationError("patient not found", ehr.ErrTypeNotFound, nil)
		}
		return hl7.Patient{}, fmt.Errorf("ehr: %w", err)
	}
	p, err := fhir.Decode[fhir.Patient](res)
	if err != nil {
		return hl7.Patient{}, temporal.NewNonRetryableApplicationError("unusable patient", ehr.ErrTypeRejected, nil)
	}
	out := hl7.Patient{Identifiers: []hl7.CX{{ID: id, TypeCode: "PI"}}, BirthDate: strings.ReplaceAll(p.BirthDate, "-", ""),
		Sex: map[string]string{"male": "M", "female": "F", "other": "O", "unknown": "U"}[p.Gender]}
	for _, ident := range p.Identifier {
		if ident.Value != "" && ident.Type != nil && len(ident.Type.Coding) > 0 && ident.Type.Coding[0].Code == "MR" {
			out.Identifiers = append([]hl7.CX{{ID: ident.Value, TypeCode: "MR"}}, out.Identifiers...)
		}
	}
	if n, ok := p.LegalNameAt(a.now()); ok {
		pn := hl7.PersonName{Family: n.Family}
		if len(n.Given) > 0 {
			pn.Given = n.Given[0]
		}
		out.Names = []hl7.PersonName{pn}
	}
	return out, nil
}

// now is the injected clock, or the wall clock when none is set.
func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
