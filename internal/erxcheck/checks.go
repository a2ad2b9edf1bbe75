package erxcheck

import (
	"slices"
	"strings"
)

// Verdict is the outcome of the pre-send checks.
type Verdict string

// Verdicts, from best to worst.
const (
	// Clear means the prescription may be sent.
	Clear Verdict = "clear"
	// NeedsReview holds the prescription until a prescriber overrides it.
	NeedsReview Verdict = "needs-review"
	// Refused means the engine cannot send it at all.
	Refused Verdict = "refused"
)

// Reason codes.
const (
	ReasonAllergy            = "allergy"
	ReasonAllergyUnchecked   = "allergy-unchecked"
	ReasonControlled         = "controlled-substance"
	ReasonNotCovered         = "not-covered"
	ReasonPriorAuthorization = "prior-authorization"
	ReasonStepTherapy        = "step-therapy"
	ReasonFormularyUnknown   = "formulary-unknown"
)

// Reason is one finding of a check, for the needs-review or refusal answer.
type Reason struct {
	// Code is one of the Reason* constants.
	Code string `json:"code"`
	// Verdict is what this finding alone demands.
	Verdict Verdict `json:"verdict"`
	// Text explains the finding to the prescriber.
	Text string `json:"text"`
	// AllergyID is the AllergyIntolerance id behind an allergy finding.
	AllergyID string `json:"allergyId,omitempty"`
	// Ingredients are the RxCUIs an allergy finding matched.
	Ingredients []string `json:"ingredients,omitempty"`
}

// IngredientLookup maps a drug RxCUI (a clinical or branded drug, or an
// ingredient itself) to its ingredient RxCUIs; ok is false when the drug is
// unknown.
type IngredientLookup func(rxcui string) (ingredients []string, ok bool)

// CheckAllergies matches the active allergies against the drug's
// ingredients. An allergy coded with RxNorm matches when one of its codes,
// expanded to ingredients by lookup when it names a product, shares an
// ingredient with the drug (so an allergy to amoxicillin matches
// amoxicillin/clavulanate). An active allergy without an RxNorm code, or a
// drug lookup cannot resolve, cannot be checked and needs review too.
func CheckAllergies(allergies []AllergyIntolerance, drugRxCUI string, lookup IngredientLookup) []Reason {
	var active []*AllergyIntolerance
	for i := range allergies {
		if allergies[i].Active() {
			active = append(active, &allergies[i])
		}
	}
	if len(active) == 0 {
		return nil
	}
	drugIngredients, ok := lookup(drugRxCUI)
	if !ok || len(drugIngredients) == 0 {
		return []Reason{{Code: ReasonAllergyUnchecked, Verdict: NeedsReview,
			Text: "the patient has active allergies and the drug's ingredients are unknown; check them manually"}}
	}
	var out []Reason
	for _, a := range active {
		codes := a.Code.codes(RxNormSystem)
		if len(codes) == 0 {
			out = append(out, Reason{Code: ReasonAllergyUnchecked, Verdict: NeedsReview, AllergyID: a.ID,
				Text: "an active allergy is not coded in RxNorm; check it manually"})
			continue
		}
		var allergens []string
		for _, c := range codes {
			allergens = append(allergens, c)
			if ing, ok := lookup(c); ok {
				allergens = append(allergens, ing...)
			}
		}
		var matched []string
		for _, ing := range drugIngredients {
			if slices.Contains(allergens, ing) && !slices.Contains(matched, ing) {
				matched = append(matched, ing)
			}
		}
		if len(matched) > 0 {
			out = append(out, Reason{Code: ReasonAllergy, Verdict: NeedsReview, AllergyID: a.ID, Ingredients: matched,
				Text: "active allergy to ingredient RxCUI " + strings.Join(matched, ", ") + " of the prescribed drug"})
		}
	}
	return out
}

// Schedule is a DEA controlled-substance schedule ("" when not controlled).
type Schedule string

// Schedules.
const (
	NotControlled Schedule = ""
	ScheduleI     Schedule = "CI"
	ScheduleII    Schedule = "CII"
	ScheduleIII   Schedule = "CIII"
	ScheduleIV    Schedule = "CIV"
	ScheduleV     Schedule = "CV"
)

// nciSchedules maps NCPDP DrugCoded.DEASchedule NCI codes to schedules.
var nciSchedules = map[string]Schedule{
	"C48672": ScheduleI, "C48675": ScheduleII, "C48676": ScheduleIII, "C48677": ScheduleIV, "C48679": ScheduleV,
	"C38046": NotControlled,
}

// ScheduleFromNCI converts an NCPDP DEASchedule code; ok is false for an
// unknown code.
func ScheduleFromNCI(code string) (Schedule, bool) {
	s, ok := nciSchedules[code]
	return s, ok
}

// NCI returns the NCPDP DEASchedule code of s.
func (s Schedule) NCI() string {
	for code, v := range nciSchedules {
		if v == s {
			return code
		}
	}
	return ""
}

// EPCSOutOfScope is the text of a controlled-substance refusal.
const EPCSOutOfScope = "controlled substances (DEA schedule II-V) need Electronic Prescriptions for Controlled Substances (EPCS) " +
	"two-factor signing, which this engine does not implement; prescribe it through an EPCS-certified system"

// CheckControlled refuses a drug of DEA schedule II-V unless EPCS signing
// is configured, and a schedule I substance always (it cannot be
// prescribed).
func CheckControlled(s Schedule, epcsConfigured bool) []Reason {
	switch s {
	case NotControlled:
		return nil
	case ScheduleI:
		return []Reason{{Code: ReasonControlled, Verdict: Refused, Text: "schedule I substances cannot be prescribed"}}
	case ScheduleII, ScheduleIII, ScheduleIV, ScheduleV:
		if epcsConfigured {
			return nil
		}
		return []Reason{{Code: ReasonControlled, Verdict: Refused, Text: "DEA schedule " + string(s)[1:] + ": " + EPCSOutOfScope}}
	}
	return []Reason{{Code: ReasonControlled, Verdict: Refused, Text: "unknown DEA schedule; it cannot be sent without review of the drug data"}}
}

// Coverage is the PBM's formulary/benefit answer for the drug.
type Coverage string

// Coverages.
const (
	Covered           Coverage = "covered"
	NotCovered        Coverage = "not-covered"
	PriorAuthRequired Coverage = "prior-auth-required"
	StepTherapy       Coverage = "step-therapy"
)

// Benefit is the formulary/benefit answer for one drug and patient.
type Benefit struct {
	Coverage Coverage `json:"coverage"`
	// Alternatives are formulary RxCUIs the PBM suggests, if any.
	Alternatives []string `json:"alternatives,omitempty"`
	// StepTherapyDrugs are the RxCUIs to try first under step therapy.
	StepTherapyDrugs []string `json:"stepTherapyDrugs,omitempty"`
}

// CheckFormulary turns a benefit answer into needs-review reasons; covered
// gives none.
func CheckFormulary(b Benefit) []Reason {
	var r Reason
	switch b.Coverage {
	case Covered:
		return nil
	case NotCovered:
		r = Reason{Code: ReasonNotCovered, Text: "the drug is not covered by the patient's plan"}
		if len(b.Alternatives) > 0 {
			r.Text += "; formulary alternatives RxCUI " + strings.Join(b.Alternatives, ", ")
		}
	case PriorAuthRequired:
		r = Reason{Code: ReasonPriorAuthorization, Text: "the plan requires prior authorization for the drug"}
	case StepTherapy:
		r = Reason{Code: ReasonStepTherapy, Text: "the plan requires step therapy before the drug"}
		if len(b.StepTherapyDrugs) > 0 {
			r.Text += "; try first RxCUI " + strings.Join(b.StepTherapyDrugs, ", ")
		}
	default:
		r = Reason{Code: ReasonFormularyUnknown, Text: "the plan's formulary answer is unknown"}
	}
	r.Verdict = NeedsReview
	return []Reason{r}
}

// Input is everything Evaluate checks.
type Input struct {
	// DrugRxCUI is the prescribed drug's RxCUI.
	DrugRxCUI string
	// Schedule is the drug's DEA schedule.
	Schedule Schedule
	// Allergies are the patient's AllergyIntolerance resources (any status).
	Allergies []AllergyIntolerance
	// Benefit is the PBM's answer.
	Benefit Benefit
	// EPCSConfigured says whether EPCS signing is available.
	EPCSConfigured bool
	// Lookup resolves ingredients.
	Lookup IngredientLookup
}

// Result is the combined outcome: the worst verdict of all reasons.
type Result struct {
	Verdict Verdict  `json:"verdict"`
	Reasons []Reason `json:"reasons,omitempty"`
}

// Evaluate runs every check: controlled substance, allergies, formulary.
func Evaluate(in Input) Result {
	var reasons []Reason
	reasons = append(reasons, CheckControlled(in.Schedule, in.EPCSConfigured)...)
	reasons = append(reasons, CheckAllergies(in.Allergies, in.DrugRxCUI, in.Lookup)...)
	reasons = append(reasons, CheckFormulary(in.Benefit)...)
	res := Result{Verdict: Clear, Reasons: reasons}
	for _, r := range reasons {
		if rank(r.Verdict) > rank(res.Verdict) {
			res.Verdict = r.Verdict
		}
	}
	return res
}

// rank orders verdicts.
func rank(v Verdict) int {
	switch v {
	case NeedsReview:
		return 1
	case Refused:
		return 2
	}
	return 0
}
