package claims

import (
	"slices"

	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the claim publishes for operators: billing staff are needed for a correction, a
// denial, a claim with no remittance and a failed submission.
func (w *impl) ops() opsattr.Values {
	return opsattr.Values{Status: w.state.Status, Vendor: "clearinghouse",
		NeedsAttention: slices.Contains([]string{StatusNeedsCorrection, StatusDenied,
			StatusNoRemittance, StatusFailed}, w.state.Status)}
}
