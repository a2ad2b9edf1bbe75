package erxcheck

// Drug is one entry of a drug table: a clinical drug (SCD) with its
// ingredient RxCUIs and DEA schedule.
type Drug struct {
	RxCUI       string   `json:"rxcui"`
	Name        string   `json:"name"`
	Ingredients []string `json:"ingredients"`
	Schedule    Schedule `json:"schedule,omitempty"`
}

// Ingredient RxCUIs (RxNorm term type IN) of SimulatorDrugs.
const (
	IngredientAcetaminophen    = "161"
	IngredientAmoxicillin      = "723"
	IngredientClavulanate      = "48203"
	IngredientAtorvastatin     = "83367"
	IngredientHydrocodone      = "5489"
	IngredientLisinopril       = "29046"
	IngredientMetformin        = "6809"
	IngredientOxycodone        = "7804"
	IngredientSulfamethoxazole = "10180"
	IngredientTrimethoprim     = "10829"
)

// SimulatorDrugs is the small table behind SimulatorLookup: the drugs the
// pharmacy simulator's scenarios and the tests prescribe, with RxNorm SCD
// RxCUIs and ingredients as RxNav lists them. It is sample data for
// development, not a drug knowledge base: production injects a lookup
// backed by RxNorm.
var SimulatorDrugs = []Drug{
	{RxCUI: "617312", Name: "atorvastatin 20 MG Oral Tablet", Ingredients: []string{IngredientAtorvastatin}},
	{RxCUI: "308191", Name: "amoxicillin 500 MG Oral Capsule", Ingredients: []string{IngredientAmoxicillin}},
	{RxCUI: "562508", Name: "amoxicillin 875 MG / clavulanate potassium 125 MG Oral Tablet",
		Ingredients: []string{IngredientAmoxicillin, IngredientClavulanate}},
	{RxCUI: "314076", Name: "lisinopril 10 MG Oral Tablet", Ingredients: []string{IngredientLisinopril}},
	{RxCUI: "861007", Name: "metformin hydrochloride 500 MG Oral Tablet", Ingredients: []string{IngredientMetformin}},
	{RxCUI: "198335", Name: "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet",
		Ingredients: []string{IngredientSulfamethoxazole, IngredientTrimethoprim}},
	{RxCUI: "1049621", Name: "oxycodone hydrochloride 5 MG Oral Tablet", Ingredients: []string{IngredientOxycodone}, Schedule: ScheduleII},
	{RxCUI: "856999", Name: "acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet",
		Ingredients: []string{IngredientAcetaminophen, IngredientHydrocodone}, Schedule: ScheduleII},
}

// TableLookup returns an IngredientLookup over drugs; an ingredient RxCUI
// of the table resolves to itself, so allergies coded by ingredient match.
func TableLookup(drugs []Drug) IngredientLookup {
	m := map[string][]string{}
	for _, d := range drugs {
		m[d.RxCUI] = d.Ingredients
		for _, in := range d.Ingredients {
			m[in] = []string{in}
		}
	}
	return func(rxcui string) ([]string, bool) {
		in, ok := m[rxcui]
		return in, ok
	}
}

// SimulatorLookup resolves the ingredients of SimulatorDrugs.
var SimulatorLookup = TableLookup(SimulatorDrugs)

// FindDrug returns the entry of drugs with rxcui.
func FindDrug(drugs []Drug, rxcui string) (Drug, bool) {
	for _, d := range drugs {
		if d.RxCUI == rxcui {
			return d, true
		}
	}
	return Drug{}, false
}
