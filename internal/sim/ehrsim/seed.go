package ehrsim

import (
	"errors"
	"fmt"
	"time"
)

// Identifier systems of the default seed. The hosts are reserved example
// domains: nothing here names a real organization or person.
const (
	MRNSystem           = "http://ehr.example.org/fhir/sid/mrn"
	AppointmentIDSystem = "http://ehr.example.org/fhir/sid/appointment"
	MemberIDSystem      = "http://payer.example.org/fhir/sid/member-id"
	PayerIDSystem       = "http://payer.example.org/fhir/sid/payer-id"
	NPISystem           = "http://hl7.org/fhir/sid/us-npi"
)

// Ids and codes of the default seed's shared resources.
const (
	// PayerOrgID is the payer Organization every seeded Coverage names.
	PayerOrgID = "org-payer-1"
	// PayerID is that Organization's payer id (PayerIDSystem).
	PayerID = "SIMPAYER01"
	// SecondaryPayerOrgID is the payer Organization of the seeded secondary coverage.
	SecondaryPayerOrgID = "org-payer-2"
	// SecondaryPayerID is that Organization's payer id (PayerIDSystem).
	SecondaryPayerID = "SIMPAYER02"
	// ClinicOrgID is the provider Organization (the billing provider).
	ClinicOrgID = "org-clinic-1"
	// ClinicNPI is the clinic's NPI; it passes the NPI check digit.
	ClinicNPI = "1234567893"
	// PractitionerID is the seeded Practitioner on every appointment.
	PractitionerID = "pract-1"
	// PractitionerNPI is the Practitioner's NPI.
	PractitionerNPI = "1112223338"
	// LocationID is the seeded Location on every appointment.
	LocationID = "loc-1"
)

// SeedCase is one check-in scenario of the default seed.
type SeedCase struct {
	AppointmentID string // booked Appointment
	PatientID     string // Patient on the appointment
	CoverageID    string // "" when the patient has no Coverage
	MemberID      string // Coverage.subscriberId; selects the clearinghouse scenario
	Scenario      string // what the clearinghouse simulator answers
}

// DefaultCases lists the default seed's appointments. Member ids match the
// clearinghouse simulator's scenarios.
var DefaultCases = []SeedCase{
	{"appt-1001", "pat-1001", "cov-1001", "ACTIVE001", "active with copay"},
	{"appt-1002", "pat-1002", "cov-1002", "INACTIVE01", "inactive coverage"},
	{"appt-1003", "pat-1003", "cov-1003", "NOTFOUND01", "AAA subscriber not found"},
	{"appt-1004", "pat-1004", "cov-1004", "SLOW000001", "payer slower than 20 s"},
	{"appt-1005", "pat-1005", "cov-1005", "ERROR50001", "clearinghouse 5xx"},
	{"appt-1006", "pat-1006", "cov-1006", "BADX120001", "malformed 271"},
	{"appt-2001", "pat-2001", "", "", "patient has no Coverage"},
	// The patient reference of appt-3001 resolves to nothing, for the
	// "unknown patient" path.
	{"appt-3001", "pat-missing", "", "", "patient does not exist"},
}

// seedNames are the synthetic given names, one per case, in order.
var seedNames = []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"}

// Lived-in charts of the default seed: what real EHRs hold besides the happy path.
const (
	// ApptCancelled is a cancelled appointment (with a cancelationReason).
	ApptCancelled = "appt-4001"
	// ApptNextMonth is booked thirty days after the seed time.
	ApptNextMonth = "appt-4002"
	// ApptTwoCoverages has last year's Coverage (period ended 2024-12-31, member NOTFOUND01)
	// listed before this year's (member ACTIVE001); both say status active.
	ApptTwoCoverages = "appt-4003"
	// ApptDependent is a child's appointment; the child is covered on a parent's plan
	// (subscriber PatParent, member MemberFamily, relationship child).
	ApptDependent = "appt-4004"
	// ApptSecondary's patient has a primary (order 1, ACTIVE001) and a secondary (order 2,
	// SECOND0001 at SecondaryPayerOrgID) coverage.
	ApptSecondary = "appt-4005"
	// ApptDeclined is booked, but the patient participant's status is declined.
	ApptDeclined = "appt-4006"
	// ApptLivedInContacts's patient has a former name, a mobile number whose period ended years
	// ago listed first, a home phone, a mobile that starts next year, and the current mobile
	// (rank 1, MobileCurrent) listed last; Spanish is the preferred language.
	ApptLivedInContacts = "appt-4007"
	// ApptNoMobile's patient has a home phone and an e-mail address but no mobile number.
	ApptNoMobile = "appt-4008"
	// MobileEnded is the ended number of ApptLivedInContacts's patient: never to be texted.
	MobileEnded = "+15555550901"
	// MobileCurrent is the current mobile number of ApptLivedInContacts's patient.
	MobileCurrent = "+15555550904"
	// PatParent is the subscriber of the dependent's coverage.
	PatParent = "pat-4004-parent"
	// MemberFamily is the parent's member id; the clearinghouse simulator answers a dependent
	// inquiry on it in loop 2000D.
	MemberFamily = "FAMILY0001"
	// MemberSecondary is the secondary coverage's member id.
	MemberSecondary = "SECOND0001"
)

// DefaultSeed returns DefaultSeedAt(time.Now()).
func DefaultSeed() []map[string]any { return DefaultSeedAt(time.Now()) }

// Seed stores resources, each with resourceType and id, as the next
// version of that resource. It bypasses authentication, validation, faults
// and counters, so tests may plant data the API would refuse.
func (s *Sim) Seed(resources ...map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, res := range resources {
		typ, _ := res["resourceType"].(string)
		id, _ := res["id"].(string)
		if !validType(typ) || !validID(id) {
			return fmt.Errorf("ehrsim: seed resource %d needs a resourceType and a valid id", i)
		}
		data, err := normalize(res)
		if err != nil {
			return fmt.Errorf("ehrsim: seed %s/%s: %w", typ, id, err)
		}
		if _, err := s.putVersion(typ, id, data); err != nil {
			return err
		}
	}
	return nil
}

// Put stores a JSON resource as the next version of typ/id, like Seed, and notifies the
// subscription (see Subscribe) as a change made in the EHR would.
func (s *Sim) Put(typ, id string, body []byte) error {
	if !validType(typ) || !validID(id) {
		return errors.New("ehrsim: malformed resource type or id")
	}
	data, err := decodeObject(body)
	if err != nil {
		return fmt.Errorf("ehrsim: put %s/%s: %w", typ, id, err)
	}
	if rt, ok := data["resourceType"]; ok && rt != typ {
		return fmt.Errorf("ehrsim: put %s/%s: resourceType does not match", typ, id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.putVersion(typ, id, data)
	if err == nil {
		s.changed(typ, id, v)
	}
	return err
}

// DefaultSeedAt returns synthetic resources for demos and tests: a payer and
// a clinic Organization, a Practitioner, a Location, and per DefaultCases
// entry a booked Appointment with its Patient and (if any) Coverage, starting
// 10 to 45 minutes after now so that they can be checked in. Every person is obviously
// fictional (family name "Testpatient", 555-01xx phone numbers).
func DefaultSeedAt(now time.Time) []map[string]any {
	first := now.UTC().Truncate(time.Minute).Add(10 * time.Minute)
	out := []map[string]any{
		{
			"resourceType": "Organization", "id": PayerOrgID, "active": true,
			"name":       "Simulated Health Plan",
			"identifier": []any{map[string]any{"system": PayerIDSystem, "value": PayerID}},
			"type":       []any{coding("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer")},
		},
		{
			"resourceType": "Organization", "id": ClinicOrgID, "active": true,
			"name":       "Simulated Family Clinic",
			"identifier": []any{map[string]any{"system": NPISystem, "value": ClinicNPI}},
			"type":       []any{coding("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider")},
		},
		{
			"resourceType": "Practitioner", "id": PractitionerID, "active": true,
			"identifier": []any{map[string]any{"system": NPISystem, "value": PractitionerNPI}},
			"name":       []any{map[string]any{"family": "Simulated", "given": []any{"Doctor"}, "prefix": []any{"Dr."}}},
		},
		{
			"resourceType": "Location", "id": LocationID, "status": "active",
			"name":                 "Simulated Clinic Main Office",
			"managingOrganization": ref("Organization/" + ClinicOrgID),
		},
	}
	for i, c := range DefaultCases {
		start := first.Add(time.Duration(i) * 5 * time.Minute)
		out = append(out, seedAppointment(c, start))
		if c.PatientID == "pat-missing" {
			continue
		}
		out = append(out, seedPatient(c, i))
		if c.CoverageID != "" {
			out = append(out, seedCoverage(c))
		}
	}
	return out
}

// LivedInSeed returns the charts that exercise the check-in guards and the coverage selection
// (ApptCancelled ... ApptDeclined), with appointments 10 minutes after now except
// ApptNextMonth. It is seeded next to DefaultSeed by `make run` and the e2e tests.
func LivedInSeed(now time.Time) []map[string]any {
	start := now.UTC().Truncate(time.Minute).Add(10 * time.Minute)
	out := []map[string]any{{
		"resourceType": "Organization", "id": SecondaryPayerOrgID, "active": true,
		"name":       "Simulated Secondary Plan",
		"identifier": []any{map[string]any{"system": PayerIDSystem, "value": SecondaryPayerID}},
		"type":       []any{coding("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer")},
	}}
	patient := func(id, given string, i int) map[string]any {
		p := seedPatient(SeedCase{PatientID: id}, i%len(seedNames))
		p["name"] = []any{map[string]any{"use": "official", "family": "Testpatient", "given": []any{given}}}
		p["identifier"].([]any)[0].(map[string]any)["value"] = "MRN" + id[len("pat-"):]
		return p
	}
	withCase := func(c SeedCase, given string, i int, at time.Time) []map[string]any {
		return []map[string]any{seedAppointment(c, at), patient(c.PatientID, given, i)}
	}

	cancelled := withCase(SeedCase{AppointmentID: ApptCancelled, PatientID: "pat-4001"}, "India", 0, start)
	cancelled[0]["status"] = "cancelled"
	cancelled[0]["cancelationReason"] = coding("http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "pat", "Patient")
	out = append(out, cancelled...)
	out = append(out, seedCoverage(SeedCase{PatientID: "pat-4001", CoverageID: "cov-4001", MemberID: "ACTIVE001"}))

	out = append(out, withCase(SeedCase{AppointmentID: ApptNextMonth, PatientID: "pat-4002"}, "Juliett", 1, start.Add(30*24*time.Hour))...)
	out = append(out, seedCoverage(SeedCase{PatientID: "pat-4002", CoverageID: "cov-4002", MemberID: "ACTIVE001"}))

	// Last year's plan sorts first by id, as an EHR that lists by id would return it.
	out = append(out, withCase(SeedCase{AppointmentID: ApptTwoCoverages, PatientID: "pat-4003"}, "Kilo", 2, start)...)
	old := seedCoverage(SeedCase{PatientID: "pat-4003", CoverageID: "cov-4003a", MemberID: "NOTFOUND01"})
	old["period"] = map[string]any{"start": "2024-01-01", "end": "2024-12-31"}
	cur := seedCoverage(SeedCase{PatientID: "pat-4003", CoverageID: "cov-4003b", MemberID: "ACTIVE001"})
	cur["period"] = map[string]any{"start": fmt.Sprintf("%d-01-01", now.Year())}
	out = append(out, old, cur)

	// A child on a parent's plan: the parent is the subscriber, the child the beneficiary.
	out = append(out, withCase(SeedCase{AppointmentID: ApptDependent, PatientID: "pat-4004"}, "Lima", 3, start)...)
	parent := patient(PatParent, "Mike", 4)
	parent["birthDate"] = "1980-04-14"
	out = append(out, parent)
	dep := seedCoverage(SeedCase{PatientID: "pat-4004", CoverageID: "cov-4004", MemberID: MemberFamily})
	dep["subscriber"] = ref("Patient/" + PatParent)
	dep["relationship"] = coding("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "child", "Child")
	dep["dependent"] = "02"
	out = append(out, dep)

	out = append(out, withCase(SeedCase{AppointmentID: ApptSecondary, PatientID: "pat-4005"}, "November", 5, start)...)
	primary := seedCoverage(SeedCase{PatientID: "pat-4005", CoverageID: "cov-4005-1", MemberID: "ACTIVE001"})
	primary["order"] = 1
	secondary := seedCoverage(SeedCase{PatientID: "pat-4005", CoverageID: "cov-4005-2", MemberID: MemberSecondary})
	secondary["order"] = 2
	secondary["payor"] = []any{map[string]any{"reference": "Organization/" + SecondaryPayerOrgID, "display": "Simulated Secondary Plan"}}
	secondary["class"] = []any{map[string]any{
		"type":  coding("http://terminology.hl7.org/CodeSystem/coverage-class", "group", "Group"),
		"value": "GRP-SIM-02", "name": "Simulated Secondary Group",
	}}
	out = append(out, primary, secondary)

	contacts := withCase(SeedCase{AppointmentID: ApptLivedInContacts, PatientID: "pat-4007"}, "Papa", 7, start)
	contacts[1]["name"] = []any{
		map[string]any{"use": "old", "family": "Formername", "given": []any{"Quebec"}, "period": map[string]any{"end": "2016-05-31"}},
		map[string]any{"use": "official", "family": "Testpatient", "given": []any{"Papa"}},
	}
	contacts[1]["telecom"] = []any{
		map[string]any{"system": "phone", "use": "mobile", "value": MobileEnded, "period": map[string]any{"end": "2021-03-31"}},
		map[string]any{"system": "phone", "use": "home", "value": "+15555550902", "rank": 2},
		map[string]any{"system": "phone", "use": "mobile", "value": "+15555550903",
			"period": map[string]any{"start": fmt.Sprintf("%d-01-01", now.Year()+1)}},
		map[string]any{"system": "phone", "use": "mobile", "value": MobileCurrent, "rank": 1,
			"period": map[string]any{"start": "2021-04-01"}},
	}
	contacts[1]["communication"] = []any{map[string]any{"preferred": true,
		"language": map[string]any{"coding": []any{map[string]any{"system": "urn:ietf:bcp:47", "code": "es"}}}}}
	out = append(out, contacts...)
	out = append(out, seedCoverage(SeedCase{PatientID: "pat-4007", CoverageID: "cov-4007", MemberID: "ACTIVE001"}))

	noMobile := withCase(SeedCase{AppointmentID: ApptNoMobile, PatientID: "pat-4008"}, "Romeo", 0, start)
	noMobile[1]["telecom"] = []any{
		map[string]any{"system": "phone", "use": "home", "value": "+15555550905"},
		map[string]any{"system": "email", "value": "romeo@example.org"},
	}
	out = append(out, noMobile...)
	out = append(out, seedCoverage(SeedCase{PatientID: "pat-4008", CoverageID: "cov-4008", MemberID: "ACTIVE001"}))

	declined := withCase(SeedCase{AppointmentID: ApptDeclined, PatientID: "pat-4006"}, "Oscar", 6, start)
	declined[0]["participant"].([]any)[0].(map[string]any)["status"] = "declined"
	out = append(out, declined...)
	out = append(out, seedCoverage(SeedCase{PatientID: "pat-4006", CoverageID: "cov-4006", MemberID: "ACTIVE001"}))
	return out
}

// seedPatient is the fictional patient of case i.
func seedPatient(c SeedCase, i int) map[string]any {
	return map[string]any{
		"resourceType": "Patient", "id": c.PatientID, "active": true,
		"identifier": []any{map[string]any{
			"use": "usual", "system": MRNSystem, "value": "MRN" + c.PatientID[len("pat-"):],
			"type": map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}}},
		}},
		"name":      []any{map[string]any{"use": "official", "family": "Testpatient", "given": []any{seedNames[i]}}},
		"gender":    []string{"female", "male"}[i%2],
		"birthDate": fmt.Sprintf("19%02d-0%d-%02d", 70+i, 1+i%9, 10+i),
		"telecom": []any{map[string]any{"system": "phone", "use": "mobile",
			"value": fmt.Sprintf("+1555555%04d", 100+i)}},
	}
}

// seedCoverage is the active health-plan Coverage of a case; the payer's
// answer, not this resource, decides eligibility.
func seedCoverage(c SeedCase) map[string]any {
	patient := ref("Patient/" + c.PatientID)
	return map[string]any{
		"resourceType": "Coverage", "id": c.CoverageID, "status": "active",
		"identifier": []any{map[string]any{
			"system": MemberIDSystem, "value": c.MemberID,
			"type": map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}}},
		}},
		"type":         coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "HIP", "health insurance plan policy"),
		"subscriber":   patient,
		"subscriberId": c.MemberID,
		"beneficiary":  patient,
		"relationship": coding("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", "Self"),
		"period":       map[string]any{"start": "2025-01-01"},
		"payor":        []any{map[string]any{"reference": "Organization/" + PayerOrgID, "display": "Simulated Health Plan"}},
		"class": []any{map[string]any{
			"type":  coding("http://terminology.hl7.org/CodeSystem/coverage-class", "group", "Group"),
			"value": "GRP-SIM-01", "name": "Simulated Group",
		}},
	}
}

// seedAppointment is the booked appointment of a case.
func seedAppointment(c SeedCase, start time.Time) map[string]any {
	accepted := func(reference string) map[string]any {
		return map[string]any{"actor": ref(reference), "required": "required", "status": "accepted"}
	}
	return map[string]any{
		"resourceType": "Appointment", "id": c.AppointmentID, "status": "booked",
		"identifier": []any{map[string]any{"system": AppointmentIDSystem,
			"value": "A-" + c.AppointmentID[len("appt-"):]}},
		"serviceType":     []any{coding("http://terminology.hl7.org/CodeSystem/service-type", "124", "General Practice")},
		"start":           start.Format(time.RFC3339),
		"end":             start.Add(30 * time.Minute).Format(time.RFC3339),
		"minutesDuration": 30,
		"participant": []any{
			accepted("Patient/" + c.PatientID),
			accepted("Practitioner/" + PractitionerID),
			accepted("Location/" + LocationID),
		},
	}
}

// coding is a CodeableConcept with one coding.
func coding(system, code, display string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": system, "code": code, "display": display}}}
}

// ref is a Reference by relative URL.
func ref(reference string) map[string]any {
	return map[string]any{"reference": reference}
}
