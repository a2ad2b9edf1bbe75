package appointments

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/workflows/internal/call"
)

// ReconcileInput configures the reconciliation runs the Schedule starts.
type ReconcileInput struct {
	// Lookback is how far back the first run (without a previous result) looks: the
	// reconciliation heals lost webhooks, it does not import the PMS's whole history.
	Lookback time.Duration `json:"lookback"`
}

// ReconcileResult is the outcome of one reconciliation run; the next run of the Schedule
// starts from its Watermark (the last completion result).
type ReconcileResult struct {
	// Watermark is the PMS change feed's (PMS updatedAt), EHRWatermark the EHR's
	// (meta.lastUpdated): each side's own clock.
	Watermark    time.Time `json:"watermark"`
	EHRWatermark time.Time `json:"ehrWatermark,omitempty"`
	Seen         int       `json:"seen"`
	EHRSeen      int       `json:"ehrSeen,omitempty"`
	Delivered    int       `json:"delivered"`
}

// Reconcile bounds.
const (
	reconcilePageSize = 200
	// reconcileMaxPages bounds one run (40,000 changes); the rest is the next run's.
	reconcileMaxPages = 200
)

// changeReconcileEHR (version 1): the reconciliation also lists the EHR's Appointments
// changed since its own watermark.
const changeReconcileEHR = "appointment-reconcile-ehr"

// Reconcile lists the PMS appointments, and the EHR Appointments, changed since the last
// run's watermarks and hands each change to its entity workflow (signal-with-start for appointments not seen yet), so a lost
// webhook heals at the next run. Workflows ignore versions they already merged, so the
// overlap at the watermark costs nothing.
func Reconcile(ctx workflow.Context, in ReconcileInput) (ReconcileResult, error) {
	var last ReconcileResult
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			workflow.GetLogger(ctx).Warn("last reconciliation result unreadable; looking back from now")
		}
	}
	lookback := in.Lookback
	if lookback <= 0 {
		lookback = DefaultReconcileInterval
	}
	if last.Watermark.IsZero() {
		last.Watermark = workflow.Now(ctx).Add(-lookback)
	}
	out := ReconcileResult{Watermark: last.Watermark}
	cursor := ""
	for page := 0; ; page++ {
		if page >= reconcileMaxPages {
			break
		}
		p, err := callListPMS(ctx, pmsact.ListInput{UpdatedSince: last.Watermark, Cursor: cursor, Limit: reconcilePageSize})
		if err != nil {
			return out, err
		}
		changes := make([]ChangeSignal, 0, len(p.Appointments))
		for _, a := range p.Appointments {
			if ValidateID(a.AppointmentID) != nil {
				continue
			}
			changes = append(changes, ChangeSignal{Source: SourcePMS, ID: a.AppointmentID,
				EventID: "reconcile:pms:" + a.AppointmentID + "@" + strconv.Itoa(a.Version),
				Version: strconv.Itoa(a.Version), UpdatedAt: a.UpdatedAt, Marked: a.UpdatedBy == pms.EngineWriter})
			if a.UpdatedAt.After(out.Watermark) {
				out.Watermark = a.UpdatedAt
			}
		}
		out.Seen += len(changes)
		if len(changes) > 0 {
			n, err := callNotify(ctx, changes)
			if err != nil {
				return out, err
			}
			out.Delivered += n
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if workflow.GetVersion(ctx, changeReconcileEHR, workflow.DefaultVersion, 1) >= 1 {
		out.EHRWatermark = last.EHRWatermark
		if out.EHRWatermark.IsZero() {
			out.EHRWatermark = workflow.Now(ctx).Add(-lookback)
		}
		if err := reconcileEHR(ctx, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// reconcileEHR lists the EHR's changed Appointments slice by slice from out.EHRWatermark,
// oldest first, and delivers them like the PMS's. Each slice starts at the last one's
// newest lastUpdated (ge: the overlap is delivered again and ignored by the workflows); a
// slice that does not move the watermark (more changes in one millisecond than a slice
// holds) ends the run rather than loop.
func reconcileEHR(ctx workflow.Context, out *ReconcileResult) error {
	for page := 0; page < reconcileMaxPages; page++ {
		p, err := callListEHR(ctx, ehr.ListChangesInput{Since: out.EHRWatermark, Limit: reconcilePageSize})
		if err != nil {
			return err
		}
		changes := make([]ChangeSignal, 0, len(p.Changes))
		next := out.EHRWatermark
		for _, c := range p.Changes {
			if ValidateID(c.ID) != nil {
				continue
			}
			changes = append(changes, ChangeSignal{Source: SourceEHR, ID: c.ID,
				EventID: "reconcile:ehr:" + c.ID + "@" + c.Version, Version: c.Version, UpdatedAt: c.UpdatedAt, Marked: c.Marked})
			if c.UpdatedAt.After(next) {
				next = c.UpdatedAt
			}
		}
		out.EHRSeen += len(changes)
		if len(changes) > 0 {
			n, err := callNotify(ctx, changes)
			if err != nil {
				return err
			}
			out.Delivered += n
		}
		moved := next.After(out.EHRWatermark)
		out.EHRWatermark = next
		if !p.More || !moved {
			return nil
		}
	}
	return nil
}

// callNotify delivers one page of changes: 30 s covers 200 signals to a healthy frontend;
// retries for five minutes, after which the next scheduled run delivers them again.
func callNotify(ctx workflow.Context, changes []ChangeSignal) (int, error) {
	return call.Activity[int](ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            call.Doubling(time.Second, 30*time.Second),
	}, NotifyChangesName, changes)
}
