package appointments

import (
	"slices"

	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the appointment publishes for operators: a conflict waiting for a decision and a
// sync error need a person.
func (w *impl) ops() opsattr.Values {
	return opsattr.Values{Status: w.state.Status, Vendor: "pms",
		NeedsAttention: slices.Contains([]string{StatusConflict, StatusError}, w.state.Status)}
}
