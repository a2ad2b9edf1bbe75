// Package eligibility holds the activity that asks a payer, through the clearinghouse, whether
// a patient's coverage is active (X12 270/271 over CAQH CORE real-time).
package eligibility

// Error types raised as non-retryable application errors; workflows match on them.
const (
	// ErrTypeMalformed means the 271 (or 999) could not be parsed; Details carry
	// MalformedDetail with the raw payload, which stays encrypted in history.
	ErrTypeMalformed = "X12Malformed"
	// ErrTypeRejected means the clearinghouse or the payer refused the inquiry permanently
	// (999 reject, CORE envelope error, authentication).
	ErrTypeRejected = "EligibilityRejected"
)

// MalformedDetail is attached to ErrTypeMalformed errors.
type MalformedDetail struct {
	Reason string `json:"reason"`
	Raw    []byte `json:"raw"`
}

// Subscriber identifies the insured person.
type Subscriber struct {
	MemberID    string `json:"memberId"`
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	BirthDate   string `json:"birthDate,omitempty"`
	Gender      string `json:"gender,omitempty"`
	GroupNumber string `json:"groupNumber,omitempty"`
}

// Dependent is a patient covered through the subscriber's plan.
type Dependent struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	// BirthDate is YYYY-MM-DD; the 270 requires it for a dependent.
	BirthDate string `json:"birthDate"`
	Gender    string `json:"gender,omitempty"`
	// Relationship is the FHIR subscriber-relationship code (child, spouse, other, ...).
	Relationship string `json:"relationship,omitempty"`
}

// CheckInput is one eligibility inquiry.
type CheckInput struct {
	// PayloadID is the CORE PayloadID, deterministic (workflow ID + step), so a retried
	// inquiry is recognised by the clearinghouse.
	PayloadID string `json:"payloadId"`
	// TraceNumber goes into TRN02 and comes back in the 271.
	TraceNumber  string     `json:"traceNumber"`
	ProviderNPI  string     `json:"providerNpi"`
	ProviderName string     `json:"providerName"`
	PayerID      string     `json:"payerId"`
	PayerName    string     `json:"payerName"`
	Subscriber   Subscriber `json:"subscriber"`
	// Dependent is the patient when the subscriber is someone else: the 270 then carries
	// the patient in loop 2000D/2100D and the benefits are read from the 271's loop 2110D.
	Dependent *Dependent `json:"dependent,omitempty"`
	// ServiceDate is YYYY-MM-DD.
	ServiceDate  string   `json:"serviceDate"`
	ServiceTypes []string `json:"serviceTypes"`
}

// Rejection is an AAA segment of the 271.
type Rejection struct {
	Loop    string `json:"loop"`
	Code    string `json:"code"`
	Meaning string `json:"meaning"`
}

// CheckResult is the parsed answer.
type CheckResult struct {
	Active   bool   `json:"active"`
	PlanName string `json:"planName,omitempty"`
	// CopayAmount is in minor units for the office-visit service type; nil when the payer
	// reported none.
	CopayAmount         *int64      `json:"copayAmount,omitempty"`
	CoinsurancePercent  *float64    `json:"coinsurancePercent,omitempty"`
	DeductibleRemaining *int64      `json:"deductibleRemaining,omitempty"`
	Rejections          []Rejection `json:"rejections,omitempty"`
	// Dependent is set when the payer answered in the dependent's loop (2000D).
	Dependent bool `json:"dependent,omitempty"`
}
