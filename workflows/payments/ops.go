package payments

import (
	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the payment publishes for operators: a failed payment or a disputed charge needs
// a person.
func (w *impl) ops() opsattr.Values {
	return opsattr.Values{Status: w.state.Status, Vendor: "stripe",
		NeedsAttention: w.state.Status == StatusFailed || len(w.state.Disputes) > 0}
}
