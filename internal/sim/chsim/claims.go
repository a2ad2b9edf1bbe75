package chsim

import (
	"strings"
)

// Patient control number (CLM01) prefixes that choose how a batch-submitted
// claim is acknowledged and paid. The prefix applies to the first
// submission of a patient control number only: a later one (a corrected
// claim, frequency 1 or 7) is paid in full, and a void (frequency 8) is
// acknowledged and gets no 835.
const (
	// ClaimReject999 is rejected by the 999 (IK3 CLM, IK4 CLM02 code 7,
	// IK5 R 5); no 277CA or 835 follows.
	ClaimReject999 = "REJ999-"
	// ClaimReject277 is rejected by the 277CA: STC A7:21:IL (missing or
	// invalid information, subscriber) and A7:562:85 (billing provider
	// identifier); no 835 follows.
	ClaimReject277 = "REJ277-"
	// ClaimDenied is denied in the 835: CLP02 4, nothing paid, every line
	// CAS CO 50 (not medically necessary) and LQ HE N115 (RARC).
	ClaimDenied = "DENY-"
	// ClaimPartial is paid in part: every line CAS CO 45 (contractual, 20%
	// of the charge) and CAS PR 2 (coinsurance, 10%), paid the rest.
	ClaimPartial = "PART-"
	// ClaimReversal is paid in full in a first 835; a second 835 reverses
	// that payment (CLP02 22, negative amounts) and pays it again as
	// ClaimPartial under a new payer claim control number.
	ClaimReversal = "REVERSE-"
	// ClaimPLB is paid in full in an advice that also carries PLB L6
	// interest of PLBInterest (which adds to the check).
	ClaimPLB = "PLB-"
	// ClaimNoRemit is accepted by the 999 and the 277CA and never paid.
	ClaimNoRemit = "NOREMIT-"
	// ClaimMalformed835 is answered with an 835 cut off after the CLP.
	ClaimMalformed835 = "BAD835-"
)

// PLBInterest is the PLB L6 amount (negative: interest paid to the
// provider) of ClaimPLB, in X12 decimal form.
const PLBInterest = "-2.5"

// claimScenario is how the simulator treats one submitted claim.
type claimScenario int

const (
	claimPaid claimScenario = iota
	claimReject999
	claimReject277
	claimDenied
	claimPartial
	claimReversal
	claimPLB
	claimNoRemit
	claimMalformed835
	claimVoid
)

// claimScenarioFor picks a claim's scenario from its patient control
// number, frequency and whether it was submitted before.
func claimScenarioFor(pcn, frequency string, seenBefore bool) claimScenario {
	if frequency == "8" {
		return claimVoid
	}
	if seenBefore {
		return claimPaid
	}
	p := strings.ToUpper(pcn)
	for _, c := range []struct {
		prefix string
		sc     claimScenario
	}{
		{ClaimReject999, claimReject999}, {ClaimReject277, claimReject277}, {ClaimDenied, claimDenied},
		{ClaimPartial, claimPartial}, {ClaimReversal, claimReversal}, {ClaimPLB, claimPLB},
		{ClaimNoRemit, claimNoRemit}, {ClaimMalformed835, claimMalformed835},
	} {
		if strings.HasPrefix(p, c.prefix) {
			return c.sc
		}
	}
	return claimPaid
}
