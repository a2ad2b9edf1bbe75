package laborders

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// statusRank orders OBX-11 statuses: a later rank replaces an earlier one.
var statusRank = map[string]int{"P": 1, "F": 2, "C": 3, "X": 2}

// applyResult folds one ORU into the kept results: duplicates by MSH-10 are ignored, the
// latest value per observation is kept (a final replaces a preliminary, a corrected replaces
// a final and is recorded), and a critical value starts the escalation.
func (w *impl) applyResult(ctx workflow.Context, sig ResultSignal) {
	if sig.MessageControlID != "" && w.seen.Has(sig.MessageControlID) {
		w.state.DuplicatesIgnored++
		return
	}
	w.remember(sig.MessageControlID)
	w.state.MessagesReceived++
	critical := false
	for _, o := range sig.Observations {
		key := o.Code + "/" + o.SubID
		r := &Result{ResultObservation: o, Critical: w.isCritical(o), MessageTime: sig.MessageTime}
		old, ok := w.results[key]
		switch {
		case !ok:
			w.keys = append(w.keys, key)
		case o.Status == "C":
			if old.Value != o.Value {
				w.state.Corrections = append(w.state.Corrections, Correction{Code: o.Code, OldValue: old.Value,
					NewValue: o.Value, ReceivedAt: workflow.Now(ctx)})
			}
			w.state.Status = StatusCorrected
			if w.filed {
				w.refile = true
			}
		case statusRank[o.Status] < statusRank[old.Status]:
			// A preliminary that arrives after the final is stale.
			continue
		case statusRank[o.Status] == statusRank[old.Status] && sig.MessageTime < old.MessageTime:
			// Same status, older message: out of order, keep the newer value.
			continue
		}
		w.results[key] = r
		critical = critical || r.Critical
	}
	if w.state.Status != StatusCorrected {
		if w.allFinal() {
			w.state.Status = StatusFinal
		} else if len(w.keys) > 0 {
			w.state.Status = StatusPartial
		}
	}
	if critical {
		w.state.Critical = true
		if w.state.Escalation.State == EscalationNone {
			w.escalating = true
			workflow.GoNamed(ctx, "escalation", w.escalate)
		}
	}
}

// remember adds an MSH-10 to the bounded dedup set.
func (w *impl) remember(id string) {
	if id == "" {
		return
	}
	w.seen.Add(id)
}

// isCritical applies OBX-8's critical flags and the configured per-LOINC thresholds.
func (w *impl) isCritical(o ResultObservation) bool {
	if slices.ContainsFunc(o.Flags, func(f string) bool { return f == "HH" || f == "LL" || f == "AA" }) {
		return true
	}
	t, ok := w.in.CriticalThresholds[o.Code]
	if !ok || o.Number == nil {
		return false
	}
	return beyond(*o.Number, o.Comparator, t)
}

// beyond judges a value, exact or a bound such as "<2.0", against a critical range: a bound
// counts only when it lies certainly past the limit ("<2.0" is below a low of 2.5, "<5" is not
// below a low of 3). Exact values keep the first version's comparison, so replay is unchanged;
// comparators only ever reach workflows since the lenient decoder, which no older history holds.
func beyond(n float64, comparator string, t Threshold) bool {
	below, above := false, false
	if t.Low != nil {
		switch comparator {
		case "":
			below = n < *t.Low
		case "<":
			below = n <= *t.Low
		case "<=":
			below = n < *t.Low
		}
	}
	if t.High != nil {
		switch comparator {
		case "":
			above = n > *t.High
		case ">":
			above = n >= *t.High
		case ">=":
			above = n > *t.High
		}
	}
	return below || above
}
