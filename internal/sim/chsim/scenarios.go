package chsim

import "strings"

// Subscriber member ids (NM109 of the 270's NM1*IL) that choose a scenario.
// Any other id is answered with AAA*N**72*C (invalid member id).
const (
	// MemberActive has active coverage with a copay, coinsurance and a
	// deductible.
	MemberActive = "ACTIVE001"
	// MemberInactive has coverage that is no longer active (EB*6).
	MemberInactive = "INACTIVE01"
	// MemberNotFound is rejected in loop 2100C with AAA*N**75*C.
	MemberNotFound = "NOTFOUND01"
	// MemberSlow is answered like MemberActive, after Options.SlowDelay.
	MemberSlow = "SLOW000001"
	// MemberServerError is answered with HTTP 500 and a SOAP Receiver fault.
	MemberServerError = "ERROR50001"
	// MemberMalformed is answered with a truncated 271 no parser accepts.
	MemberMalformed = "BADX120001"
	// MemberFamily is a family plan: an inquiry with a dependent loop (2000D) is answered
	// with the dependent's benefits in loop 2110D (copay DependentCopayAmount); one without
	// gets the subscriber's, like MemberActive.
	MemberFamily = "FAMILY0001"
	// MemberSecondary is a secondary plan, active with copay SecondaryCopayAmount and plan
	// SecondaryPlanName.
	MemberSecondary = "SECOND0001"
)

// Benefit values of the active scenario, as they appear in the 271.
const (
	// PlanName is EB05 of the active-coverage EB segment.
	PlanName = "GOLD PPO"
	// CopayAmount is EB07 of the EB*B segments for service types 30 and 98.
	CopayAmount = "25"
	// CoinsurancePercent is EB08 of the EB*A segment (20%).
	CoinsurancePercent = ".2"
	// DeductibleAmount is EB07 of the calendar-year (EB06 23) EB*C segment.
	DeductibleAmount = "1500"
	// DeductibleRemaining is EB07 of the remaining (EB06 29) EB*C segment.
	DeductibleRemaining = "500"
	// DependentCopayAmount is the family plan's copay for a dependent.
	DependentCopayAmount = "15"
	// SecondaryCopayAmount and SecondaryPlanName are the secondary plan's.
	SecondaryCopayAmount = "10"
	SecondaryPlanName    = "SILVER SECONDARY"
)

// AAA03 reject reasons the simulator uses in loop 2100C.
const (
	// RejectInvalidMemberID is AAA03 72, invalid or missing member id.
	RejectInvalidMemberID = "72"
	// RejectSubscriberNotFound is AAA03 75, subscriber/insured not found.
	RejectSubscriberNotFound = "75"
)

// scenario is how the simulator answers one member id.
type scenario int

const (
	scenarioUnknown scenario = iota
	scenarioActive
	scenarioInactive
	scenarioNotFound
	scenarioSlow
	scenarioServerError
	scenarioMalformed
	scenarioFamily
	scenarioSecondary
)

// scenarioFor picks the scenario for a member id; case and surrounding
// blanks are ignored, as payers normalise ids.
func scenarioFor(memberID string) scenario {
	switch strings.ToUpper(strings.TrimSpace(memberID)) {
	case MemberActive:
		return scenarioActive
	case MemberInactive:
		return scenarioInactive
	case MemberNotFound:
		return scenarioNotFound
	case MemberSlow:
		return scenarioSlow
	case MemberServerError:
		return scenarioServerError
	case MemberMalformed:
		return scenarioMalformed
	case MemberFamily:
		return scenarioFamily
	case MemberSecondary:
		return scenarioSecondary
	}
	return scenarioUnknown
}
