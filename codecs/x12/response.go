package x12

import (
	"slices"
	"strconv"
	"time"
)

// Money is an amount in US cents (minor units); X12 monetary amounts are
// decimal dollars, kept exact here instead of going through float64.
type Money int64

// String formats m as dollars with two decimals ("25.00", "-0.50").
func (m Money) String() string {
	n := int64(m)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	cents := strconv.FormatInt(n%100, 10)
	if len(cents) == 1 {
		cents = "0" + cents
	}
	return sign + strconv.FormatInt(n/100, 10) + "." + cents
}

// DateRange is one DTP segment: a single date (D8, Start == End) or a range
// (RD8).
type DateRange struct {
	// Qualifier is DTP01, e.g. "346" plan begin, "291" plan, "307" eligibility.
	Qualifier string
	// Start and End are UTC dates.
	Start, End time.Time
}

// Benefit is one EB segment (loop 2110C or 2110D) with its messages.
type Benefit struct {
	// Loop is "2110C" (subscriber) or "2110D" (dependent).
	Loop string
	// Code is EB01: "1".."5" active, "6".."8" inactive, "A" coinsurance,
	// "B" co-payment, "C" deductible, "G" out of pocket, ...
	Code string
	// CoverageLevel is EB02: "IND", "FAM", "ESP", ...
	CoverageLevel string
	// ServiceTypes are EB03's repeats ("30", "98", ...); empty when the
	// benefit applies to the plan as a whole.
	ServiceTypes []string
	// InsuranceType is EB04 ("HM", "PR", "MC", ...).
	InsuranceType string
	// PlanDescription is EB05.
	PlanDescription string
	// TimePeriod is EB06: "23" calendar year, "27" visit, "29" remaining, ...
	TimePeriod string
	// Amount is EB07, nil when absent.
	Amount *Money
	// Percent is EB08 as the decimal fraction X12 uses (0.2 means 20%).
	Percent *float64
	// QuantityQualifier and Quantity are EB09/EB10 (e.g. "VS" visits).
	QuantityQualifier string
	Quantity          *float64
	// AuthorizationRequired is EB11: "Y", "N", "U" or "".
	AuthorizationRequired string
	// InNetwork is EB12: true for Y, false for N, nil for U, W or absent.
	InNetwork *bool
	// Dates are the loop's DTP segments.
	Dates []DateRange
	// Messages are the loop's MSG01 texts, in order.
	Messages []string
}

// Rejection is one AAA segment: the payer could not (fully) process the
// request at the given loop.
type Rejection struct {
	// Loop is where the AAA appeared: "2000A", "2100A", "2100B", "2100C",
	// "2110C", "2100D" or "2110D".
	Loop string
	// Valid is AAA01: whether the payer judged the request itself valid.
	Valid bool
	// Code is AAA03, the reject reason ("72", "75", ...).
	Code string
	// Meaning is the standard text for Code ("" for unknown codes).
	Meaning string
	// FollowUp is AAA04: "C" correct and resubmit, "N" resubmission not
	// allowed, "R" resubmission allowed, "P" resubmit original, ...
	FollowUp string
}

// Transient reports whether the rejection says the payer could not answer now
// (42 unable to respond at current time, 80 no response received), as opposed
// to a problem with the request that a retry cannot fix.
func (r Rejection) Transient() bool {
	return r.Code == "42" || r.Code == "80"
}

// EligibilityResponse is the content of a 271 eligibility response.
type EligibilityResponse struct {
	// Envelope is the interchange and group framing the payer sent.
	Envelope Envelope
	// TraceNumber is the 270's trace number echoed in TRN02 (TRN01 = 2).
	TraceNumber string
	// TraceOriginator is TRN03 of that echoed trace.
	TraceOriginator string
	// PayerTraceNumber is the payer's own TRN02 (TRN01 = 1), if any.
	PayerTraceNumber string
	// PayerName and PayerID come from loop 2100A.
	PayerName, PayerID string
	// Provider is loop 2100B, the information receiver.
	Provider Provider
	// Subscriber is loop 2100C (name, member id, birth date, group).
	Subscriber Subscriber
	// Dependent is loop 2100D when the patient is a dependent.
	Dependent *Dependent
	// Active is true when any EB01 is 1-5, false when none is and some is
	// 6-8, nil when the response says neither (e.g. only rejections).
	Active *bool
	// PlanName is EB05 of the first active-coverage EB that has one, else
	// REF03 of the REF*18 (plan number) segment.
	PlanName string
	// PlanNumber is REF02 of REF*18.
	PlanNumber string
	// Dates are the DTP segments of loop 2100C/2100D (plan and eligibility
	// dates).
	Dates []DateRange
	// Benefits are the EB loops in document order.
	Benefits []Benefit
	// Rejections are the AAA segments in document order.
	Rejections []Rejection
}

// Rejected reports whether the payer sent any AAA segment.
func (r *EligibilityResponse) Rejected() bool { return len(r.Rejections) > 0 }

// Copay returns the co-payment (EB01 = B) for serviceType, preferring
// in-network and individual-level entries.
func (r *EligibilityResponse) Copay(serviceType string) (Money, bool) {
	return r.amount("B", serviceType, func(b *Benefit) bool { return true })
}

// Coinsurance returns the coinsurance fraction (EB01 = A, 0.2 is 20%) for
// serviceType, preferring in-network and individual-level entries.
func (r *EligibilityResponse) Coinsurance(serviceType string) (float64, bool) {
	b := r.pick("A", serviceType, func(b *Benefit) bool { return b.Percent != nil })
	if b == nil {
		return 0, false
	}
	return *b.Percent, true
}

// Deductible returns the deductible (EB01 = C) for serviceType over its time
// period (calendar year, contract...), not the remaining amount.
func (r *EligibilityResponse) Deductible(serviceType string) (Money, bool) {
	return r.amount("C", serviceType, func(b *Benefit) bool { return b.TimePeriod != periodRemaining })
}

// DeductibleRemaining returns the deductible still to be met (EB01 = C with
// EB06 = 29 remaining) for serviceType.
func (r *EligibilityResponse) DeductibleRemaining(serviceType string) (Money, bool) {
	return r.amount("C", serviceType, func(b *Benefit) bool { return b.TimePeriod == periodRemaining })
}

// OutOfPocket returns the out-of-pocket maximum (EB01 = G) for serviceType.
func (r *EligibilityResponse) OutOfPocket(serviceType string) (Money, bool) {
	return r.amount("G", serviceType, func(b *Benefit) bool { return b.TimePeriod != periodRemaining })
}

// OutOfPocketRemaining returns the out-of-pocket amount still to be met
// (EB01 = G with EB06 = 29) for serviceType.
func (r *EligibilityResponse) OutOfPocketRemaining(serviceType string) (Money, bool) {
	return r.amount("G", serviceType, func(b *Benefit) bool { return b.TimePeriod == periodRemaining })
}

// periodRemaining is EB06 "29", an amount still to be met.
const periodRemaining = "29"

// amount returns the Amount of the best matching benefit.
func (r *EligibilityResponse) amount(code, serviceType string, keep func(*Benefit) bool) (Money, bool) {
	b := r.pick(code, serviceType, func(b *Benefit) bool { return b.Amount != nil && keep(b) })
	if b == nil {
		return 0, false
	}
	return *b.Amount, true
}

// pick finds the benefit with EB01 = code that covers serviceType (an EB
// without EB03 covers "30", the plan as a whole) and passes keep, ranking
// in-network before unspecified before out-of-network, then individual (or
// unspecified) coverage before family, then document order.
func (r *EligibilityResponse) pick(code, serviceType string, keep func(*Benefit) bool) *Benefit {
	var best *Benefit
	bestRank := 0
	for i := range r.Benefits {
		b := &r.Benefits[i]
		if b.Code != code || !b.covers(serviceType) || !keep(b) {
			continue
		}
		if rank := b.rank(); best == nil || rank < bestRank {
			best, bestRank = b, rank
		}
	}
	return best
}

// covers reports whether the benefit applies to serviceType.
func (b *Benefit) covers(serviceType string) bool {
	if len(b.ServiceTypes) == 0 {
		return serviceType == DefaultServiceType
	}
	return slices.Contains(b.ServiceTypes, serviceType)
}

// rank orders candidate benefits; lower is preferred.
func (b *Benefit) rank() int {
	rank := 1
	if b.InNetwork != nil {
		if *b.InNetwork {
			rank = 0
		} else {
			rank = 2
		}
	}
	rank *= 2
	if b.CoverageLevel != "" && b.CoverageLevel != "IND" {
		rank++
	}
	return rank
}
