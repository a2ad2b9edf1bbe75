package ehr

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/erxcheck"
)

// RecordSuccessorPrescriptionName is the activity that writes the MedicationRequest of an
// approved pharmacy change or renewal request.
const RecordSuccessorPrescriptionName = "RecordSuccessorPrescription"

// RecordSuccessorPrescriptionInput is a prescription the prescriber approved in answer to a
// pharmacy's RxChangeRequest or RxRenewalRequest.
type RecordSuccessorPrescriptionInput struct {
	// Key makes the create idempotent: workflow ID + request kind + the request's MessageID.
	Key string `json:"key"`
	// PriorID is the MedicationRequest the new one follows (its priorPrescription).
	PriorID string `json:"priorId"`
	// Medication is what the prescriber approved (as sent in the RxChangeResponse or
	// RxRenewalResponse).
	Medication ncpdp.Medication `json:"medication"`
	// PriorStatus is the status the prior MedicationRequest takes ("" leaves it): a change
	// replaces it (cancelled before any fill, stopped after one); a renewal leaves it.
	PriorStatus string    `json:"priorStatus,omitempty"`
	At          time.Time `json:"at"`
}

// RecordSuccessorPrescriptionResult names the MedicationRequest written.
type RecordSuccessorPrescriptionResult struct {
	MedicationRequestID string `json:"medicationRequestId"`
}

// RecordSuccessorPrescription writes the approved prescription as a new MedicationRequest
// linked to the prior one by priorPrescription (FHIR R4 has no `replaces` on
// MedicationRequest), copied from the prior one with the approved medication, quantity,
// refills, days supply and sig; conditional create on Key, so a retry finds its first try.
// Then it sets the prior one's status when PriorStatus is given.
func (a *Activities) RecordSuccessorPrescription(ctx context.Context, in RecordSuccessorPrescriptionInput) (RecordSuccessorPrescriptionResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.record-successor-prescription", "ehr", "MedicationRequest/"+in.PriorID)
	out, err := a.recordSuccessor(ctx, in)
	ex.Finish(outcomeOf(err))
	return out, classify(err)
}

func (a *Activities) recordSuccessor(ctx context.Context, in RecordSuccessorPrescriptionInput) (RecordSuccessorPrescriptionResult, error) {
	prior, err := a.FHIR.Read(ctx, "MedicationRequest", in.PriorID)
	if err != nil {
		return RecordSuccessorPrescriptionResult{}, err
	}
	ident := fhir.Identifier{System: IdentifierSystem, Value: in.Key}
	mr, err := SuccessorMedicationRequest(prior.Raw, in)
	if err != nil {
		return RecordSuccessorPrescriptionResult{}, unusable(err)
	}
	res, err := a.FHIR.Create(ctx, "MedicationRequest", mr, fhir.IdentifierQuery(ident))
	if err != nil {
		return RecordSuccessorPrescriptionResult{}, err
	}
	if in.PriorStatus != "" {
		if _, err := a.FHIR.UpdateStatus(ctx, "MedicationRequest", in.PriorID, in.PriorStatus); err != nil {
			return RecordSuccessorPrescriptionResult{}, err
		}
	}
	return RecordSuccessorPrescriptionResult{MedicationRequestID: res.ID}, nil
}

// ncpdpUnits names the NCI quantity units the engine sends, for a quantity the prior request
// did not express in the same unit.
var ncpdpUnits = map[string]string{"C48542": "tablet", "C48480": "capsule", "C28254": "mL", "C38046": "unit"}

// SuccessorMedicationRequest builds the new MedicationRequest from the prior one's JSON: every
// element the change does not touch is kept (subject, requester, performer, intent, ...); the
// resource's own id, meta, narrative, identifiers and status reason are not carried over.
func SuccessorMedicationRequest(prior json.RawMessage, in RecordSuccessorPrescriptionInput) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(prior))
	dec.UseNumber()
	var mr map[string]any
	if err := dec.Decode(&mr); err != nil {
		return nil, err
	}
	for _, k := range []string{"id", "meta", "text", "identifier", "statusReason", "priorPrescription"} {
		delete(mr, k)
	}
	if ref, ok := mr["medicationReference"].(map[string]any); ok {
		// A contained Medication would be left unreferenced (dom-3) once the medication is a code.
		if r, _ := ref["reference"].(string); strings.HasPrefix(r, "#") {
			delete(mr, "contained")
		}
		delete(mr, "medicationReference")
	}
	med := in.Medication
	mr["identifier"] = []any{map[string]any{"system": IdentifierSystem, "value": in.Key}}
	mr["status"] = "active"
	mr["authoredOn"] = in.At.UTC().Format(time.RFC3339)
	mr["priorPrescription"] = map[string]any{"reference": "MedicationRequest/" + in.PriorID}
	cc := map[string]any{"text": med.DrugDescription}
	if rx := med.RxNorm(); rx != "" {
		cc["coding"] = []any{map[string]any{"system": erxcheck.RxNormSystem, "code": rx, "display": med.DrugDescription}}
	}
	mr["medicationCodeableConcept"] = cc

	dr, _ := mr["dispenseRequest"].(map[string]any)
	if dr == nil {
		dr = map[string]any{}
	}
	if v := med.Quantity.Value; v != "" {
		q, _ := dr["quantity"].(map[string]any)
		unit := med.Quantity.QuantityUnitOfMeasure.Code
		if q == nil || !sameUnit(q, unit) {
			q = map[string]any{}
			if name := ncpdpUnits[unit]; name != "" {
				q["unit"] = name
			}
		}
		q["value"] = json.Number(v)
		dr["quantity"] = q
	}
	if n, err := strconv.Atoi(med.NumberOfRefills); err == nil && n >= 0 {
		dr["numberOfRepeatsAllowed"] = n
	}
	if n, err := strconv.Atoi(med.DaysSupply); err == nil && n > 0 {
		dr["expectedSupplyDuration"] = map[string]any{"value": n, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
	}
	if len(dr) > 0 {
		mr["dispenseRequest"] = dr
	}
	if med.Sig != nil && strings.TrimSpace(med.Sig.SigText) != "" && med.Sig.SigText != firstSigText(mr) {
		// The prior structured dose and timing describe the prior sig, not this one.
		mr["dosageInstruction"] = []any{map[string]any{"text": med.Sig.SigText}}
	}
	switch med.Substitutions {
	case "0":
		mr["substitution"] = map[string]any{"allowedBoolean": true}
	case "1":
		mr["substitution"] = map[string]any{"allowedBoolean": false}
	}
	return mr, nil
}

// sameUnit reports whether a FHIR quantity is in the NCI unit an NCPDP quantity names.
func sameUnit(q map[string]any, nci string) bool {
	for _, k := range []string{"code", "unit"} {
		if s, _ := q[k].(string); s != "" && quantityUnits[s] == nci {
			return true
		}
	}
	return false
}

// firstSigText is the text of the first dosage instruction, or "".
func firstSigText(mr map[string]any) string {
	if di, _ := mr["dosageInstruction"].([]any); len(di) > 0 {
		if d, _ := di[0].(map[string]any); d != nil {
			s, _ := d["text"].(string)
			return s
		}
	}
	return ""
}
