package ncpdp

// NewRx is a new prescription from the prescriber to the pharmacy.
type NewRx struct {
	Patient              Patient    `xml:"Patient" json:"patient"`
	Pharmacy             Pharmacy   `xml:"Pharmacy" json:"pharmacy"`
	Prescriber           Prescriber `xml:"Prescriber" json:"prescriber"`
	MedicationPrescribed Medication `xml:"MedicationPrescribed" json:"medicationPrescribed"`
}

// Status acknowledges receipt of a message (000 transaction successful, 010
// accepted by the ultimate receiver).
type Status struct {
	Code            string `xml:"Code" json:"code"`
	DescriptionCode string `xml:"DescriptionCode,omitempty" json:"descriptionCode,omitempty"`
	Description     string `xml:"Description,omitempty" json:"description,omitempty"`
}

// Verify confirms that the receiver processed the message.
type Verify struct {
	VerifyStatus Status `xml:"VerifyStatus" json:"verifyStatus"`
}

// Error rejects a message: Code (600 communication problem, 601 receiver
// unable to process, 602 receiver system error, 900 transaction rejected),
// DescriptionCode and Description.
type Error struct {
	Code            string `xml:"Code" json:"code"`
	DescriptionCode string `xml:"DescriptionCode,omitempty" json:"descriptionCode,omitempty"`
	Description     string `xml:"Description,omitempty" json:"description,omitempty"`
}

// CancelRx asks the pharmacy to cancel a prescription.
type CancelRx struct {
	Patient              Patient    `xml:"Patient" json:"patient"`
	Pharmacy             Pharmacy   `xml:"Pharmacy" json:"pharmacy"`
	Prescriber           Prescriber `xml:"Prescriber" json:"prescriber"`
	MedicationPrescribed Medication `xml:"MedicationPrescribed" json:"medicationPrescribed"`
}

// Note is an optional free-text note of a response choice.
type Note struct {
	Note string `xml:"Note,omitempty" json:"note,omitempty"`
}

// Denial is a denied response with reason codes and text.
type Denial struct {
	ReasonCode   []string `xml:"ReasonCode,omitempty" json:"reasonCode,omitempty"`
	DenialReason string   `xml:"DenialReason,omitempty" json:"denialReason,omitempty"`
}

// Response holds exactly one answer; which are allowed depends on the body.
type Response struct {
	Approved            *Note   `xml:"Approved,omitempty" json:"approved,omitempty"`
	ApprovedWithChanges *Note   `xml:"ApprovedWithChanges,omitempty" json:"approvedWithChanges,omitempty"`
	Denied              *Denial `xml:"Denied,omitempty" json:"denied,omitempty"`
	Replace             *Note   `xml:"Replace,omitempty" json:"replace,omitempty"`
	Validated           *Note   `xml:"Validated,omitempty" json:"validated,omitempty"`
}

// responseChoice is one possible answer of a Response.
type responseChoice struct {
	name, answer string
	present      bool
}

// choices lists the answers in element order.
func (r *Response) choices() []responseChoice {
	return []responseChoice{
		{"Approved", AnswerApproved, r.Approved != nil},
		{"ApprovedWithChanges", AnswerApprovedWithChanges, r.ApprovedWithChanges != nil},
		{"Denied", AnswerDenied, r.Denied != nil},
		{"Replace", AnswerReplace, r.Replace != nil},
		{"Validated", AnswerValidated, r.Validated != nil},
	}
}

// Answers returned by Response.Answer.
const (
	AnswerApproved            = "approved"
	AnswerApprovedWithChanges = "approved-with-changes"
	AnswerDenied              = "denied"
	AnswerReplace             = "replace"
	AnswerValidated           = "validated"
)

// Answer names the single answer present, or "" when there is not exactly
// one.
func (r *Response) Answer() string {
	out, n := "", 0
	for _, c := range r.choices() {
		if c.present {
			out, n = c.answer, n+1
		}
	}
	if n != 1 {
		return ""
	}
	return out
}

// CancelRxResponse answers a CancelRx: Approved or Denied.
type CancelRxResponse struct {
	Response Response `xml:"Response" json:"response"`
}

// Change request codes (MessageRequestCode).
const (
	ChangeGenericSubstitution     = "G"
	ChangeTherapeuticInterchange  = "T"
	ChangePriorAuthorization      = "P"
	ChangeDrugUseEvaluation       = "D"
	ChangeScriptClarification     = "S"
	ChangeOutOfStock              = "OS"
	ChangePrescriberAuthorization = "U"
)

var changeCodes = map[string]bool{"G": true, "T": true, "P": true, "D": true, "S": true, "OS": true, "U": true}

// RxChangeRequest is the pharmacy asking the prescriber to change a
// prescription (therapeutic interchange, prior authorization, out of stock).
type RxChangeRequest struct {
	MessageRequestCode   string       `xml:"MessageRequestCode" json:"messageRequestCode"`
	Patient              Patient      `xml:"Patient" json:"patient"`
	Pharmacy             Pharmacy     `xml:"Pharmacy" json:"pharmacy"`
	Prescriber           Prescriber   `xml:"Prescriber" json:"prescriber"`
	MedicationPrescribed Medication   `xml:"MedicationPrescribed" json:"medicationPrescribed"`
	MedicationRequested  []Medication `xml:"MedicationRequested,omitempty" json:"medicationRequested,omitempty"`
}

// RxChangeResponse is the prescriber's answer: Approved, ApprovedWithChanges,
// Denied or Validated.
type RxChangeResponse struct {
	MessageRequestCode   string      `xml:"MessageRequestCode" json:"messageRequestCode"`
	Response             Response    `xml:"Response" json:"response"`
	Patient              Patient     `xml:"Patient" json:"patient"`
	Pharmacy             Pharmacy    `xml:"Pharmacy" json:"pharmacy"`
	Prescriber           Prescriber  `xml:"Prescriber" json:"prescriber"`
	MedicationPrescribed *Medication `xml:"MedicationPrescribed,omitempty" json:"medicationPrescribed,omitempty"`
}

// RxRenewalRequest is the pharmacy asking for more refills.
type RxRenewalRequest struct {
	Patient              Patient     `xml:"Patient" json:"patient"`
	Pharmacy             Pharmacy    `xml:"Pharmacy" json:"pharmacy"`
	Prescriber           Prescriber  `xml:"Prescriber" json:"prescriber"`
	MedicationDispensed  *Medication `xml:"MedicationDispensed,omitempty" json:"medicationDispensed,omitempty"`
	MedicationPrescribed Medication  `xml:"MedicationPrescribed" json:"medicationPrescribed"`
}

// RxRenewalResponse is the prescriber's answer: Approved,
// ApprovedWithChanges, Denied or Replace.
type RxRenewalResponse struct {
	Response           Response    `xml:"Response" json:"response"`
	Patient            Patient     `xml:"Patient" json:"patient"`
	Pharmacy           Pharmacy    `xml:"Pharmacy" json:"pharmacy"`
	Prescriber         Prescriber  `xml:"Prescriber" json:"prescriber"`
	MedicationResponse *Medication `xml:"MedicationResponse,omitempty" json:"medicationResponse,omitempty"`
}

// FillStatus holds exactly one of Dispensed, PartiallyDispensed,
// NotDispensed or Transferred.
type FillStatus struct {
	Dispensed          *FillNote `xml:"Dispensed,omitempty" json:"dispensed,omitempty"`
	PartiallyDispensed *FillNote `xml:"PartiallyDispensed,omitempty" json:"partiallyDispensed,omitempty"`
	NotDispensed       *FillNote `xml:"NotDispensed,omitempty" json:"notDispensed,omitempty"`
	Transferred        *FillNote `xml:"Transferred,omitempty" json:"transferred,omitempty"`
}

// FillNote is a fill status with an optional reason code and note.
type FillNote struct {
	ReasonCode string `xml:"ReasonCode,omitempty" json:"reasonCode,omitempty"`
	Note       string `xml:"Note,omitempty" json:"note,omitempty"`
}

// Fill outcomes returned by FillStatus.Outcome.
const (
	FillDispensed          = "dispensed"
	FillPartiallyDispensed = "partially-dispensed"
	FillNotDispensed       = "not-dispensed"
	FillTransferred        = "transferred"
)

// Outcome names the single fill status present, or "" when there is not
// exactly one.
func (f *FillStatus) Outcome() string {
	out, n := "", 0
	for _, c := range []struct {
		p    *FillNote
		name string
	}{{f.Dispensed, FillDispensed}, {f.PartiallyDispensed, FillPartiallyDispensed}, {f.NotDispensed, FillNotDispensed}, {f.Transferred, FillTransferred}} {
		if c.p != nil {
			out, n = c.name, n+1
		}
	}
	if n != 1 {
		return ""
	}
	return out
}

// RxFill tells the prescriber what the pharmacy dispensed.
type RxFill struct {
	FillStatus           FillStatus  `xml:"FillStatus" json:"fillStatus"`
	Patient              Patient     `xml:"Patient" json:"patient"`
	Pharmacy             Pharmacy    `xml:"Pharmacy" json:"pharmacy"`
	Prescriber           Prescriber  `xml:"Prescriber" json:"prescriber"`
	MedicationPrescribed Medication  `xml:"MedicationPrescribed" json:"medicationPrescribed"`
	MedicationDispensed  *Medication `xml:"MedicationDispensed,omitempty" json:"medicationDispensed,omitempty"`
}
