package audit

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/careflow/engine/internal/crosswalk"
)

// Appender is the part of the Store that writes records, which is all most callers need.
type Appender interface {
	Append(ctx context.Context, r Record) (Record, error)
}

// ActivityStore is the part of the Store the vendor activities use: they append the record
// of each exchange and map the vendor's identifiers to their workflow for the webhooks.
type ActivityStore interface {
	Appender
	crosswalk.Writer
}

// Exchange is the audit record of one vendor exchange, opened by Begin before the call and
// appended once its outcome is known, by Finish or by a deferred Done. Callers may set the
// embedded Record's fields (Exchange, Process, Outcome, Code) in between.
type Exchange struct {
	Record
	ctx   context.Context
	app   Appender
	now   func() time.Time
	start time.Time
	done  bool
}

// Begin opens the record of an exchange with vendor, done by the worker as action, with outcome
// ok until told otherwise. Inside an activity the record's Process is the calling workflow's ID.
// now is the activities' injected clock (nil: the wall clock); it times the exchange. A nil app
// makes the Exchange a no-op.
func Begin(ctx context.Context, app Appender, now func() time.Time, action, vendor, exchange string) *Exchange {
	if now == nil {
		now = time.Now
	}
	e := &Exchange{Record: Record{Actor: "worker", Action: action, Vendor: vendor, Exchange: exchange, Outcome: OutcomeOK},
		ctx: ctx, app: app, now: now, start: now()}
	if activity.IsActivity(ctx) {
		e.Process = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	return e
}

// Done appends the record as it stands; calls after the first do nothing. A failed append is
// logged and swallowed: failing the activity would repeat a vendor call that already happened.
// The append outlives the activity's cancellation for the same reason.
func (e *Exchange) Done() {
	if e.done || e.app == nil {
		return
	}
	e.done = true
	e.Latency = e.now().Sub(e.start)
	if _, err := e.app.Append(context.WithoutCancel(e.ctx), e.Record); err != nil && activity.IsActivity(e.ctx) {
		activity.GetLogger(e.ctx).Warn("audit append failed", "action", e.Action, "process", e.Process)
	}
}

// Finish sets the outcome and code and appends the record, unless it was appended already.
func (e *Exchange) Finish(outcome, code string) {
	if !e.done {
		e.Outcome, e.Code = outcome, code
	}
	e.Done()
}

// FinishFor is Finish for the exchange identified by exchange, known only once the call
// returned (the object the vendor created or found).
func (e *Exchange) FinishFor(exchange, outcome, code string) {
	if !e.done {
		e.Exchange = exchange
	}
	e.Finish(outcome, code)
}
