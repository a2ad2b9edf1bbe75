package ehr

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/erxcheck"
)

// Identifier systems the prescription load reads from the EHR's Practitioner and Organization.
const (
	// NPISystem identifies National Provider Identifiers.
	NPISystem = "http://hl7.org/fhir/sid/us-npi"
	// DEASystem identifies DEA registration numbers.
	DEASystem = "urn:oid:2.16.840.1.113883.4.814"
	// NCPDPIDSystem identifies pharmacies by their seven-digit NCPDP Provider ID.
	NCPDPIDSystem = "urn:oid:2.16.840.1.113883.3.6"
)

// Activity names of the prescription activities, as the prescriptions worker registers them.
const (
	LoadPrescriptionName      = "LoadPrescription"
	RecordFillName            = "RecordFill"
	SetPrescriptionStatusName = "SetPrescriptionStatus"
)

// ErrTypeUnusablePrescription means the MedicationRequest (or a resource it names) lacks what a
// NewRx needs; the details name the missing element, never its value.
const ErrTypeUnusablePrescription = "EHRUnusablePrescription"

// LoadPrescriptionInput names the MedicationRequest a prescription is built from.
type LoadPrescriptionInput struct {
	MedicationRequestID string `json:"medicationRequestId"`
}

// PrescriptionContext is what the prescription workflow needs from the EHR: the NCPDP parties
// and medication of the NewRx, the drug's RxCUI and the patient's allergies.
type PrescriptionContext struct {
	MedicationRequestID string `json:"medicationRequestId"`
	// Status is MedicationRequest.status as read.
	Status    string `json:"status"`
	PatientID string `json:"patientId"`
	// RxCUI is the medication's RxNorm code.
	RxCUI      string                        `json:"rxcui"`
	Patient    ncpdp.Patient                 `json:"patient"`
	Pharmacy   ncpdp.Pharmacy                `json:"pharmacy"`
	Prescriber ncpdp.Prescriber              `json:"prescriber"`
	Medication ncpdp.Medication              `json:"medication"`
	Allergies  []erxcheck.AllergyIntolerance `json:"allergies,omitempty"`
}

// medicationRequest is the part of a FHIR R4 MedicationRequest a NewRx is built from.
type medicationRequest struct {
	ResourceType              string                `json:"resourceType"`
	Status                    string                `json:"status"`
	Intent                    string                `json:"intent"`
	MedicationCodeableConcept *fhir.CodeableConcept `json:"medicationCodeableConcept"`
	Subject                   fhir.Reference        `json:"subject"`
	Requester                 *fhir.Reference       `json:"requester"`
	AuthoredOn                string                `json:"authoredOn"`
	DosageInstruction         []struct {
		Text   string `json:"text"`
		Timing *struct {
			Repeat *struct {
				Frequency  int         `json:"frequency"`
				Period     json.Number `json:"period"`
				PeriodUnit string      `json:"periodUnit"`
			} `json:"repeat"`
		} `json:"timing"`
		DoseAndRate []struct {
			DoseQuantity *fhir.Quantity `json:"doseQuantity"`
		} `json:"doseAndRate"`
	} `json:"dosageInstruction"`
	DispenseRequest *struct {
		NumberOfRepeatsAllowed *int            `json:"numberOfRepeatsAllowed"`
		Quantity               *fhir.Quantity  `json:"quantity"`
		ExpectedSupplyDuration *fhir.Quantity  `json:"expectedSupplyDuration"`
		Performer              *fhir.Reference `json:"performer"`
	} `json:"dispenseRequest"`
	Substitution *struct {
		AllowedBoolean *bool `json:"allowedBoolean"`
	} `json:"substitution"`
}

// party is the part of a Practitioner or Organization the NewRx needs.
type party struct {
	Identifier []fhir.Identifier `json:"identifier"`
	Name       json.RawMessage   `json:"name"`
	Address    []struct {
		Line       []string `json:"line"`
		City       string   `json:"city"`
		State      string   `json:"state"`
		PostalCode string   `json:"postalCode"`
	} `json:"address"`
}

func (p party) identifier(system string) string {
	for _, id := range p.Identifier {
		if id.System == system {
			return id.Value
		}
	}
	return ""
}

func (p party) address() *ncpdp.Address {
	if len(p.Address) == 0 || len(p.Address[0].Line) == 0 || p.Address[0].City == "" {
		return nil
	}
	a := p.Address[0]
	out := &ncpdp.Address{AddressLine1: a.Line[0], City: a.City, StateProvince: a.State, PostalCode: a.PostalCode, CountryCode: "US"}
	if len(a.Line) > 1 {
		out.AddressLine2 = a.Line[1]
	}
	return out
}

// unusablePrescription is a permanent error naming the missing or malformed element.
func unusablePrescription(element string) error {
	return temporal.NewNonRetryableApplicationError("the prescription cannot be sent: "+element+" is missing or malformed",
		ErrTypeUnusablePrescription, nil, element)
}

// LoadPrescription reads the MedicationRequest, its Patient, requesting Practitioner and
// dispensing pharmacy Organization, and the patient's AllergyIntolerance resources, and maps
// them to the parts of an NCPDP NewRx.
func (a *Activities) LoadPrescription(ctx context.Context, in LoadPrescriptionInput) (PrescriptionContext, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.load-prescription", "ehr", "MedicationRequest/"+in.MedicationRequestID)
	out, err := a.loadPrescription(ctx, in)
	ex.Finish(outcomeOf(err))
	return out, classifyLab(err)
}

func (a *Activities) loadPrescription(ctx context.Context, in LoadPrescriptionInput) (PrescriptionContext, error) {
	res, err := a.FHIR.Read(ctx, "MedicationRequest", in.MedicationRequestID)
	if err != nil {
		return PrescriptionContext{}, err
	}
	var mr medicationRequest
	if err := json.Unmarshal(res.Raw, &mr); err != nil || mr.ResourceType != "MedicationRequest" {
		return PrescriptionContext{}, unusable(err)
	}
	out := PrescriptionContext{MedicationRequestID: in.MedicationRequestID, Status: mr.Status}
	med, rxcui, err := medication(mr, a.now())
	if err != nil {
		return out, err
	}
	out.Medication, out.RxCUI = med, rxcui

	typ, patientID, ok := mr.Subject.Target()
	if !ok || typ != "Patient" {
		return out, unusablePrescription("MedicationRequest.subject")
	}
	out.PatientID = patientID
	if res, err = a.FHIR.Read(ctx, "Patient", patientID); err != nil {
		return out, err
	}
	pat, err := fhir.Decode[fhir.Patient](res)
	if err != nil {
		return out, unusable(err)
	}
	if out.Patient, err = ncpdpPatient(pat, a.now()); err != nil {
		return out, err
	}

	if mr.Requester == nil {
		return out, unusablePrescription("MedicationRequest.requester")
	}
	pr, err := a.readParty(ctx, *mr.Requester, "Practitioner", "MedicationRequest.requester")
	if err != nil {
		return out, err
	}
	var names []fhir.HumanName
	_ = json.Unmarshal(pr.Name, &names)
	if len(names) == 0 || names[0].Family == "" || len(names[0].Given) == 0 {
		return out, unusablePrescription("Practitioner.name")
	}
	out.Prescriber = ncpdp.Prescriber{NonVeterinarian: &ncpdp.NonVeterinarian{
		Identification: ncpdp.PrescriberIdentification{NPI: pr.identifier(NPISystem), DEANumber: pr.identifier(DEASystem)},
		Name:           ncpdp.Name{LastName: names[0].Family, FirstName: names[0].Given[0]},
		Address:        pr.address(),
	}}
	if out.Prescriber.NonVeterinarian.Identification.NPI == "" {
		return out, unusablePrescription("Practitioner.identifier (NPI)")
	}

	if mr.DispenseRequest == nil || mr.DispenseRequest.Performer == nil {
		return out, unusablePrescription("MedicationRequest.dispenseRequest.performer")
	}
	ph, err := a.readParty(ctx, *mr.DispenseRequest.Performer, "Organization", "MedicationRequest.dispenseRequest.performer")
	if err != nil {
		return out, err
	}
	var orgName string
	_ = json.Unmarshal(ph.Name, &orgName)
	out.Pharmacy = ncpdp.Pharmacy{
		Identification: ncpdp.PharmacyIdentification{NCPDPID: ph.identifier(NCPDPIDSystem), NPI: ph.identifier(NPISystem)},
		BusinessName:   orgName,
		Address:        ph.address(),
	}
	if out.Pharmacy.Identification.NCPDPID == "" || orgName == "" {
		return out, unusablePrescription("Organization.identifier (NCPDP ID) or name")
	}

	found, err := a.FHIR.Search(ctx, "AllergyIntolerance", url.Values{"patient": {"Patient/" + patientID}})
	if err != nil {
		return out, err
	}
	for _, r := range found {
		var al erxcheck.AllergyIntolerance
		if err := json.Unmarshal(r.Raw, &al); err != nil {
			return out, unusable(err)
		}
		out.Allergies = append(out.Allergies, al)
	}
	return out, nil
}

// readParty reads the Practitioner or Organization a reference names.
func (a *Activities) readParty(ctx context.Context, ref fhir.Reference, want, element string) (party, error) {
	typ, id, ok := ref.Target()
	if !ok || typ != want {
		return party{}, unusablePrescription(element)
	}
	res, err := a.FHIR.Read(ctx, typ, id)
	if err != nil {
		return party{}, err
	}
	var p party
	if err := json.Unmarshal(res.Raw, &p); err != nil {
		return party{}, unusable(err)
	}
	return p, nil
}

// ncpdpPatient maps the patient's legal name, gender, birth date and address.
func ncpdpPatient(p fhir.Patient, now time.Time) (ncpdp.Patient, error) {
	name, ok := p.LegalNameAt(now)
	if !ok || name.Family == "" || len(name.Given) == 0 {
		return ncpdp.Patient{}, unusablePrescription("Patient.name")
	}
	if len(p.BirthDate) != len("2006-01-02") {
		return ncpdp.Patient{}, unusablePrescription("Patient.birthDate")
	}
	gender := map[string]string{"male": "M", "female": "F"}[p.Gender]
	if gender == "" {
		gender = "U"
	}
	hp := &ncpdp.HumanPatient{
		Name:        ncpdp.Name{LastName: name.Family, FirstName: name.Given[0]},
		Gender:      gender,
		DateOfBirth: ncpdp.DateValue{Date: p.BirthDate},
	}
	if len(name.Given) > 1 {
		hp.Name.MiddleName = name.Given[1]
	}
	return ncpdp.Patient{HumanPatient: hp}, nil
}

// quantityUnits maps UCUM/NCI-ish unit codes of dispenseRequest.quantity to NCPDP NCI codes.
var quantityUnits = map[string]string{
	"TAB": "C48542", "{tbl}": "C48542", "tablet": "C48542", "C48542": "C48542",
	"CAP": "C48480", "{capsule}": "C48480", "capsule": "C48480", "C48480": "C48480",
	"mL": "C28254", "C28254": "C28254",
}

// medication maps the MedicationRequest to an NCPDP MedicationPrescribed.
func medication(mr medicationRequest, now time.Time) (ncpdp.Medication, string, error) {
	cc := mr.MedicationCodeableConcept
	if cc == nil {
		return ncpdp.Medication{}, "", unusablePrescription("MedicationRequest.medicationCodeableConcept")
	}
	rxcui := cc.Code(erxcheck.RxNormSystem)
	if rxcui == "" {
		return ncpdp.Medication{}, "", unusablePrescription("MedicationRequest.medicationCodeableConcept (RxNorm)")
	}
	desc := cc.Text
	for _, c := range cc.Coding {
		if desc == "" && c.System == erxcheck.RxNormSystem {
			desc = c.Display
		}
	}
	if desc == "" {
		return ncpdp.Medication{}, "", unusablePrescription("MedicationRequest.medicationCodeableConcept.text")
	}
	m := ncpdp.Medication{
		DrugDescription: desc,
		DrugCoded:       &ncpdp.DrugCoded{DrugDBCode: &ncpdp.Code{Code: rxcui, Qualifier: "SCD"}},
	}
	dr := mr.DispenseRequest
	if dr == nil || dr.Quantity == nil || dr.Quantity.Value == "" {
		return ncpdp.Medication{}, "", unusablePrescription("MedicationRequest.dispenseRequest.quantity")
	}
	unit := quantityUnits[dr.Quantity.Code]
	if unit == "" {
		unit = quantityUnits[dr.Quantity.Unit]
	}
	if unit == "" {
		// C38046 "unspecified" keeps the message valid; the pharmacy reads the description.
		unit = "C38046"
	}
	m.Quantity = ncpdp.Quantity{Value: string(dr.Quantity.Value), CodeListQualifier: "38",
		QuantityUnitOfMeasure: ncpdp.CodeOnly{Code: unit}}
	if d := dr.ExpectedSupplyDuration; d != nil && d.Value != "" {
		if n, err := strconv.Atoi(string(d.Value)); err == nil && n > 0 && n < 1000 {
			m.DaysSupply = strconv.Itoa(n)
		}
	}
	refills := 0
	if dr.NumberOfRepeatsAllowed != nil {
		refills = *dr.NumberOfRepeatsAllowed
	}
	m.NumberOfRefills = strconv.Itoa(refills)
	m.Substitutions = "0"
	if s := mr.Substitution; s != nil && s.AllowedBoolean != nil && !*s.AllowedBoolean {
		m.Substitutions = "1"
	}
	written := now.UTC().Format("2006-01-02")
	if len(mr.AuthoredOn) >= 10 {
		written = mr.AuthoredOn[:10]
	}
	m.WrittenDate = &ncpdp.DateValue{Date: written}
	if len(mr.DosageInstruction) == 0 || strings.TrimSpace(mr.DosageInstruction[0].Text) == "" {
		return ncpdp.Medication{}, "", unusablePrescription("MedicationRequest.dosageInstruction.text")
	}
	di := mr.DosageInstruction[0]
	sig := &ncpdp.Sig{SigText: di.Text}
	var ins ncpdp.Instruction
	if len(di.DoseAndRate) > 0 && di.DoseAndRate[0].DoseQuantity != nil && di.DoseAndRate[0].DoseQuantity.Value != "" {
		q := di.DoseAndRate[0].DoseQuantity
		ins.DoseAdministration = &ncpdp.DoseAdministration{Dosage: &ncpdp.Dosage{DoseQuantity: string(q.Value),
			DoseUnitOfMeasure: &ncpdp.CodedText{Text: q.Unit}}}
	}
	if t := di.Timing; t != nil && t.Repeat != nil && t.Repeat.Frequency > 0 {
		ins.TimingAndDuration = []ncpdp.TimingAndDuration{{Frequency: &ncpdp.Frequency{
			FrequencyNumericValue: strconv.Itoa(t.Repeat.Frequency),
			FrequencyUnits:        &ncpdp.CodedText{Text: map[string]string{"d": "day", "h": "hour", "wk": "week"}[t.Repeat.PeriodUnit]},
		}}}
	}
	if ins.DoseAdministration != nil || len(ins.TimingAndDuration) > 0 {
		sig.Instruction = []ncpdp.Instruction{ins}
	}
	m.Sig = sig
	return m, rxcui, nil
}

// RecordFillInput is one RxFill to write back to the EHR.
type RecordFillInput struct {
	// Key makes the MedicationDispense idempotent: workflow ID + the RxFill's MessageID.
	Key                 string `json:"key"`
	MedicationRequestID string `json:"medicationRequestId"`
	PatientID           string `json:"patientId"`
	// Outcome is ncpdp.FillDispensed, FillPartiallyDispensed or FillNotDispensed.
	Outcome string `json:"outcome"`
	// Medication is what the pharmacy dispensed (MedicationDispensed, else MedicationPrescribed).
	Medication ncpdp.Medication `json:"medication"`
	// RequestStatus is the MedicationRequest.status to set after the fill ("" leaves it).
	RequestStatus string    `json:"requestStatus,omitempty"`
	At            time.Time `json:"at"`
}

// RecordFillResult names the MedicationDispense written.
type RecordFillResult struct {
	MedicationDispenseID string `json:"medicationDispenseId"`
}

// MedicationDispense is the FHIR R4 MedicationDispense the engine writes for an RxFill.
type MedicationDispense struct {
	ResourceType                string                `json:"resourceType"`
	Identifier                  []fhir.Identifier     `json:"identifier"`
	Status                      string                `json:"status"`
	StatusReasonCodeableConcept *fhir.CodeableConcept `json:"statusReasonCodeableConcept,omitempty"`
	MedicationCodeableConcept   fhir.CodeableConcept  `json:"medicationCodeableConcept"`
	Subject                     fhir.Reference        `json:"subject"`
	AuthorizingPrescription     []fhir.Reference      `json:"authorizingPrescription"`
	Type                        *fhir.CodeableConcept `json:"type,omitempty"`
	Quantity                    *fhir.Quantity        `json:"quantity,omitempty"`
	DaysSupply                  *fhir.Quantity        `json:"daysSupply,omitempty"`
	WhenHandedOver              fhir.DateTime         `json:"whenHandedOver,omitempty"`
}

// NewMedicationDispense builds the MedicationDispense of a fill: completed for a dispensed or
// partially dispensed fill (type PF for partial), declined for one not dispensed.
func NewMedicationDispense(in RecordFillInput) MedicationDispense {
	md := MedicationDispense{
		ResourceType:              "MedicationDispense",
		Identifier:                []fhir.Identifier{{System: IdentifierSystem, Value: in.Key}},
		Status:                    "completed",
		MedicationCodeableConcept: fhir.CodeableConcept{Text: in.Medication.DrugDescription},
		Subject:                   fhir.Ref("Patient", in.PatientID),
		AuthorizingPrescription:   []fhir.Reference{fhir.Ref("MedicationRequest", in.MedicationRequestID)},
	}
	if rx := in.Medication.RxNorm(); rx != "" {
		md.MedicationCodeableConcept.Coding = []fhir.Coding{{System: erxcheck.RxNormSystem, Code: rx}}
	}
	actCode := "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	switch in.Outcome {
	case ncpdp.FillNotDispensed:
		md.Status = "declined"
		md.StatusReasonCodeableConcept = &fhir.CodeableConcept{Text: "not dispensed by the pharmacy"}
		return md
	case ncpdp.FillPartiallyDispensed:
		md.Type = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: actCode, Code: "PF", Display: "Partial Fill"}}}
	default:
		md.Type = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: actCode, Code: "FF", Display: "First Fill"}}}
	}
	if v := in.Medication.Quantity.Value; v != "" {
		md.Quantity = &fhir.Quantity{Value: json.Number(v)}
	}
	if d := in.Medication.DaysSupply; d != "" {
		md.DaysSupply = &fhir.Quantity{Value: json.Number(d), Unit: "days", System: "http://unitsofmeasure.org", Code: "d"}
	}
	if !in.At.IsZero() {
		md.WhenHandedOver = fhir.DateTimeOf(in.At.UTC())
	}
	return md
}

// RecordFill writes the fill as a MedicationDispense (conditional create on Key, so a retry
// finds its first try) and sets MedicationRequest.status when RequestStatus is given.
func (a *Activities) RecordFill(ctx context.Context, in RecordFillInput) (RecordFillResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.record-fill", "ehr", "MedicationRequest/"+in.MedicationRequestID)
	out, err := a.recordFill(ctx, in)
	ex.Finish(outcomeOf(err))
	return out, classify(err)
}

func (a *Activities) recordFill(ctx context.Context, in RecordFillInput) (RecordFillResult, error) {
	ident := fhir.Identifier{System: IdentifierSystem, Value: in.Key}
	res, err := a.FHIR.Create(ctx, "MedicationDispense", NewMedicationDispense(in), fhir.IdentifierQuery(ident))
	if err != nil {
		return RecordFillResult{}, err
	}
	if in.RequestStatus != "" {
		if _, err := a.FHIR.UpdateStatus(ctx, "MedicationRequest", in.MedicationRequestID, in.RequestStatus); err != nil {
			return RecordFillResult{}, err
		}
	}
	return RecordFillResult{MedicationDispenseID: res.ID}, nil
}

// SetPrescriptionStatusInput sets MedicationRequest.status (on-hold while a cancel is pending,
// cancelled, active again after a denied cancel, completed).
type SetPrescriptionStatusInput struct {
	MedicationRequestID string `json:"medicationRequestId"`
	Status              string `json:"status"`
}

// SetPrescriptionStatus sets MedicationRequest.status with a versioned read-merge-write that
// keeps every other element of the EHR's resource.
func (a *Activities) SetPrescriptionStatus(ctx context.Context, in SetPrescriptionStatusInput) error {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.set-prescription-status", "ehr", "MedicationRequest/"+in.MedicationRequestID)
	_, err := a.FHIR.UpdateStatus(ctx, "MedicationRequest", in.MedicationRequestID, in.Status)
	ex.Finish(outcomeOf(err))
	return classify(err)
}
