package laborders

import (
	"slices"

	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the lab order publishes for operators: a critical value is flagged for as long
// as the results carry one, and a person is needed for an unacknowledged escalation, a
// rejected or failed order and results that are overdue.
func (w *impl) ops() opsattr.Values {
	return opsattr.Values{Status: w.state.Status, Vendor: "lis", Critical: w.state.Critical,
		NeedsAttention: w.state.Unacknowledged || w.state.Overdue ||
			slices.Contains([]string{StatusRejected, StatusFailed, StatusOverdue}, w.state.Status)}
}
