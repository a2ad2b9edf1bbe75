package laborders

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/opsattr"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/workflows/internal/baseline"
	"github.com/careflow/engine/workflows/internal/dedup"
	"github.com/careflow/engine/workflows/internal/detid"
	"github.com/careflow/engine/workflows/internal/wait"
)

// Baseline (change "lab-order-baseline", version 1) stands for ChangeEvery, ChangeSendStatus,
// ChangeNotifyPatient, ChangeWaitWithin and the operator attributes' change at the versions new
// orders took: a new order (or a continued run) records one version marker and one
// TemporalChangeVersion upsert instead of up to five (see workflows/internal/baseline). A later
// change gets a change id of its own.
var Baseline = baseline.Baseline{ID: "lab-order-baseline", Covers: map[string]workflow.Version{
	ChangeEvery: 1, ChangeSendStatus: 1, ChangeNotifyPatient: 1, ChangeWaitWithin: 1, opsattr.ChangeID: 1,
}}

// Steps.
const (
	StepOrder       = "send-order"
	StepAwaitResult = "await-results"
	StepFile        = "file-results"
	StepCorrections = "corrections-window"
	StepDone        = "done"
)

// maxSeen bounds the MSH-10 dedup set; labs resend within minutes, not thousands of messages later.
const maxSeen = 2000

type impl struct {
	in    Input
	wfID  string
	state State
	// seen deduplicates results by MSH-10.
	seen *dedup.Set
	// keys keeps result keys in first-arrival order so iteration is deterministic.
	keys    []string
	results map[string]*Result
	// refile is set when a correction arrived after the results were filed.
	refile bool
	filed  bool
	// escalating is true while the escalation goroutine runs.
	escalating bool
	// pending counts audit writes started from handlers, awaited before the workflow ends.
	pending  int
	contacts []Contact
	logger   log.Logger

	// v2 is true for orders started after ChangeEvery; false replays the first version.
	v2 bool
	// await is the second version's timed wait (ChangeWaitWithin); the first version's waits
	// stay the SDK's own.
	await wait.Func
	v2s
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
}

// LabOrder is the lab order-to-result workflow.
func LabOrder(ctx workflow.Context, in Input) (State, error) {
	w := &impl{in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID, seen: dedup.New(maxSeen),
		results: map[string]*Result{}, logger: workflow.GetLogger(ctx)}
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	opsattr.Watch(ctx, w.ver, "laborder", w.ops)
	return w.run(ctx)
}

func (w *impl) setup(ctx workflow.Context) error {
	if err := w.in.Validate(); err != nil {
		return temporal.NewNonRetryableApplicationError("invalid lab order: "+err.Error(), ErrTypeInvalidInput, nil)
	}
	// In the run's first workflow task, before any change is asked: orders begun before the
	// baseline replay without its marker and keep asking each change.
	w.ver = Baseline.Begin(ctx)
	// One version check for the whole run: histories recorded before it replay the first
	// version's decisions unchanged, new orders take the second.
	w.v2 = w.ver.Version(ctx, ChangeEvery, workflow.DefaultVersion, 1) == 1
	if w.v2 {
		// Asked at the start of every run, a continued one too, so all of a run's waits agree.
		w.await = wait.Choose(w.ver.Version(ctx, ChangeWaitWithin, workflow.DefaultVersion, 1) >= 1)
		return w.setupV2(ctx)
	}
	w.contacts = append([]Contact{w.in.OrderingProvider}, w.in.EscalationChain...)
	if w.contacts[0].Role == "" {
		w.contacts[0].Role = "ordering-provider"
	}
	w.state = State{PlacerOrderNumber: w.in.PlacerOrderNumber, Status: StatusOrdering, Step: StepOrder,
		Results: []Result{}, Corrections: []Correction{}, Escalation: Escalation{State: EscalationNone, Pages: []Page{}}}
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.snapshot(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, AcknowledgeUpdateName, w.acknowledge,
		workflow.UpdateHandlerOptions{Validator: w.validateAcknowledge}); err != nil {
		return err
	}
	// Running first-version orders take results from the current MLLP ingest too: the update
	// applies them as the signal always did.
	if err := workflow.SetUpdateHandler(ctx, ResultUpdateName, func(ctx workflow.Context, sig ResultSignal) (ResultAccepted, error) {
		dup := sig.MessageControlID != "" && w.seen.Has(sig.MessageControlID)
		w.applyResult(ctx, sig)
		return ResultAccepted{Duplicate: dup}, nil
	}); err != nil {
		return err
	}
	results := workflow.GetSignalChannel(ctx, ResultSignalName)
	replies := workflow.GetSignalChannel(ctx, PageReplySignalName)
	workflow.GoNamed(ctx, "signals", func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(results, func(c workflow.ReceiveChannel, _ bool) {
				var sig ResultSignal
				c.Receive(ctx, &sig)
				w.applyResult(ctx, sig)
			})
			sel.AddReceive(replies, func(c workflow.ReceiveChannel, _ bool) {
				var r PageReply
				c.Receive(ctx, &r)
				w.applyReply(ctx, r)
			})
			sel.Select(ctx)
		}
	})
	return nil
}

func (w *impl) run(ctx workflow.Context) (State, error) {
	if w.v2 {
		return w.runV2(ctx)
	}
	if !w.sendOrder(ctx) {
		return w.finish(ctx)
	}
	w.state.Status, w.state.Step = StatusOrdered, StepAwaitResult
	w.awaitResults(ctx)
	if len(w.keys) > 0 {
		w.fileAndNotify(ctx)
		w.correctionsWindow(ctx)
	}
	return w.finish(ctx)
}

// sendOrder places the order; false means the process ends (rejected or failed).
func (w *impl) sendOrder(ctx workflow.Context) bool {
	res, err := w.callSendOrder(ctx, lis.SendOrderInput{
		WorkflowID: w.wfID, PlacerOrderNumber: w.in.PlacerOrderNumber, PatientRef: w.in.PatientRef,
		ProviderID: w.in.OrderingProviderID, ProviderName: w.in.OrderingProvider.Name, Tests: w.in.Tests,
		Priority: w.in.Priority, ControlID: detid.ControlID(w.wfID + "/order"),
	})
	if err == nil {
		w.patient = res.Patient
		return true
	}
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr) && appErr.Type() == lis.ErrTypeOrderRejected:
		w.state.Status, w.state.OrderRejection = StatusRejected, appErr.Message()
	case errors.As(err, &appErr) && appErr.Type() == ehr.ErrTypeNotFound:
		w.state.Status, w.state.FailureCode = StatusFailed, "patient-not-found"
	default:
		w.state.Status, w.state.FailureCode = StatusFailed, "lis-unavailable"
	}
	return false
}

// awaitResults waits for final results; after the deadline it marks the order overdue, tells
// the ordering provider and waits one more deadline before giving up.
func (w *impl) awaitResults(ctx workflow.Context) {
	deadline := w.in.ResultDeadline()
	got, err := workflow.AwaitWithTimeout(ctx, deadline, w.allFinal)
	if err != nil || got {
		return
	}
	if len(w.keys) == 0 {
		w.state.Overdue, w.state.Status = true, StatusOverdue
		w.notify(ctx, w.in.OrderingProvider.Phone, fmt.Sprintf("Lab order %s has no result after %s. Please follow up with the lab.",
			w.in.PlacerOrderNumber, deadline))
	}
	_, _ = workflow.AwaitWithTimeout(ctx, deadline, w.allFinal)
}

// allFinal reports whether every kept result and the report are final or corrected.
func (w *impl) allFinal() bool {
	if len(w.keys) == 0 {
		return false
	}
	for _, k := range w.keys {
		if s := w.results[k].Status; s != "F" && s != "C" {
			return false
		}
	}
	return true
}

// fileAndNotify writes the results to the EHR and, when nothing is critical, texts the patient.
func (w *impl) fileAndNotify(ctx workflow.Context) {
	w.state.Step = StepFile
	w.file(ctx, false)
	if w.in.NotifyPatient && !w.state.Critical && w.allFinal() {
		if pc, err := w.callPatientContact(ctx); err == nil && pc.Mobile != "" {
			w.state.PatientNotified = w.notify(ctx, pc.Mobile, resultsNotice(pc))
		}
	}
}

// file writes the kept results as a DiagnosticReport with Observations.
func (w *impl) file(ctx workflow.Context, corrected bool) {
	in := ehr.WriteLabResultsInput{PlacerOrderNumber: w.in.PlacerOrderNumber, PatientID: w.in.PatientRef, Corrected: corrected}
	for _, k := range w.keys {
		r := w.results[k]
		in.Results = append(in.Results, ehr.LabResult{Code: r.Code, Name: r.Name, Value: r.Value, Number: r.Number,
			Units: r.Units, ReferenceRange: r.ReferenceRange, Flags: r.Flags, Status: r.Status, ObservedAt: r.ObservedAt})
	}
	res, err := w.callWriteLabResults(ctx, in)
	if err != nil {
		w.state.FailureCode = "ehr-write-failed"
		w.logger.Warn("Filing lab results failed")
		return
	}
	w.filed = true
	w.state.DiagnosticReportID = res.DiagnosticReportID
}

// correctionsWindow keeps the order open for corrected results, refiling each one.
func (w *impl) correctionsWindow(ctx workflow.Context) {
	w.state.Step = StepCorrections
	end := workflow.Now(ctx).Add(w.in.CorrectionsWindow())
	for {
		remaining := end.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return
		}
		got, err := workflow.AwaitWithTimeout(ctx, remaining, func() bool { return w.refile })
		if err != nil || !got {
			return
		}
		w.refile = false
		w.file(ctx, true)
	}
}

// finish waits for the escalation and running handlers, then returns the summary.
func (w *impl) finish(ctx workflow.Context) (State, error) {
	_ = workflow.Await(ctx, func() bool { return !w.escalating && w.pending == 0 && workflow.AllHandlersFinished(ctx) })
	w.state.Step = StepDone
	w.state.Closed = true
	return w.snapshot(), nil
}

// snapshot is what queries, updates and the workflow's result return: a copy of the live state
// that shares nothing with it, with results in arrival order.
func (w *impl) snapshot() State {
	s := w.state
	s.Results = make([]Result, 0, len(w.keys))
	for _, k := range w.keys {
		s.Results = append(s.Results, *w.results[k])
	}
	s.Corrections = append([]Correction{}, w.state.Corrections...)
	s.Escalation.Pages = append([]Page{}, w.state.Escalation.Pages...)
	return s
}
