package appointments

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

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
	Watermark time.Time `json:"watermark"`
	Seen      int       `json:"seen"`
	Delivered int       `json:"delivered"`
}

// Reconcile bounds.
const (
	reconcilePageSize = 200
	// reconcileMaxPages bounds one run (40,000 changes); the rest is the next run's.
	reconcileMaxPages = 200
)

// Reconcile lists the PMS appointments changed since the last run's watermark and hands each
// change to its entity workflow (signal-with-start for appointments not seen yet), so a lost
// webhook heals at the next run. Workflows ignore versions they already merged, so the
// overlap at the watermark costs nothing.
func Reconcile(ctx workflow.Context, in ReconcileInput) (ReconcileResult, error) {
	var last ReconcileResult
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			workflow.GetLogger(ctx).Warn("last reconciliation result unreadable; looking back from now")
		}
	}
	if last.Watermark.IsZero() {
		lookback := in.Lookback
		if lookback <= 0 {
			lookback = DefaultReconcileInterval
		}
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
	return out, nil
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
