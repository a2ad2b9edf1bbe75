package prescriptions

import (
	"slices"

	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the prescription publishes for operators: the prescriber is needed for a review,
// a change or renewal request, and a prescription the network rejected.
func (w *impl) ops() opsattr.Values {
	return opsattr.Values{Status: w.state.Status, Vendor: "pharmacy",
		NeedsAttention: slices.Contains([]string{StatusNeedsReview, StatusChangeRequested,
			StatusRenewalRequested, StatusFailed}, w.state.Status)}
}
