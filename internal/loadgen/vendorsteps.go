package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/careflow/engine/internal/audit"
)

// VendorStep is one audited action's latency over a phase: the time a flow spent at the vendor
// (a simulator in -standalone). A flow's latency minus its steps is what Temporal and the
// engine took.
type VendorStep struct {
	Action string        `json:"action"`
	Count  int           `json:"count"`
	P50    time.Duration `json:"p50Ns"`
	P99    time.Duration `json:"p99Ns"`
}

// VendorSteps reads the audit records written in [from, to) and summarises the latency of each
// action that has one, in the order the actions first appear.
func VendorSteps(ctx context.Context, store audit.Store, from, to time.Time) ([]VendorStep, error) {
	lats := map[string][]time.Duration{}
	var order []string
	f := audit.Filter{Since: from, Limit: audit.MaxLimit}
	for {
		recs, err := store.List(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.Latency <= 0 || !r.At.Before(to) {
				continue
			}
			if _, ok := lats[r.Action]; !ok {
				order = append(order, r.Action)
			}
			lats[r.Action] = append(lats[r.Action], r.Latency)
		}
		if len(recs) < audit.MaxLimit {
			break
		}
		f.AfterID = recs[len(recs)-1].ID
	}
	out := make([]VendorStep, 0, len(order))
	for _, a := range order {
		l := lats[a]
		slices.Sort(l)
		out = append(out, VendorStep{Action: a, Count: len(l), P50: percentile(l, 0.50), P99: percentile(l, 0.99)})
	}
	return out, nil
}

// FormatVendorSteps renders steps one per line, indented under their phase.
func FormatVendorSteps(steps []VendorStep) string {
	var b bytes.Buffer
	for _, s := range steps {
		fmt.Fprintf(&b, "    step %-28s n=%-5d p50=%-10v p99=%v\n", s.Action, s.Count,
			s.P50.Round(time.Millisecond/10), s.P99.Round(time.Millisecond/10))
	}
	return b.String()
}
