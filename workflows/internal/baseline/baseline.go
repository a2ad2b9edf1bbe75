// Package baseline folds the workflow.GetVersion changes a process has settled into one.
//
// The Go SDK (v1.38, no option to turn it off) follows every version marker a new run records
// with an upsert of the TemporalChangeVersion search attribute, and the Temporal server turns
// each upsert into a visibility task that rewrites the execution's visibility row. A check-in
// asked seven changes, so seven markers, seven upserts and seven visibility writes per check-in
// for branches every new run takes anyway. A Baseline is one change that stands for those: a
// run that records it takes each covered change at the version written down here and asks the
// server nothing more; a run begun before it (its history has no such marker) asks every change
// as it always did, so its replay is unchanged.
package baseline

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// Baseline is one change id standing for the changes it covers, each frozen at the version
// every new run took when the baseline was introduced. A covered change is never bumped again:
// its next behaviour gets a change id of its own (or a later baseline covers it).
type Baseline struct {
	// ID is the change id recorded as the run's one version marker.
	ID string
	// Covers maps each settled change id to the version its new runs took.
	Covers map[string]workflow.Version
}

// Run is what one run learnt from its baseline: the zero Run covers nothing, so every change is
// asked of the SDK as before.
type Run struct {
	covers map[string]workflow.Version
}

// Begin asks the baseline's own change. Call it first thing in every run, in the run's first
// workflow task, before any covered change is asked: a run begun before the baseline existed
// replays that task without the marker and so keeps asking every change.
func (b Baseline) Begin(ctx workflow.Context) Run {
	if workflow.GetVersion(ctx, b.ID, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return Run{}
	}
	return Run{covers: b.Covers}
}

// Version is workflow.GetVersion for this run: a covered change answers its frozen version with
// no marker and no upsert, any other change is asked of the SDK.
func (r Run) Version(ctx workflow.Context, changeID string, minSupported, maxSupported workflow.Version) workflow.Version {
	v, ok := r.covers[changeID]
	if !ok {
		return workflow.GetVersion(ctx, changeID, minSupported, maxSupported)
	}
	if v < minSupported || v > maxSupported {
		// Like the SDK's own check: code that dropped (or has not yet) the version a run took
		// must not run it; the panic fails the workflow task until a fitting worker takes it.
		panic(fmt.Sprintf("baseline: change %q is frozen at version %d, code supports %d..%d",
			changeID, v, minSupported, maxSupported))
	}
	return v
}
