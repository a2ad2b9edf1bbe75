package x12

import "time"

// Version835 is the implementation guide of the health care claim
// payment/advice.
const Version835 = "005010X221A1"

// Claim status codes (CLP02) with special handling.
const (
	ClaimStatusDenied   = "4"
	ClaimStatusReversal = "22"
)

// Remittance is a parsed 835 interchange: one advice per transaction set
// (one payment or notice each).
type Remittance struct {
	// Envelope is the 835's own interchange and group framing.
	Envelope Envelope
	// Advices are the transaction sets in order.
	Advices []RemittanceAdvice
}

// PaymentTrace is the TRN segment that identifies a payment (the check or EFT
// trace number); duplicates of an 835 repeat it.
type PaymentTrace struct {
	// Type is TRN01 (1 = current transaction trace numbers).
	Type string
	// Number is TRN02, the check or EFT trace number.
	Number string
	// OriginatorID is TRN03, "1" + the payer's TIN.
	OriginatorID string
	// OriginatorSupplementalID is TRN04.
	OriginatorSupplementalID string
}

// RemittanceAdvice is one 835 transaction set.
type RemittanceAdvice struct {
	// ControlNumber is ST02.
	ControlNumber string
	// HandlingCode is BPR01: I remittance only, C payment with remittance,
	// H notification only, P prenotification, U split, X separate.
	HandlingCode string
	// TotalPaid is BPR02; it is negative when BPR03 is D (debit).
	TotalPaid Money
	// PaymentMethod is BPR04: ACH, CHK, BOP, FWT or NON.
	PaymentMethod string
	// PaymentDate is BPR16, the check issue or EFT effective date.
	PaymentDate time.Time
	// Trace is the TRN payment trace.
	Trace PaymentTrace
	// ProductionDate is DTM*405, when present.
	ProductionDate time.Time
	// PayerName and PayerID are N1*PR (N102) and its REF*2U or N104.
	PayerName, PayerID string
	// PayeeName is N1*PE N102; PayeeIDQualifier and PayeeID are N103/N104
	// (XX = NPI, FI = TIN).
	PayeeName, PayeeIDQualifier, PayeeID string
	// Claims are the CLP loops in order.
	Claims []ClaimPayment
	// ProviderAdjustments are the PLB adjustments, one per reason/amount pair.
	ProviderAdjustments []ProviderAdjustment
}

// Adjustment is one CAS reason/amount/quantity triplet.
type Adjustment struct {
	// Group is CAS01: CO contractual, PR patient responsibility, OA other,
	// PI payer initiated, CR correction and reversal.
	Group string
	// Reason is the claim adjustment reason code (CARC), e.g. "45", "1", "2".
	Reason string
	// Amount is the adjusted amount; positive reduces the payment.
	Amount Money
	// Quantity is the adjusted quantity as sent ("" when absent).
	Quantity string
}

// ClaimPayment is one CLP loop (2100) with its service lines.
type ClaimPayment struct {
	// PatientControlNumber is CLP01, the CLM01 the provider submitted.
	PatientControlNumber string
	// Status is CLP02 (1 processed as primary, 2 secondary, 3 tertiary, 4
	// denied, 19-21 processed and forwarded, 22 reversal, 23 not our claim).
	Status string
	// StatusMeaning is the standard text of Status ("" when unknown).
	StatusMeaning string
	// Denied is true for status 4, Reversal for status 22.
	Denied, Reversal bool
	// Charge, Paid and PatientResponsibilityReported are CLP03, CLP04 and
	// CLP05 (zero when absent).
	Charge, Paid, PatientResponsibilityReported Money
	// FilingIndicator is CLP06, PayerClaimControlNumber CLP07 (needed for
	// a replacement or void), FacilityCode CLP08, Frequency CLP09.
	FilingIndicator, PayerClaimControlNumber, FacilityCode, Frequency string
	// StatementFrom and StatementTo are DTM*232/233, Received DTM*050.
	StatementFrom, StatementTo, Received time.Time
	// Adjustments are the claim-level CAS triplets.
	Adjustments []Adjustment
	// Services are the SVC loops.
	Services []ServicePayment
	// PatientResponsibility is computed: the sum of every PR adjustment of
	// the claim and its lines.
	PatientResponsibility Money
}

// ServicePayment is one SVC loop (2110).
type ServicePayment struct {
	// Qualifier, Code and Modifiers are SVC01 (e.g. HC, 99213, [25]).
	Qualifier, Code string
	Modifiers       []string
	// Charge and Paid are SVC02 and SVC03.
	Charge, Paid Money
	// RevenueCode is SVC04, Units SVC05 ("" means 1).
	RevenueCode, Units string
	// OriginalCode is SVC06-2 when the payer adjudicated a different code.
	OriginalCode string
	// ServiceDate and ServiceDateEnd are DTM*472 or DTM*150/151.
	ServiceDate, ServiceDateEnd time.Time
	// LineControlNumber is REF*6R, the REF*6R of the 837 line.
	LineControlNumber string
	// Allowed is AMT*B6, nil when absent.
	Allowed *Money
	// RemarkCodes are LQ*HE remittance advice remark codes (RARC).
	RemarkCodes []string
	// Adjustments are the line's CAS triplets.
	Adjustments []Adjustment
	// PatientResponsibility is the sum of the line's PR adjustments.
	PatientResponsibility Money
}

// ProviderAdjustment is one PLB reason/amount pair.
type ProviderAdjustment struct {
	// ProviderID is PLB01, FiscalPeriodEnd PLB02.
	ProviderID      string
	FiscalPeriodEnd time.Time
	// Reason is the adjustment reason (e.g. WO overpayment recovery, L6
	// interest, FB forwarding balance); Reference its second component.
	Reason, Reference string
	// Amount reduces the payment when positive and increases it when
	// negative.
	Amount Money
}

// claimStatusMeanings are the CLP02 claim status codes.
var claimStatusMeanings = map[string]string{
	"1":  "Processed as Primary",
	"2":  "Processed as Secondary",
	"3":  "Processed as Tertiary",
	"4":  "Denied",
	"19": "Processed as Primary, Forwarded to Additional Payer(s)",
	"20": "Processed as Secondary, Forwarded to Additional Payer(s)",
	"21": "Processed as Tertiary, Forwarded to Additional Payer(s)",
	"22": "Reversal of Previous Payment",
	"23": "Not Our Claim, Forwarded to Additional Payer(s)",
	"25": "Predetermination Pricing Only - No Payment",
}

// adjustmentGroups are the CAS01 claim adjustment group codes.
var adjustmentGroups = map[string]bool{"CO": true, "CR": true, "OA": true, "PI": true, "PR": true}

// SumAdjustments returns the sum of the adjustments in group ("" for all).
func SumAdjustments(adjs []Adjustment, group string) Money {
	var sum Money
	for _, a := range adjs {
		if group == "" || a.Group == group {
			sum += a.Amount
		}
	}
	return sum
}

// FindClaim returns the first claim with patient control number pcn across
// all advices, or nil.
func (r *Remittance) FindClaim(pcn string) *ClaimPayment {
	for i := range r.Advices {
		for j := range r.Advices[i].Claims {
			if r.Advices[i].Claims[j].PatientControlNumber == pcn {
				return &r.Advices[i].Claims[j]
			}
		}
	}
	return nil
}
