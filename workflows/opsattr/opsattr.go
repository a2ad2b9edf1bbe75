// Package opsattr keeps the operator search attributes current in every careflow workflow, so
// that saved views in the Temporal Web UI ("needs a human", "critical results", "stuck on the
// clearinghouse") list processes of every kind by the same five attributes. The values are
// identifiers and statuses only, never PHI: they are indexed in plaintext by the server.
package opsattr

import (
	"sync/atomic"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/internal/baseline"
)

// The attribute names, registered on the namespace by the worker at start.
const (
	// Process names the kind of process: payment, checkin, laborder, prescription, claim,
	// appointment, notification.
	Process = "CareflowProcess"
	// Status is the process's own status, as its API view shows it.
	Status = "CareflowStatus"
	// NeedsAttention is true while the process waits for a person or has ended in a state a
	// person must look at.
	NeedsAttention = "CareflowNeedsAttention"
	// Critical is true for a process carrying a critical finding (a critical lab value).
	Critical = "CareflowCritical"
	// Vendor names the outside system the process exchanges with (stripe, payer, lis,
	// pharmacy, clearinghouse, pms, twilio, smtp).
	Vendor = "CareflowVendor"
)

// Types lists every attribute with its indexed type, for registration.
var Types = map[string]enumspb.IndexedValueType{
	Process:        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	Status:         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	NeedsAttention: enumspb.INDEXED_VALUE_TYPE_BOOL,
	Critical:       enumspb.INDEXED_VALUE_TYPE_BOOL,
	Vendor:         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

// ChangeID is the GetVersion change that introduced the attributes: executions started before
// it replay without them, every new run publishes them.
const ChangeID = "careflow-search-attributes"

// Values are what a workflow publishes; the workflow computes them from its state.
type Values struct {
	Status         string
	NeedsAttention bool
	Critical       bool
	Vendor         string
}

var available atomic.Bool

// SetAvailable records, once per worker process, whether the namespace has the attributes;
// without them an upsert would fail every workflow task, so nothing is published.
func SetAvailable(ok bool) { available.Store(ok) }

// Watch publishes values() at once and again whenever they change, until the run ends. Call
// it once per run, after the state is initialised; it asks ChangeID through the run's baseline
// (a version marker unless the baseline covers it) and adds a side effect (whether the
// attributes exist, as the worker found them) to the history.
func Watch(ctx workflow.Context, run baseline.Run, process string, values func() Values) {
	if run.Version(ctx, ChangeID, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	var on bool
	// The answer depends on the namespace the worker runs against, so it is recorded once and
	// replayed from history rather than read again.
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		return available.Load() //workflowcheck:ignore recorded by SideEffect, replayed from history
	}).Get(&on)
	if err != nil || !on {
		return
	}
	logger := workflow.GetLogger(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var last Values
		first := true
		for {
			v := values()
			if first || v != last {
				if err := workflow.UpsertTypedSearchAttributes(ctx, updates(process, v, last, first)...); err != nil {
					logger.Warn("Operator search attributes not published", "Error", err)
					return
				}
				last, first = v, false
			}
			if workflow.Await(ctx, func() bool { return values() != last }) != nil {
				return
			}
		}
	})
}

// updates lists the attributes that changed since the last publication (all of them the first
// time), so each upsert carries only what moved.
func updates(process string, v, last Values, first bool) []temporal.SearchAttributeUpdate {
	var out []temporal.SearchAttributeUpdate
	if first {
		out = append(out, temporal.NewSearchAttributeKeyKeyword(Process).ValueSet(process))
	}
	if first || v.Status != last.Status {
		out = append(out, temporal.NewSearchAttributeKeyKeyword(Status).ValueSet(v.Status))
	}
	if first || v.NeedsAttention != last.NeedsAttention {
		out = append(out, temporal.NewSearchAttributeKeyBool(NeedsAttention).ValueSet(v.NeedsAttention))
	}
	if first || v.Critical != last.Critical {
		out = append(out, temporal.NewSearchAttributeKeyBool(Critical).ValueSet(v.Critical))
	}
	if first || v.Vendor != last.Vendor {
		out = append(out, temporal.NewSearchAttributeKeyKeyword(Vendor).ValueSet(v.Vendor))
	}
	return out
}
