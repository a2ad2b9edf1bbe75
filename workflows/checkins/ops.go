package checkins

import (
	"slices"

	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the check-in publishes for operators: the front desk is needed while it waits in
// needs-attention and when it failed.
func (w *impl) ops() opsattr.Values {
	return opsattr.Values{Status: w.state.Status, Vendor: "payer",
		NeedsAttention: slices.Contains([]string{StatusNeedsAttention, StatusFailed}, w.state.Status)}
}
