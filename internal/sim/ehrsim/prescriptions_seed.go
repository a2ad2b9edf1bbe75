package ehrsim

// Prescription seed: one MedicationRequest per pharmacy-network simulator scenario (the
// pharmacy's NCPDP ID chooses it, see internal/sim/pharmsim) and per pre-send check finding,
// all for the seeded patient pat-1001 except the allergy case. Prescribing starts with
// POST /v1/prescriptions {"prescriptionId": "<MedicationRequest id>"}.
//
//	rx-accepted       atorvastatin   pharmacy 1000001  Status 000; cancel approved
//	rx-reject         atorvastatin   pharmacy 9900001  Error 900: failed
//	rx-slow           atorvastatin   pharmacy 9900002  answered slowly
//	rx-5xx            atorvastatin   pharmacy 9900003  503 twice, then accepted (same MessageID)
//	rx-change         atorvastatin   pharmacy 9900004  RxChangeRequest (therapeutic interchange)
//	rx-partial        atorvastatin   pharmacy 9900005  RxFill partially dispensed
//	rx-denied-cancel  atorvastatin   pharmacy 9900006  cancel denied ("already dispensed")
//	rx-filled         atorvastatin   pharmacy 9900007  RxFill dispensed
//	rx-renewal        atorvastatin   pharmacy 9900008  RxRenewalRequest
//	rx-not-dispensed  atorvastatin   pharmacy 9900009  RxFill not dispensed
//	rx-held           atorvastatin   pharmacy 9900010  NewRx taken, answer held until the
//	                                                   sender gives up; the resend is answered
//	rx-allergy        amoxicillin/clavulanate, patient pat-rx-allergy allergic to amoxicillin:
//	                  needs-review (allergy, step therapy) until overridden
//	rx-not-covered    sulfamethoxazole/trimethoprim: needs-review (not covered)
//	rx-controlled     oxycodone (DEA schedule II): refused, EPCS is not configured

import "fmt"

// Prescription seed identifiers.
const (
	// PrescriptionPatientAllergic is the patient with an active amoxicillin allergy.
	PrescriptionPatientAllergic = "pat-rx-allergy"
	// PharmacyOrgPrefix prefixes the pharmacy Organization ids ("pharm-<NCPDP ID>").
	PharmacyOrgPrefix = "pharm-"
	// NCPDPIDSystem is the identifier system of pharmacy NCPDP Provider IDs.
	NCPDPIDSystem = "urn:oid:2.16.840.1.113883.3.6"
	// PrescriberDEA is the seeded Practitioner's (fictional, check-digit valid) DEA number.
	PrescriberDEA = "AS1234563"
	rxNormSystem  = "http://www.nlm.nih.gov/research/umls/rxnorm"
)

// PrescriptionCase is one seeded MedicationRequest.
type PrescriptionCase struct {
	ID, PatientID, NCPDPID, RxCUI, Drug string
	Refills                             int
}

// PrescriptionCases are the seeded MedicationRequests (see the table above).
var PrescriptionCases = []PrescriptionCase{
	{ID: "rx-accepted", PatientID: "pat-1001", NCPDPID: "1000001", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet", Refills: 2},
	{ID: "rx-reject", PatientID: "pat-1001", NCPDPID: "9900001", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-slow", PatientID: "pat-1001", NCPDPID: "9900002", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-5xx", PatientID: "pat-1001", NCPDPID: "9900003", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-change", PatientID: "pat-1001", NCPDPID: "9900004", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-partial", PatientID: "pat-1001", NCPDPID: "9900005", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-denied-cancel", PatientID: "pat-1001", NCPDPID: "9900006", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-filled", PatientID: "pat-1001", NCPDPID: "9900007", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-renewal", PatientID: "pat-1001", NCPDPID: "9900008", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-not-dispensed", PatientID: "pat-1001", NCPDPID: "9900009", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-held", PatientID: "pat-1001", NCPDPID: "9900010", RxCUI: "617312", Drug: "atorvastatin 20 MG Oral Tablet"},
	{ID: "rx-allergy", PatientID: PrescriptionPatientAllergic, NCPDPID: "1000001", RxCUI: "562508", Drug: "amoxicillin 875 MG / clavulanate potassium 125 MG Oral Tablet"},
	{ID: "rx-not-covered", PatientID: "pat-1001", NCPDPID: "1000001", RxCUI: "198335", Drug: "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet"},
	{ID: "rx-controlled", PatientID: "pat-1001", NCPDPID: "1000001", RxCUI: "1049621", Drug: "oxycodone hydrochloride 5 MG Oral Tablet"},
}

// PrescriptionSeed returns the pharmacies, the allergic patient with its AllergyIntolerance,
// the Practitioner's DEA number and one MedicationRequest per PrescriptionCase. It is seeded
// after DefaultSeed (which holds pat-1001 and the Practitioner).
func PrescriptionSeed() []map[string]any {
	out := []map[string]any{
		{
			"resourceType": "Practitioner", "id": PractitionerID, "active": true,
			"identifier": []any{
				map[string]any{"system": NPISystem, "value": PractitionerNPI},
				map[string]any{"system": "urn:oid:2.16.840.1.113883.4.814", "value": PrescriberDEA},
			},
			"name": []any{map[string]any{"family": "Simulated", "given": []any{"Doctor"}, "prefix": []any{"Dr."}}},
		},
		{
			"resourceType": "Patient", "id": PrescriptionPatientAllergic, "active": true,
			"name":      []any{map[string]any{"use": "official", "family": "Testpatient", "given": []any{"Rita"}}},
			"gender":    "female",
			"birthDate": "1979-04-12",
		},
		{
			"resourceType": "AllergyIntolerance", "id": "allergy-rx-1",
			"clinicalStatus":     coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
			"verificationStatus": coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
			"type":               "allergy", "category": []any{"medication"}, "criticality": "high",
			"code":    coding(rxNormSystem, "723", "amoxicillin"),
			"patient": ref("Patient/" + PrescriptionPatientAllergic),
		},
	}
	seen := map[string]bool{}
	for _, c := range PrescriptionCases {
		if !seen[c.NCPDPID] {
			seen[c.NCPDPID] = true
			out = append(out, map[string]any{
				"resourceType": "Organization", "id": PharmacyOrgPrefix + c.NCPDPID, "active": true,
				"name":       fmt.Sprintf("Simulated Pharmacy %s", c.NCPDPID),
				"identifier": []any{map[string]any{"system": NCPDPIDSystem, "value": c.NCPDPID}},
				"type":       []any{coding("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider")},
			})
		}
		out = append(out, seedMedicationRequest(c))
	}
	return out
}

// seedMedicationRequest is an active order for 30 tablets, one a day, for 30 days.
func seedMedicationRequest(c PrescriptionCase) map[string]any {
	return map[string]any{
		"resourceType": "MedicationRequest", "id": c.ID, "status": "active", "intent": "order",
		"medicationCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": rxNormSystem, "code": c.RxCUI, "display": c.Drug}}, "text": c.Drug},
		"subject":                   ref("Patient/" + c.PatientID),
		"requester":                 ref("Practitioner/" + PractitionerID),
		"authoredOn":                "2026-01-05",
		"dosageInstruction": []any{map[string]any{
			"text":        "Take 1 tablet by mouth once daily",
			"timing":      map[string]any{"repeat": map[string]any{"frequency": 1, "period": 1, "periodUnit": "d"}},
			"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 1, "unit": "tablet"}}},
		}},
		"dispenseRequest": map[string]any{
			"numberOfRepeatsAllowed": c.Refills,
			"quantity":               map[string]any{"value": 30, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tbl}"},
			"expectedSupplyDuration": map[string]any{"value": 30, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
			"performer":              ref("Organization/" + PharmacyOrgPrefix + c.NCPDPID),
		},
		"substitution": map[string]any{"allowedBoolean": true},
	}
}
