package x12

import "time"

// Version837P is the implementation guide of the professional claim
// (GS08, ST03).
const Version837P = "005010X222A1"

// Claim frequency codes (CLM05-3).
const (
	FrequencyOriginal    = "1"
	FrequencyReplacement = "7"
	FrequencyVoid        = "8"
)

// Limits of the 837P implementation guide that validation enforces.
const (
	maxDiagnoses        = 12 // HI in loop 2300 carries at most twelve codes
	maxLinesPerClaim    = 50 // LX repeats at most 50 times in loop 2400
	maxModifiers        = 4  // SV101-3..SV101-6
	maxDiagnosisPointer = 4  // SV107 holds at most four pointers
)

// ClaimBatch is one 837P interchange: the envelope, submitter and receiver,
// and one or more claims. Build837P writes each claim as its own transaction
// set so that a 999 accepts or rejects every claim alone.
type ClaimBatch struct {
	// Envelope supplies ISA/GS framing; its ControlNumber becomes ISA13 and
	// GS06, and transaction sets are numbered 0001, 0002... in claim order.
	Envelope Envelope `json:"envelope"`
	// BatchID is BHT03, the submitter's reference for the batch (1..50).
	BatchID string `json:"batchId"`
	// Submitter is loop 1000A.
	Submitter Submitter `json:"submitter"`
	// ReceiverName and ReceiverID are loop 1000B (the clearinghouse).
	ReceiverName string `json:"receiverName"`
	ReceiverID   string `json:"receiverId"`
	// Claims are written in order, one transaction set each.
	Claims []ProfessionalClaim `json:"claims"`
}

// Submitter is the sender of the batch (loop 1000A) and its EDI contact.
type Submitter struct {
	// Name is NM103 (organization).
	Name string `json:"name"`
	// ID is NM109 with qualifier 46, the id the clearinghouse assigned.
	ID string `json:"id"`
	// ContactName and ContactPhone are PER02 and PER04 (TE, ten digits).
	ContactName  string `json:"contactName"`
	ContactPhone string `json:"contactPhone"`
}

// Address is an N3/N4 pair.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
}

// BillingProvider is loop 2000A/2010AA.
type BillingProvider struct {
	// NPI is NM109 (qualifier XX), checked with the Luhn algorithm.
	NPI string `json:"npi"`
	// OrganizationName is NM103.
	OrganizationName string `json:"organizationName"`
	// Taxonomy is PRV03, the ten-character provider taxonomy code.
	Taxonomy string `json:"taxonomy"`
	// TaxID is REF02 with qualifier EI: the nine-digit EIN.
	TaxID string `json:"taxId"`
	// Address must be a street address (N3/N4), not a post office box.
	Address Address `json:"address"`
}

// RenderingProvider is loop 2310B, the clinician who performed the services
// when it is not the billing provider.
type RenderingProvider struct {
	NPI       string `json:"npi"`
	LastName  string `json:"lastName"`
	FirstName string `json:"firstName"`
	// Taxonomy is PRV03; optional.
	Taxonomy string `json:"taxonomy,omitempty"`
}

// ClaimSubscriber is the insured of loop 2000B/2010BA.
type ClaimSubscriber struct {
	MemberID  string `json:"memberId"`
	LastName  string `json:"lastName"`
	FirstName string `json:"firstName"`
	// BirthDate and Gender (M, F, U) are DMG02/DMG03, required when the
	// subscriber is the patient.
	BirthDate time.Time `json:"birthDate"`
	Gender    string    `json:"gender"`
	// Address is required when the subscriber is the patient.
	Address *Address `json:"address,omitempty"`
	// GroupNumber is SBR03; optional.
	GroupNumber string `json:"groupNumber,omitempty"`
	// PayerResponsibility is SBR01: P primary (default), S secondary, T tertiary.
	PayerResponsibility string `json:"payerResponsibility,omitempty"`
	// FilingIndicator is SBR09, e.g. CI commercial (default), MB Medicare
	// part B, MC Medicaid, BL Blue Cross.
	FilingIndicator string `json:"filingIndicator,omitempty"`
}

// ClaimPatient is loop 2000C/2010CA, present when the patient is not the
// subscriber.
type ClaimPatient struct {
	// Relationship is PAT01, e.g. 01 spouse, 19 child, G8 other.
	Relationship string    `json:"relationship"`
	LastName     string    `json:"lastName"`
	FirstName    string    `json:"firstName"`
	BirthDate    time.Time `json:"birthDate"`
	Gender       string    `json:"gender"`
	Address      Address   `json:"address"`
}

// ClaimPayer is loop 2010BB.
type ClaimPayer struct {
	Name string `json:"name"`
	// ID is NM109 with qualifier PI.
	ID string `json:"id"`
}

// ProfessionalClaim is one CLM loop (2300) with its parties and service
// lines.
type ProfessionalClaim struct {
	BillingProvider BillingProvider `json:"billingProvider"`
	Subscriber      ClaimSubscriber `json:"subscriber"`
	// Patient is nil when the subscriber is the patient.
	Patient *ClaimPatient `json:"patient,omitempty"`
	Payer   ClaimPayer    `json:"payer"`
	// PatientControlNumber is CLM01 (1..20), echoed as CLP01 in the 835
	// and in the 277CA's TRN02.
	PatientControlNumber string `json:"patientControlNumber"`
	// TotalCharge is CLM02 and must equal the sum of the line charges.
	TotalCharge Money `json:"totalCharge"`
	// PlaceOfService is CLM05-1, the two-digit CMS code (11 office).
	PlaceOfService string `json:"placeOfService"`
	// Frequency is CLM05-3: 1 original, 7 replacement, 8 void.
	Frequency string `json:"frequency"`
	// PayerClaimControlNumber is REF*F8, required for frequency 7 and 8:
	// the payer's number (CLP07 of the 835) of the claim being replaced.
	PayerClaimControlNumber string `json:"payerClaimControlNumber,omitempty"`
	// ProviderSignature is CLM06 (Y/N).
	ProviderSignature bool `json:"providerSignature"`
	// Assignment is CLM07: A assigned (default), B lab services only, C not
	// assigned.
	Assignment string `json:"assignment,omitempty"`
	// BenefitsAssigned is CLM08 (Y/N): the patient assigned benefits to
	// the provider.
	BenefitsAssigned bool `json:"benefitsAssigned"`
	// ReleaseOfInformation is CLM09: Y signed statement (default) or I
	// informed consent.
	ReleaseOfInformation string `json:"releaseOfInformation,omitempty"`
	// Diagnoses are ICD-10-CM codes without the dot; the first is the
	// principal diagnosis (ABK), the others ABF. At most twelve.
	Diagnoses []string `json:"diagnoses"`
	// RenderingProvider is loop 2310B; nil when the billing provider
	// rendered the services.
	RenderingProvider *RenderingProvider `json:"renderingProvider,omitempty"`
	// Lines are the service lines (LX/SV1), 1..50.
	Lines []ServiceLine `json:"lines"`
}

// ServiceLine is one LX/SV1 loop (2400).
type ServiceLine struct {
	// Qualifier is SV101-1: HC (CPT/HCPCS, default) or ER, IV, WK.
	Qualifier string `json:"qualifier,omitempty"`
	// Code is the CPT or HCPCS procedure code (SV101-2), five characters.
	Code string `json:"code"`
	// Modifiers are SV101-3..6, two characters each, at most four.
	Modifiers []string `json:"modifiers,omitempty"`
	// Charge is SV102, greater than zero.
	Charge Money `json:"charge"`
	// Units is SV104 in whole units (SV103 UN), or minutes with UnitCode MJ.
	Units    int    `json:"units"`
	UnitCode string `json:"unitCode,omitempty"`
	// PlaceOfService is SV105, only when it differs from the claim's.
	PlaceOfService string `json:"placeOfService,omitempty"`
	// DiagnosisPointers are SV107: 1-based positions in Diagnoses, one to
	// four, the first the primary.
	DiagnosisPointers []int `json:"diagnosisPointers"`
	// ServiceDate is DTP*472; ServiceDateEnd, when set and later, makes it
	// a range (RD8).
	ServiceDate    time.Time `json:"serviceDate"`
	ServiceDateEnd time.Time `json:"serviceDateEnd,omitzero"`
	// LineControlNumber is REF*6R (1..50), echoed in the 835's REF*6R.
	LineControlNumber string `json:"lineControlNumber,omitempty"`
}

// SetControlNumber returns ST02 of claim i (0-based) in a built batch,
// which a 999's AK202 names.
func SetControlNumber(i int) string { return stControl(int64(i + 1)) }
