package erxcheck

// FormularyLookup returns the PBM's benefit answer for a drug RxCUI.
type FormularyLookup func(rxcui string) Benefit

// SimulatorFormulary is the simulated PBM's formulary over SimulatorDrugs,
// so every formulary reason can be shown in development:
//
//	617312  atorvastatin 20 mg               covered
//	308191  amoxicillin 500 mg               covered
//	314076  lisinopril 10 mg                 covered
//	861007  metformin 500 mg                 covered
//	562508  amoxicillin/clavulanate 875/125  step therapy (try amoxicillin 308191 first)
//	198335  sulfamethoxazole/trimethoprim    not covered (alternative: amoxicillin 308191)
//	1049621 oxycodone 5 mg                   prior authorization required
//	856999  hydrocodone/acetaminophen 5/325  prior authorization required
//	other                                    not covered, no alternative
func SimulatorFormulary(rxcui string) Benefit {
	switch rxcui {
	case "617312", "308191", "314076", "861007":
		return Benefit{Coverage: Covered}
	case "562508":
		return Benefit{Coverage: StepTherapy, StepTherapyDrugs: []string{"308191"}}
	case "198335":
		return Benefit{Coverage: NotCovered, Alternatives: []string{"308191"}}
	case "1049621", "856999":
		return Benefit{Coverage: PriorAuthRequired}
	}
	return Benefit{Coverage: NotCovered}
}
