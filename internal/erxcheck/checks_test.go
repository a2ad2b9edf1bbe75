package erxcheck_test

import (
	"encoding/json"
	"testing"

	"github.com/careflow/engine/internal/erxcheck"
	"github.com/stretchr/testify/require"
)

// allergy decodes an AllergyIntolerance as an EHR would return it.
func allergy(t *testing.T, js string) erxcheck.AllergyIntolerance {
	t.Helper()
	var a erxcheck.AllergyIntolerance
	require.NoError(t, json.Unmarshal([]byte(js), &a))
	return a
}

const amoxicillinAllergy = `{"resourceType":"AllergyIntolerance","id":"al-amox",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
 "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"confirmed"}]},
 "type":"allergy","category":["medication"],"criticality":"high",
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"723","display":"amoxicillin"}],"text":"Amoxicillin"},
 "patient":{"reference":"Patient/p1"}}`

const refutedAmoxicillin = `{"resourceType":"AllergyIntolerance","id":"al-refuted",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
 "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"refuted"}]},
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"723"}]}}`

const enteredInError = `{"resourceType":"AllergyIntolerance","id":"al-eie",
 "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"entered-in-error"}]},
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"723"}]}}`

const resolvedAmoxicillin = `{"resourceType":"AllergyIntolerance","id":"al-resolved",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"resolved"}]},
 "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"confirmed"}]},
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"723"}]}}`

const inactiveSulfa = `{"resourceType":"AllergyIntolerance","id":"al-inactive",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"inactive"}]},
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"10180"}]}}`

// An allergy recorded against a combination product expands to its ingredients.
const bactrimProductAllergy = `{"resourceType":"AllergyIntolerance","id":"al-bactrim",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"198335"}]}}`

const peanutAllergy = `{"resourceType":"AllergyIntolerance","id":"al-peanut",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
 "category":["food"],
 "code":{"coding":[{"system":"http://snomed.info/sct","code":"91935009","display":"Allergy to peanut"}]}}`

func TestEvaluateCharts(t *testing.T) {
	covered := erxcheck.Benefit{Coverage: erxcheck.Covered}
	cases := []struct {
		name      string
		drug      string
		allergies []string
		benefit   erxcheck.Benefit
		epcs      bool
		verdict   erxcheck.Verdict
		codes     []string
		allergyID string
	}{
		{name: "no allergies, covered", drug: "617312", benefit: covered, verdict: erxcheck.Clear},
		{name: "active amoxicillin allergy, amoxicillin", drug: "308191", allergies: []string{amoxicillinAllergy},
			benefit: covered, verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonAllergy}, allergyID: "al-amox"},
		{name: "allergy to an ingredient of a combination product", drug: "562508", allergies: []string{amoxicillinAllergy},
			benefit: covered, verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonAllergy}, allergyID: "al-amox"},
		{name: "allergy recorded as a combination product, single-ingredient drug", drug: "198335", allergies: []string{bactrimProductAllergy},
			benefit: covered, verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonAllergy}, allergyID: "al-bactrim"},
		{name: "refuted allergy", drug: "308191", allergies: []string{refutedAmoxicillin}, benefit: covered, verdict: erxcheck.Clear},
		{name: "entered in error", drug: "308191", allergies: []string{enteredInError}, benefit: covered, verdict: erxcheck.Clear},
		{name: "resolved allergy", drug: "308191", allergies: []string{resolvedAmoxicillin}, benefit: covered, verdict: erxcheck.Clear},
		{name: "inactive allergy to an ingredient", drug: "198335", allergies: []string{inactiveSulfa}, benefit: covered, verdict: erxcheck.Clear},
		{name: "unrelated active allergy", drug: "617312", allergies: []string{amoxicillinAllergy}, benefit: covered, verdict: erxcheck.Clear},
		{name: "active allergy not coded in RxNorm", drug: "617312", allergies: []string{peanutAllergy},
			benefit: covered, verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonAllergyUnchecked}},
		{name: "unknown drug with active allergies", drug: "999999", allergies: []string{amoxicillinAllergy},
			benefit: covered, verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonAllergyUnchecked}},
		{name: "unknown drug without allergies", drug: "999999", benefit: covered, verdict: erxcheck.Clear},
		{name: "schedule II opioid without EPCS", drug: "1049621", benefit: covered, verdict: erxcheck.Refused,
			codes: []string{erxcheck.ReasonControlled}},
		{name: "schedule II opioid with EPCS", drug: "1049621", benefit: covered, epcs: true, verdict: erxcheck.Clear},
		{name: "opioid combination with acetaminophen allergy and prior auth", drug: "856999",
			allergies: []string{`{"id":"al-apap","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"161"}]}}`},
			benefit:   erxcheck.Benefit{Coverage: erxcheck.PriorAuthRequired}, verdict: erxcheck.Refused,
			codes: []string{erxcheck.ReasonControlled, erxcheck.ReasonAllergy, erxcheck.ReasonPriorAuthorization}, allergyID: "al-apap"},
		{name: "not covered", drug: "617312", benefit: erxcheck.Benefit{Coverage: erxcheck.NotCovered, Alternatives: []string{"314076"}},
			verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonNotCovered}},
		{name: "prior authorization", drug: "617312", benefit: erxcheck.Benefit{Coverage: erxcheck.PriorAuthRequired},
			verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonPriorAuthorization}},
		{name: "step therapy", drug: "617312", benefit: erxcheck.Benefit{Coverage: erxcheck.StepTherapy, StepTherapyDrugs: []string{"861007"}},
			verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonStepTherapy}},
		{name: "missing formulary answer", drug: "617312", verdict: erxcheck.NeedsReview, codes: []string{erxcheck.ReasonFormularyUnknown}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var allergies []erxcheck.AllergyIntolerance
			for _, js := range tc.allergies {
				allergies = append(allergies, allergy(t, js))
			}
			in := erxcheck.Input{DrugRxCUI: tc.drug, Allergies: allergies, Benefit: tc.benefit,
				EPCSConfigured: tc.epcs, Lookup: erxcheck.SimulatorLookup}
			if d, ok := erxcheck.FindDrug(erxcheck.SimulatorDrugs, tc.drug); ok {
				in.Schedule = d.Schedule
			}
			res := erxcheck.Evaluate(in)
			require.Equal(t, tc.verdict, res.Verdict)
			var codes []string
			for _, r := range res.Reasons {
				codes = append(codes, r.Code)
				require.NotEmpty(t, r.Text)
				if r.Code == erxcheck.ReasonAllergy {
					require.Equal(t, tc.allergyID, r.AllergyID)
					require.NotEmpty(t, r.Ingredients)
				}
			}
			require.Equal(t, tc.codes, codes)
		})
	}
}

func TestControlledRefusalSaysEPCSOutOfScope(t *testing.T) {
	for _, s := range []erxcheck.Schedule{erxcheck.ScheduleII, erxcheck.ScheduleIII, erxcheck.ScheduleIV, erxcheck.ScheduleV} {
		r := erxcheck.CheckControlled(s, false)
		require.Len(t, r, 1)
		require.Equal(t, erxcheck.Refused, r[0].Verdict)
		require.Contains(t, r[0].Text, "EPCS")
		require.Contains(t, r[0].Text, "does not implement")
		require.Empty(t, erxcheck.CheckControlled(s, true))
	}
	// Schedule I is refused even with EPCS.
	require.Len(t, erxcheck.CheckControlled(erxcheck.ScheduleI, true), 1)
	require.Len(t, erxcheck.CheckControlled("C7", true), 1)
}

func TestScheduleFromNCI(t *testing.T) {
	s, ok := erxcheck.ScheduleFromNCI("C48675")
	require.True(t, ok)
	require.Equal(t, erxcheck.ScheduleII, s)
	require.Equal(t, "C48675", s.NCI())
	s, ok = erxcheck.ScheduleFromNCI("C38046")
	require.True(t, ok)
	require.Equal(t, erxcheck.NotControlled, s)
	_, ok = erxcheck.ScheduleFromNCI("X")
	require.False(t, ok)
}

func TestMedicationRequestRxCUI(t *testing.T) {
	var mr erxcheck.MedicationRequest
	require.NoError(t, json.Unmarshal([]byte(`{"resourceType":"MedicationRequest","id":"mr1","status":"active",
	 "medicationCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"00071015523"},
	 {"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"617312"}]}}`), &mr))
	require.Equal(t, "617312", mr.RxCUI())
}

func TestSimulatorFormularyCoversEveryAnswer(t *testing.T) {
	seen := map[erxcheck.Coverage]bool{}
	for _, d := range erxcheck.SimulatorDrugs {
		b := erxcheck.SimulatorFormulary(d.RxCUI)
		seen[b.Coverage] = true
		for _, alt := range append(b.Alternatives, b.StepTherapyDrugs...) {
			_, ok := erxcheck.FindDrug(erxcheck.SimulatorDrugs, alt)
			require.True(t, ok, "alternative %s is in the table", alt)
		}
	}
	require.Len(t, seen, 4)
	require.Equal(t, erxcheck.NotCovered, erxcheck.SimulatorFormulary("000000").Coverage)
}
