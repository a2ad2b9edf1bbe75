package ncpdp

// Name is a person's name.
type Name struct {
	LastName   string `xml:"LastName" json:"lastName"`
	FirstName  string `xml:"FirstName" json:"firstName"`
	MiddleName string `xml:"MiddleName,omitempty" json:"middleName,omitempty"`
	Suffix     string `xml:"Suffix,omitempty" json:"suffix,omitempty"`
	Prefix     string `xml:"Prefix,omitempty" json:"prefix,omitempty"`
}

// Address is a postal address.
type Address struct {
	AddressLine1  string `xml:"AddressLine1" json:"addressLine1"`
	AddressLine2  string `xml:"AddressLine2,omitempty" json:"addressLine2,omitempty"`
	City          string `xml:"City" json:"city"`
	StateProvince string `xml:"StateProvince,omitempty" json:"stateProvince,omitempty"`
	PostalCode    string `xml:"PostalCode,omitempty" json:"postalCode,omitempty"`
	CountryCode   string `xml:"CountryCode,omitempty" json:"countryCode,omitempty"`
}

// DateValue is a SCRIPT date element holding either Date (YYYY-MM-DD) or
// DateTime (RFC 3339).
type DateValue struct {
	Date     string `xml:"Date,omitempty" json:"date,omitempty"`
	DateTime string `xml:"DateTime,omitempty" json:"dateTime,omitempty"`
}

// Phone is a telephone number (ten digits in the US) with an optional
// extension.
type Phone struct {
	Number    string `xml:"Number" json:"number"`
	Extension string `xml:"Extension,omitempty" json:"extension,omitempty"`
}

// CommunicationNumbers are a party's telephone and e-mail.
type CommunicationNumbers struct {
	PrimaryTelephone *Phone `xml:"PrimaryTelephone,omitempty" json:"primaryTelephone,omitempty"`
	Fax              *Phone `xml:"Fax,omitempty" json:"fax,omitempty"`
	ElectronicMail   string `xml:"ElectronicMail,omitempty" json:"electronicMail,omitempty"`
}

// Patient wraps the human patient (veterinary patients are not modelled).
type Patient struct {
	HumanPatient *HumanPatient `xml:"HumanPatient" json:"humanPatient"`
}

// HumanPatient is the person the prescription is for.
type HumanPatient struct {
	Identification *PatientIdentification `xml:"Identification,omitempty" json:"identification,omitempty"`
	Name           Name                   `xml:"Name" json:"name"`
	// Gender is M, F or U.
	Gender               string                `xml:"Gender" json:"gender"`
	DateOfBirth          DateValue             `xml:"DateOfBirth" json:"dateOfBirth"`
	Address              *Address              `xml:"Address,omitempty" json:"address,omitempty"`
	CommunicationNumbers *CommunicationNumbers `xml:"CommunicationNumbers,omitempty" json:"communicationNumbers,omitempty"`
}

// PatientIdentification holds the patient's identifiers at the prescriber.
type PatientIdentification struct {
	MedicalRecordIdentificationNumberEHR string `xml:"MedicalRecordIdentificationNumberEHR,omitempty" json:"mrn,omitempty"`
}

// Pharmacy is the dispensing pharmacy.
type Pharmacy struct {
	Identification       PharmacyIdentification `xml:"Identification" json:"identification"`
	BusinessName         string                 `xml:"BusinessName" json:"businessName"`
	Address              *Address               `xml:"Address,omitempty" json:"address,omitempty"`
	CommunicationNumbers *CommunicationNumbers  `xml:"CommunicationNumbers,omitempty" json:"communicationNumbers,omitempty"`
}

// PharmacyIdentification holds the pharmacy's NCPDP ID (seven digits) and
// NPI.
type PharmacyIdentification struct {
	NCPDPID string `xml:"NCPDPID" json:"ncpdpId"`
	NPI     string `xml:"NPI,omitempty" json:"npi,omitempty"`
}

// Prescriber wraps the human prescriber (veterinarians are not modelled).
type Prescriber struct {
	NonVeterinarian *NonVeterinarian `xml:"NonVeterinarian" json:"nonVeterinarian"`
}

// NonVeterinarian is the prescribing clinician.
type NonVeterinarian struct {
	Identification       PrescriberIdentification `xml:"Identification" json:"identification"`
	Name                 Name                     `xml:"Name" json:"name"`
	Address              *Address                 `xml:"Address,omitempty" json:"address,omitempty"`
	CommunicationNumbers *CommunicationNumbers    `xml:"CommunicationNumbers,omitempty" json:"communicationNumbers,omitempty"`
}

// PrescriberIdentification holds the prescriber's NPI and DEA number.
type PrescriberIdentification struct {
	NPI                string `xml:"NPI" json:"npi"`
	DEANumber          string `xml:"DEANumber,omitempty" json:"deaNumber,omitempty"`
	StateLicenseNumber string `xml:"StateLicenseNumber,omitempty" json:"stateLicenseNumber,omitempty"`
}

// Code is a coded value with its code system qualifier.
type Code struct {
	Code      string `xml:"Code" json:"code"`
	Qualifier string `xml:"Qualifier,omitempty" json:"qualifier,omitempty"`
}

// CodeOnly is a coded value whose code system is fixed by the element.
type CodeOnly struct {
	Code string `xml:"Code" json:"code"`
}

// CodedText is a structured-sig term: text, its code system and code.
type CodedText struct {
	Text      string `xml:"Text,omitempty" json:"text,omitempty"`
	Qualifier string `xml:"Qualifier,omitempty" json:"qualifier,omitempty"`
	Code      string `xml:"Code,omitempty" json:"code,omitempty"`
}

// Medication is a medication element: MedicationPrescribed, Requested,
// Dispensed or Response.
type Medication struct {
	// DrugDescription is the full drug name, strength and form (1..105).
	DrugDescription string     `xml:"DrugDescription" json:"drugDescription"`
	DrugCoded       *DrugCoded `xml:"DrugCoded,omitempty" json:"drugCoded,omitempty"`
	Quantity        Quantity   `xml:"Quantity" json:"quantity"`
	// DaysSupply is a whole number of days.
	DaysSupply   string     `xml:"DaysSupply,omitempty" json:"daysSupply,omitempty"`
	WrittenDate  *DateValue `xml:"WrittenDate,omitempty" json:"writtenDate,omitempty"`
	LastFillDate *DateValue `xml:"LastFillDate,omitempty" json:"lastFillDate,omitempty"`
	// Substitutions is 0 (substitution allowed) or 1 (dispense as written),
	// up to 8 for the other product selection codes.
	Substitutions string `xml:"Substitutions,omitempty" json:"substitutions,omitempty"`
	// NumberOfRefills is the refills authorized, a whole number.
	NumberOfRefills string `xml:"NumberOfRefills,omitempty" json:"numberOfRefills,omitempty"`
	Sig             *Sig   `xml:"Sig,omitempty" json:"sig,omitempty"`
	Note            string `xml:"Note,omitempty" json:"note,omitempty"`
}

// DrugCoded identifies the product: ProductCode (NDC with qualifier ND, or
// another product code), DrugDBCode (RxNorm RxCUI with qualifier SCD, SBD,
// GPK, BPK, SGP or SBG), strength and DEA schedule.
type DrugCoded struct {
	ProductCode *Code     `xml:"ProductCode,omitempty" json:"productCode,omitempty"`
	Strength    *Strength `xml:"Strength,omitempty" json:"strength,omitempty"`
	DrugDBCode  *Code     `xml:"DrugDBCode,omitempty" json:"drugDbCode,omitempty"`
	// DEASchedule is an NCI code (C48672 schedule I .. C48679 schedule V,
	// C38046 unspecified/not controlled).
	DEASchedule *CodeOnly `xml:"DEASchedule,omitempty" json:"deaSchedule,omitempty"`
}

// RxNormCodeQualifiers are the DrugDBCode qualifiers that carry an RxCUI.
var RxNormCodeQualifiers = map[string]bool{"SCD": true, "SBD": true, "GPK": true, "BPK": true, "SGP": true, "SBG": true}

// RxNorm returns the medication's RxCUI: DrugDBCode, or a ProductCode whose
// qualifier is an RxNorm qualifier; "" when neither is present.
func (m *Medication) RxNorm() string {
	if m.DrugCoded == nil {
		return ""
	}
	for _, c := range []*Code{m.DrugCoded.DrugDBCode, m.DrugCoded.ProductCode} {
		if c != nil && RxNormCodeQualifiers[c.Qualifier] {
			return c.Code
		}
	}
	return ""
}

// Strength is the drug's strength, form and unit (NCI codes).
type Strength struct {
	StrengthValue         string    `xml:"StrengthValue,omitempty" json:"strengthValue,omitempty"`
	StrengthForm          *CodeOnly `xml:"StrengthForm,omitempty" json:"strengthForm,omitempty"`
	StrengthUnitOfMeasure *CodeOnly `xml:"StrengthUnitOfMeasure,omitempty" json:"strengthUnitOfMeasure,omitempty"`
}

// Quantity is the amount to dispense: a decimal value, the code list
// qualifier (38 original quantity, 87 quantity received, ...) and the NCI
// unit of measure (C48542 tablet, C28254 mL, ...).
type Quantity struct {
	Value                 string   `xml:"Value" json:"value"`
	CodeListQualifier     string   `xml:"CodeListQualifier" json:"codeListQualifier"`
	QuantityUnitOfMeasure CodeOnly `xml:"QuantityUnitOfMeasure" json:"quantityUnitOfMeasure"`
}

// Sig is the directions: free text plus optional structured instructions.
type Sig struct {
	SigText     string        `xml:"SigText" json:"sigText"`
	Instruction []Instruction `xml:"Instruction,omitempty" json:"instruction,omitempty"`
}

// Instruction is one structured sig instruction.
type Instruction struct {
	DoseAdministration *DoseAdministration `xml:"DoseAdministration,omitempty" json:"doseAdministration,omitempty"`
	TimingAndDuration  []TimingAndDuration `xml:"TimingAndDuration,omitempty" json:"timingAndDuration,omitempty"`
}

// DoseAdministration says how much is taken, how and by which route.
type DoseAdministration struct {
	DoseDeliveryMethod    *CodedText `xml:"DoseDeliveryMethod,omitempty" json:"doseDeliveryMethod,omitempty"`
	Dosage                *Dosage    `xml:"Dosage,omitempty" json:"dosage,omitempty"`
	RouteOfAdministration *CodedText `xml:"RouteOfAdministration,omitempty" json:"routeOfAdministration,omitempty"`
}

// Dosage is a dose quantity and its unit.
type Dosage struct {
	DoseQuantity      string     `xml:"DoseQuantity" json:"doseQuantity"`
	DoseUnitOfMeasure *CodedText `xml:"DoseUnitOfMeasure,omitempty" json:"doseUnitOfMeasure,omitempty"`
}

// TimingAndDuration says how often the dose is taken.
type TimingAndDuration struct {
	Frequency *Frequency `xml:"Frequency,omitempty" json:"frequency,omitempty"`
}

// Frequency is e.g. 2 per day.
type Frequency struct {
	FrequencyNumericValue string     `xml:"FrequencyNumericValue" json:"frequencyNumericValue"`
	FrequencyUnits        *CodedText `xml:"FrequencyUnits,omitempty" json:"frequencyUnits,omitempty"`
}
