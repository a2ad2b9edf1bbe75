package ehr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
)

// Writer is the FHIR client surface that filing results needs beyond FHIR.
type Writer interface {
	Update(ctx context.Context, resourceType, id string, body json.RawMessage, ifMatch string) (*fhir.Resource, error)
}

// PatientContactName is the activity type name PatientContact is registered under.
const PatientContactName = "PatientContact"

// PatientContact reads the patient's first name, mobile number and language for an SMS.
func (a *Activities) PatientContact(ctx context.Context, in PatientContactInput) (PatientContact, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.read-patient", "ehr", "Patient/"+in.PatientID)
	res, err := a.FHIR.Read(ctx, "Patient", in.PatientID)
	ex.Finish(outcomeOf(err))
	if err != nil {
		return PatientContact{}, classify(err)
	}
	p, err := fhir.Decode[fhir.Patient](res)
	if err != nil {
		return PatientContact{}, classify(unusable(err))
	}
	mobile, _ := p.MobileAt(a.now())
	return PatientContact{Mobile: mobile, FirstName: p.FirstNameAt(a.now()), Language: p.PreferredLanguage()}, nil
}

// obxStatus maps OBX-11 (HL7 table 0085) to FHIR Observation.status: pending states are
// registered or preliminary, X and N (cannot be obtained, not asked) cancelled, W and D
// (wrong patient, deleted) entered-in-error.
var obxStatus = map[string]string{"F": "final", "C": "corrected", "P": "preliminary", "X": "cancelled",
	"N": "cancelled", "I": "registered", "R": "preliminary", "S": "preliminary", "U": "final",
	"W": "entered-in-error", "D": "entered-in-error"}

// observationKey is the identifier value of one result: the OBX sub-ID (OBX-4) is part of it,
// so sub-results sharing a code are separate Observations. Without a sub-ID the value is the
// one earlier versions wrote, so a refiled order updates its existing Observations.
func observationKey(placer string, r LabResult) string {
	if r.SubID == "" {
		return "lab:" + placer + "/" + r.Code
	}
	return "lab:" + placer + "/" + r.Code + "/" + r.SubID
}

// interpretation maps OBX-8 to a v3 ObservationInterpretation code.
var interpretation = map[string]string{"N": "N", "A": "A", "AA": "AA", "H": "H", "HH": "HH", "L": "L", "LL": "LL"}

// WriteLabResultsName is the activity type name WriteLabResults is registered under.
const WriteLabResultsName = "WriteLabResults"

// WriteLabResults files the results: one Observation per result and a DiagnosticReport, each
// created conditionally on an identifier derived from the placer order number; a resource
// that exists already (a retry, a corrected report) is updated in place with If-Match.
func (a *Activities) WriteLabResults(ctx context.Context, in WriteLabResultsInput) (WriteLabResultsResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.write-results", "ehr", "Observation")
	var out WriteLabResultsResult
	refs := make([]fhir.Reference, 0, len(in.Results))
	for _, r := range in.Results {
		ident := fhir.Identifier{System: IdentifierSystem, Value: observationKey(in.PlacerOrderNumber, r)}
		spec := fhir.ObservationSpec{PatientID: in.PatientID, Identifier: []fhir.Identifier{ident},
			Status: obxStatus[r.Status], Code: fhir.CodeableConcept{Coding: []fhir.Coding{{System: "http://loinc.org", Code: r.Code, Display: r.Name}}},
			Issued: a.now().UTC(), ReferenceRange: r.ReferenceRange, Notes: r.Notes,
			BasedOn: []fhir.Reference{{Identifier: &fhir.Identifier{System: IdentifierSystem, Value: "lab:" + in.PlacerOrderNumber}}}}
		if spec.Status == "" {
			spec.Status = "final"
		}
		if r.Retracted {
			spec.Status = "entered-in-error"
		}
		switch {
		case r.Number != nil:
			spec.Quantity = &fhir.Quantity{Value: quantityValue(r), Comparator: r.Comparator, Unit: r.Units}
		case r.Coded != nil && r.Coded.Code != "":
			spec.Coded = &fhir.CodeableConcept{Text: r.Coded.Display, Coding: []fhir.Coding{{
				System: codingSystem(r.Coded.System), Code: r.Coded.Code, Display: r.Coded.Display}}}
		case r.Value != "":
			spec.Text = r.Value
		case spec.Status == "cancelled":
			spec.AbsentReason = "not-performed"
		}
		if len(r.Flags) > 0 {
			spec.Interpretation = interpretation[r.Flags[0]]
		}
		obs, err := fhir.NewObservation(spec)
		if err != nil {
			return out, temporal.NewNonRetryableApplicationError("invalid observation: "+err.Error(), ErrTypeRejected, nil)
		}
		res, err := a.upsert(ctx, "Observation", obs, ident, in.PatientID)
		if err != nil {
			ex.Finish(outcomeOf(err))
			return out, classifyLab(err)
		}
		out.ObservationIDs = append(out.ObservationIDs, res.ID)
		if !r.Retracted {
			// A retracted Observation stays in the chart as entered-in-error, outside the report.
			refs = append(refs, fhir.Ref("Observation", res.ID))
		}
	}
	status := "final"
	switch {
	case in.Partial:
		status = "partial"
	case in.Corrected:
		status = "corrected"
	}
	conclusion := strings.Join(in.Conclusion, "\n")
	if len(in.Missing) > 0 {
		if conclusion != "" {
			conclusion += "\n"
		}
		conclusion += "Tests still pending: " + strings.Join(in.Missing, ", ") + "."
	}
	ident := fhir.Identifier{System: IdentifierSystem, Value: "lab:" + in.PlacerOrderNumber}
	rep, err := fhir.NewDiagnosticReport(fhir.DiagnosticReportSpec{PatientID: in.PatientID, Identifier: []fhir.Identifier{ident},
		Status: status, Code: fhir.CodeableConcept{Text: "Laboratory report"}, Issued: a.now().UTC(), Results: refs,
		Conclusion: conclusion})
	if err != nil {
		return out, temporal.NewNonRetryableApplicationError("invalid report: "+err.Error(), ErrTypeRejected, nil)
	}
	res, err := a.upsert(ctx, "DiagnosticReport", rep, ident, in.PatientID)
	ex.Exchange = "DiagnosticReport"
	if res != nil {
		ex.Exchange += "/" + res.ID
	}
	ex.Finish(outcomeOf(err))
	if err != nil {
		return out, classifyLab(err)
	}
	out.DiagnosticReportID = res.ID
	return out, nil
}

// upsert creates body unless a resource with ident exists, in which case it replaces it. An
// existing resource about another patient is never overwritten: that is a permanent error.
func (a *Activities) upsert(ctx context.Context, typ string, body any, ident fhir.Identifier, patientID string) (*fhir.Resource, error) {
	res, err := a.FHIR.Create(ctx, typ, body, fhir.IdentifierQuery(ident))
	if err != nil || res.Created {
		return res, err
	}
	if len(res.Raw) > 0 {
		var existing struct {
			Subject *fhir.Reference `json:"subject"`
		}
		if json.Unmarshal(res.Raw, &existing) == nil && existing.Subject != nil && existing.Subject.Reference != "" &&
			existing.Subject.Reference != "Patient/"+patientID {
			return nil, temporal.NewNonRetryableApplicationError(
				"an existing "+typ+" with this identifier belongs to another patient", ErrTypeRejected, nil)
		}
	}
	w, ok := a.FHIR.(Writer)
	if !ok {
		return res, nil
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	// UseNumber keeps decimals as sent ("6.80"): in FHIR, precision is significant.
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	m["id"] = res.ID
	raw, err = json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", typ, err)
	}
	return w.Update(ctx, typ, res.ID, raw, res.ETag)
}

// classifyLab passes the filing's own permanent errors through and classifies the rest.
func classifyLab(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err
	}
	return classify(err)
}

// quantityValue is the literal text when it is a plain number, which keeps the lab's precision
// ("6.80"); a bound ("<2.22") or a number read leniently ("0 .07") is filed from Number.
func quantityValue(r LabResult) json.Number {
	if r.Comparator == "" && json.Valid([]byte(r.Value)) {
		if _, err := strconv.ParseFloat(r.Value, 64); err == nil {
			return json.Number(r.Value)
		}
	}
	return json.Number(strconv.FormatFloat(*r.Number, 'f', -1, 64))
}

// hl7Systems maps HL7 v2 coding-system names (table 0396) to FHIR system URIs; a name outside
// the table leaves the system unset rather than inventing a URI for a local code.
var hl7Systems = map[string]string{
	"LN": "http://loinc.org", "SCT": "http://snomed.info/sct", "SNM": "http://snomed.info/sct",
	"UCUM": "http://unitsofmeasure.org", "I10": "http://hl7.org/fhir/sid/icd-10",
	"I10C": "http://hl7.org/fhir/sid/icd-10-cm", "HL70078": "http://terminology.hl7.org/CodeSystem/v2-0078",
	"HL70136": "http://terminology.hl7.org/CodeSystem/v2-0136",
}

func codingSystem(name string) string { return hl7Systems[name] }
