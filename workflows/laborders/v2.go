package laborders

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/workflows/notifications"
)

// Phases of the second version, carried over continue-as-new.
const (
	phaseAwait  = "await-results"
	phaseWindow = "corrections-window"
	phaseDone   = "done"
)

// maxMessageIDs bounds State.MessageIDs; the audit trail keeps every message.
const maxMessageIDs = 500

// maxCarriedPages bounds the pages handed to a continued run.
const maxCarriedPages = 100

// v2s is the second version's state beside the first version's fields.
type v2s struct {
	patient []lis.PatientID
	// reports holds the latest OBR-25 per OBR-4 code.
	reports map[string]string
	// retracted are results withdrawn (W, D) after they were kept; filed as entered-in-error.
	retracted []Result
	// filedKeys are result keys that reached the EHR at least once.
	filedKeys map[string]bool
	// failedVersion is the results version whose filing failed for good; it is not retried
	// until something changes again.
	failedVersion int
	phase         string
	deadlineAt    time.Time
	windowEnd     time.Time
	overdueSent   bool
	notified      bool
	// Escalation: one goroutine per epoch; a new epoch (re-escalation) makes an older
	// goroutine stop at its next wake-up.
	escEpoch    int
	escalations int
	nextContact int
	nextPageAt  time.Time
	// failedSIDs keeps undelivered statuses that arrived before their page was recorded.
	failedSIDs map[string]string
	// stopping makes the escalation goroutine stop for continue-as-new.
	stopping bool
	filing   bool
	// notifying is set while the patient's notice (a child notification) has no outcome yet.
	notifying bool
}

func (w *impl) setupV2(ctx workflow.Context) error {
	w.reports, w.filedKeys, w.failedSIDs = map[string]string{}, map[string]bool{}, map[string]string{}
	// The configured chain comes after the order's own contacts (the API appends it).
	w.contacts = append([]Contact{w.in.OrderingProvider}, w.in.EscalationChain...)
	if w.contacts[0].Role == "" {
		w.contacts[0].Role = "ordering-provider"
	}
	w.state = State{PlacerOrderNumber: w.in.PlacerOrderNumber, Status: StatusOrdering, Step: StepOrder,
		Results: []Result{}, Corrections: []Correction{}, Escalation: Escalation{State: EscalationNone, Pages: []Page{}}}
	w.phase = phaseAwait
	if c := w.in.Carry; c != nil {
		w.restore(c)
	}
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.snapshot(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, AcknowledgeUpdateName, w.acknowledge,
		workflow.UpdateHandlerOptions{Validator: w.validateAcknowledge}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, ResultUpdateName,
		func(ctx workflow.Context, sig ResultSignal) (ResultAccepted, error) {
			return ResultAccepted{Duplicate: w.applyResultV2(ctx, sig)}, nil
		}, workflow.UpdateHandlerOptions{Validator: w.validateResult}); err != nil {
		return err
	}
	workflow.GoNamed(ctx, "signals", func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			w.addReceivers(ctx, sel)
			sel.Select(ctx)
		}
	})
	if s := w.state.Escalation.State; s == EscalationPaging || s == EscalationUnacknowledged {
		w.launchEscalation(ctx)
	}
	return nil
}

// addReceivers adds the three signal channels to sel, each applying what it receives.
func (w *impl) addReceivers(ctx workflow.Context, sel workflow.Selector) {
	sel.AddReceive(workflow.GetSignalChannel(ctx, ResultSignalName), func(c workflow.ReceiveChannel, _ bool) {
		var sig ResultSignal
		c.Receive(ctx, &sig)
		w.signalResult(ctx, sig)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, PageReplySignalName), func(c workflow.ReceiveChannel, _ bool) {
		var r PageReply
		c.Receive(ctx, &r)
		w.applyReply(ctx, r)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, PageStatusSignalName), func(c workflow.ReceiveChannel, _ bool) {
		var st PageStatus
		c.Receive(ctx, &st)
		w.applyPageStatus(st)
	})
}

// signalResult takes a result sent as a signal (an engine before the update existed): the
// patient check that the update's validator does is applied here, dropping a mismatch.
func (w *impl) signalResult(ctx workflow.Context, sig ResultSignal) {
	if err := w.validateResult(sig); err != nil {
		w.logger.Warn("Result for another patient ignored", "MessageControlID", sig.MessageControlID)
		return
	}
	w.applyResultV2(ctx, sig)
}

// drain applies every signal already delivered but not yet received, so nothing that reached
// the workflow in its closing task is lost. It returns how many it applied.
func (w *impl) drain(ctx workflow.Context) int {
	n := 0
	for {
		got := false
		var sig ResultSignal
		if workflow.GetSignalChannel(ctx, ResultSignalName).ReceiveAsync(&sig) {
			w.signalResult(ctx, sig)
			got = true
		}
		var r PageReply
		if workflow.GetSignalChannel(ctx, PageReplySignalName).ReceiveAsync(&r) {
			w.applyReply(ctx, r)
			got = true
		}
		var st PageStatus
		if workflow.GetSignalChannel(ctx, PageStatusSignalName).ReceiveAsync(&st) {
			w.applyPageStatus(st)
			got = true
		}
		if !got {
			return n
		}
		n++
	}
}

func (w *impl) runV2(ctx workflow.Context) (State, error) {
	if w.in.Carry == nil {
		if !w.sendOrder(ctx) {
			w.phase = phaseDone
			return w.finishV2(ctx)
		}
		// Results may have been applied while the send was retried; they keep their status.
		if w.ver.Version(ctx, ChangeSendStatus, workflow.DefaultVersion, 1) == workflow.DefaultVersion ||
			w.state.Status == StatusOrdering {
			w.state.Status, w.state.Step = StatusOrdered, StepAwaitResult
		}
		w.deadlineAt = workflow.Now(ctx).Add(w.in.ResultDeadline())
	}
	for {
		var can bool
		switch w.phase {
		case phaseAwait:
			can = w.awaitV2(ctx)
		case phaseWindow:
			can = w.windowV2(ctx)
		default:
			return w.finishV2(ctx)
		}
		if can {
			return w.continueAsNew(ctx)
		}
	}
}

// canContinue reports whether Temporal suggests a new run (the history grew long).
func (w *impl) canContinue(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// awaitV2 waits until every ordered test is final, cancelled or cannot be obtained, or the
// deadline passes; it then files what is there and opens the corrections window. True means
// continue-as-new first.
func (w *impl) awaitV2(ctx workflow.Context) bool {
	w.state.Step = StepAwaitResult
	for !w.complete() {
		remaining := w.deadlineAt.Sub(workflow.Now(ctx))
		if remaining > 0 {
			_, _ = w.await(ctx, remaining, func() bool { return w.complete() || w.canContinue(ctx) })
			if w.complete() {
				break
			}
			if w.canContinue(ctx) {
				return true
			}
			if workflow.Now(ctx).Before(w.deadlineAt) {
				continue
			}
		}
		if !w.hasResults() && !w.overdueSent {
			// Nothing at all after the deadline: tell the ordering provider, wait one more.
			w.overdueSent = true
			w.state.Overdue, w.state.Status = true, StatusOverdue
			w.notify(ctx, w.in.OrderingProvider.Phone, fmt.Sprintf("Lab order %s has no result after %s. Please follow up with the lab.",
				w.in.PlacerOrderNumber, w.in.ResultDeadline()))
			w.deadlineAt = workflow.Now(ctx).Add(w.in.ResultDeadline())
			continue
		}
		break
	}
	if !w.hasResults() {
		w.phase = phaseDone
		return false
	}
	w.state.Step = StepFile
	w.fileV2(ctx)
	w.windowEnd = workflow.Now(ctx).Add(w.in.CorrectionsWindow())
	w.phase = phaseWindow
	return false
}

// windowV2 keeps the order open for the corrections window: every change (a late test, a
// correction, a retraction) is filed again. True means continue-as-new first.
func (w *impl) windowV2(ctx workflow.Context) bool {
	w.state.Step = StepCorrections
	for {
		if w.needsFile() {
			w.fileV2(ctx)
			continue
		}
		remaining := w.windowEnd.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			w.phase = phaseDone
			return false
		}
		_, _ = w.await(ctx, remaining, func() bool { return w.needsFile() || w.canContinue(ctx) })
		if !w.needsFile() && w.canContinue(ctx) {
			return true
		}
	}
}

// finishV2 waits for the escalation and running handlers, drains both signal channels and
// files anything that arrived meanwhile, then returns the summary.
func (w *impl) finishV2(ctx workflow.Context) (State, error) {
	w.phase = phaseDone
	for {
		quiet := func() bool {
			return w.escalations == 0 && w.pending == 0 && !w.filing && !w.notifying && workflow.AllHandlersFinished(ctx)
		}
		_ = workflow.Await(ctx, func() bool { return quiet() || w.needsFile() || w.canContinue(ctx) })
		if w.needsFile() {
			w.fileV2(ctx)
			continue
		}
		if !quiet() {
			return w.continueAsNew(ctx)
		}
		if w.drain(ctx) > 0 || w.escalations > 0 || w.needsFile() {
			continue
		}
		break
	}
	w.state.Step = StepDone
	w.state.Closed = true
	return w.snapshot(), nil
}

// continueAsNew stops the escalation at its next wake-up, waits for handlers and writes,
// drains the signal channels and hands everything to a new run.
func (w *impl) continueAsNew(ctx workflow.Context) (State, error) {
	w.stopping = true
	// The notice's outcome is awaited too: a new run could not receive its child's result.
	_ = workflow.Await(ctx, func() bool {
		return w.escalations == 0 && w.pending == 0 && !w.filing && !w.notifying && workflow.AllHandlersFinished(ctx)
	})
	w.drain(ctx)
	in := w.in
	in.Carry = w.carry()
	return State{}, workflow.NewContinueAsNewError(ctx, WorkflowName, in)
}

func (w *impl) carry() *Carry {
	st := w.snapshot()
	// A page every ack timeout for days would grow the carried state without end: the newest
	// pages are kept (the audit trail has every one).
	if n := len(st.Escalation.Pages); n > maxCarriedPages {
		st.Escalation.Pages = st.Escalation.Pages[n-maxCarriedPages:]
	}
	c := &Carry{State: st, Phase: w.phase, Seen: w.seen.IDs(),
		Retracted: append([]Result{}, w.retracted...), Reports: w.reports, NextContact: w.nextContact,
		NextPageAt: w.nextPageAt, WindowEnd: w.windowEnd, DeadlineAt: w.deadlineAt, Overdue: w.overdueSent,
		Notified: w.notified}
	for _, p := range w.patient {
		c.PatientIDs = append(c.PatientIDs, p.Type+"|"+p.ID)
	}
	for _, k := range w.keys {
		if w.filedKeys[k] {
			c.FiledKeys = append(c.FiledKeys, k)
		}
	}
	return c
}

func (w *impl) restore(c *Carry) {
	w.state = c.State
	w.state.Results = []Result{}
	for i := range c.State.Results {
		r := c.State.Results[i]
		k := resultKey(r.ResultObservation)
		w.keys = append(w.keys, k)
		w.results[k] = &r
	}
	for _, id := range c.Seen {
		w.remember(id)
	}
	w.retracted = c.Retracted
	if c.Reports != nil {
		w.reports = c.Reports
	}
	for _, p := range c.PatientIDs {
		for i := 0; i < len(p); i++ {
			if p[i] == '|' {
				w.patient = append(w.patient, lis.PatientID{Type: p[:i], ID: p[i+1:]})
				break
			}
		}
	}
	for _, k := range c.FiledKeys {
		w.filedKeys[k] = true
	}
	w.phase, w.nextContact, w.nextPageAt = c.Phase, c.NextContact, c.NextPageAt
	w.windowEnd, w.deadlineAt, w.overdueSent, w.notified = c.WindowEnd, c.DeadlineAt, c.Overdue, c.Notified
	w.escEpoch = 1
}

func (w *impl) hasResults() bool { return len(w.keys) > 0 || len(w.retracted) > 0 }

// needsFile reports a change since the last filing that has not failed for good already.
func (w *impl) needsFile() bool {
	v := w.state.ResultsVersion
	return !w.filing && w.hasResults() && v > w.state.FiledVersion && v > w.failedVersion &&
		w.state.Status != StatusRejected && w.state.Status != StatusFailed
}

// fileV2 writes the results as of the current version. The version is taken before the write:
// anything that arrives while the activity runs raises ResultsVersion above FiledVersion and is
// filed by the next round.
func (w *impl) fileV2(ctx workflow.Context) {
	v := w.state.ResultsVersion
	missing := w.missingTests()
	in := ehr.WriteLabResultsInput{PlacerOrderNumber: w.in.PlacerOrderNumber, PatientID: w.in.PatientRef,
		Corrected: len(w.state.Corrections) > 0, Partial: len(missing) > 0, Missing: missing,
		Conclusion: w.state.Notes}
	keys := make([]string, 0, len(w.keys))
	for _, k := range w.keys {
		in.Results = append(in.Results, labResult(*w.results[k]))
		keys = append(keys, k)
	}
	for _, r := range w.retracted {
		if w.filedKeys[resultKey(r.ResultObservation)] {
			lr := labResult(r)
			lr.Retracted = true
			in.Results = append(in.Results, lr)
		}
	}
	w.filing = true
	res, err := w.callWriteLabResults(ctx, in)
	w.filing = false
	if err != nil {
		w.failedVersion = v
		w.state.FailureCode = "ehr-write-failed"
		w.logger.Warn("Filing lab results failed")
		return
	}
	w.state.FailureCode = ""
	w.filed = true
	w.state.FiledVersion = v
	w.state.DiagnosticReportID = res.DiagnosticReportID
	w.state.MissingTests = missing
	for _, k := range keys {
		w.filedKeys[k] = true
	}
	if len(missing) > 0 && w.state.Status != StatusCorrected {
		w.state.Status = StatusPartial
	}
	w.maybeNotifyPatient(ctx)
}

// maybeNotifyPatient texts the patient once, when every ordered test is in and nothing is critical.
func (w *impl) maybeNotifyPatient(ctx workflow.Context) {
	if w.notified || !w.in.NotifyPatient || w.state.Critical || !w.complete() {
		return
	}
	w.notified = true
	if w.ver.Version(ctx, ChangeNotifyPatient, workflow.DefaultVersion, 1) >= 1 {
		w.startPatientNotice(ctx)
		return
	}
	if pc, err := w.callPatientContact(ctx); err == nil && pc.Mobile != "" {
		w.state.PatientNotified = w.notify(ctx, pc.Mobile, resultsNotice(pc))
	}
}

// startPatientNotice starts the "results available" notice as a child notification and
// records its outcome when it ends, without holding up refiling meanwhile (quiet hours can
// defer the notice to the morning). Closing and continue-as-new wait for the outcome.
func (w *impl) startPatientNotice(ctx workflow.Context) {
	id := NotificationID(w.in.PlacerOrderNumber)
	w.state.PatientNotification = &notifications.Outcome{NotificationID: id, Status: notifications.StatusSending}
	fut := notifications.StartChild(ctx, notifications.Input{NotificationID: id, PatientID: w.in.PatientRef,
		Scenario: templates.ResultsAvailable})
	w.notifying = true
	workflow.GoNamed(ctx, "patient-notice", func(gctx workflow.Context) {
		o := notifications.AwaitChild(gctx, id, fut)
		w.state.PatientNotification = &o
		w.state.PatientNotified = o.Reached()
		w.notifying = false
	})
}

func labResult(r Result) ehr.LabResult {
	out := ehr.LabResult{Code: r.Code, SubID: r.SubID, Name: r.Name, Value: r.Value, Number: r.Number,
		Comparator: r.Comparator, Units: r.Units, ReferenceRange: r.ReferenceRange, Flags: r.Flags, Status: r.Status, ObservedAt: r.ObservedAt,
		Notes: r.Notes}
	if r.Coded != nil {
		out.Coded = &ehr.LabCoding{Code: r.Coded.Code, Display: r.Coded.Display, System: r.Coded.System}
	}
	return out
}

func resultKey(o ResultObservation) string { return o.Code + "/" + o.SubID }

// OBX-11 ranks in the second version: pending states (P, I, R, S) < final, cannot obtain or
// not asked (F, X, N) < corrected (C). W, D, U and O are handled on their own.
var statusRankV2 = map[string]int{"P": 1, "I": 1, "R": 1, "S": 1, "F": 2, "X": 2, "N": 2, "C": 3}

// finalStatus reports an OBX-11 or OBR-25 status after which the lab sends nothing more.
func finalStatus(s string) bool { return s == "F" || s == "C" || s == "X" || s == "N" || s == "D" }

// obrRank orders OBR-25 statuses (HL7 table 0123) so a stale report status is ignored.
var obrRank = map[string]int{"O": 1, "I": 1, "S": 1, "A": 1, "P": 1, "R": 1, "F": 2, "X": 2, "C": 3}

// complete reports whether every ordered test (OBR-4 code) is final, corrected, cancelled or
// cannot be obtained: by its own OBR-25 or by a final observation with the test's code.
func (w *impl) complete() bool {
	if len(w.in.Tests) == 0 {
		return w.allFinal()
	}
	return len(w.missingTests()) == 0
}

func (w *impl) missingTests() []string {
	var missing []string
	for _, t := range w.in.Tests {
		if !w.testDone(t) {
			missing = append(missing, t)
		}
	}
	return missing
}

func (w *impl) testDone(code string) bool {
	if finalStatus(w.reports[code]) {
		return true
	}
	for _, k := range w.keys {
		if r := w.results[k]; r.Code == code && finalStatus(r.Status) {
			return true
		}
	}
	for _, r := range w.retracted {
		if r.Code == code && r.Status == "D" {
			return true
		}
	}
	return false
}

// validateResult refuses a result whose PID-3 names another patient than the order's.
func (w *impl) validateResult(sig ResultSignal) error {
	if !w.patientMatches(sig.Patient) {
		return temporal.NewApplicationError("the patient identifier (PID-3) does not match the order's patient",
			ErrTypePatientMismatch)
	}
	return nil
}

// patientMatches compares PID-3 with the identifiers the order was sent with (MRN and the
// EHR's Patient id): one must match and none may contradict (an MRN other than the order's
// never matches, whatever else the message carries). Before the order's ACK only the Patient
// id is known, so only it is checked.
func (w *impl) patientMatches(ids []PatientID) bool {
	if len(ids) == 0 {
		// Results sent as signals by engines older than the check carry no PID-3.
		return true
	}
	if len(w.patient) == 0 {
		// The order's ACK (and so its MRN) is not in yet: only a contradicting Patient id refuses.
		for _, id := range ids {
			if id.Type == "PI" && id.ID != "" && id.ID != w.in.PatientRef {
				return false
			}
		}
		return true
	}
	known := append([]lis.PatientID{{ID: w.in.PatientRef, Type: "PI"}}, w.patient...)
	matched := false
	for _, id := range ids {
		for _, k := range known {
			if id.ID == "" {
				continue
			}
			if id.ID == k.ID && (id.Type == "" || k.Type == "" || id.Type == k.Type) {
				matched = true
			} else if id.Type != "" && id.Type == k.Type && id.ID != k.ID {
				return false
			}
		}
	}
	return matched
}

// applyResultV2 folds one ORU into the kept results and reports whether it was a duplicate.
// Every change raises ResultsVersion, which the filing loop compares with FiledVersion.
func (w *impl) applyResultV2(ctx workflow.Context, sig ResultSignal) bool {
	if sig.MessageControlID != "" && w.seen.Has(sig.MessageControlID) {
		w.state.DuplicatesIgnored++
		return true
	}
	w.remember(sig.MessageControlID)
	w.state.MessagesReceived++
	if sig.MessageControlID != "" {
		w.state.MessageIDs = append(w.state.MessageIDs, sig.MessageControlID)
		if len(w.state.MessageIDs) > maxMessageIDs {
			w.state.MessageIDs = w.state.MessageIDs[1:]
		}
	}
	changed, newCritical, wrongPatient := false, false, false
	for _, rg := range sig.Reports {
		if rg.Service != "" && obrRank[rg.Status] >= obrRank[w.reports[rg.Service]] && rg.Status != "" {
			if w.reports[rg.Service] != rg.Status {
				w.reports[rg.Service], changed = rg.Status, true
			}
		}
		for _, n := range rg.Notes {
			// Labs resend the whole report with each correction; a note is kept once.
			if n != "" && !slices.Contains(w.state.Notes, n) {
				w.state.Notes, changed = append(w.state.Notes, n), true
			}
		}
	}
	for _, o := range sig.Observations {
		key := resultKey(o)
		old, ok := w.results[key]
		switch o.Status {
		case "W", "D":
			// W: the value belongs to another patient; D: the lab deleted it. Either way it
			// leaves the kept results and, if it was filed, is marked entered-in-error.
			if ok {
				w.removeResult(key)
				gone := *old
				gone.Status = o.Status
				w.retracted = append(w.retracted, gone)
				changed = true
			} else {
				w.retracted = append(w.retracted, Result{ResultObservation: o, MessageTime: sig.MessageTime})
				changed = true
			}
			w.state.Retractions = append(w.state.Retractions, Retraction{Code: o.Code, SubID: o.SubID, Status: o.Status,
				ReceivedAt: workflow.Now(ctx)})
			wrongPatient = wrongPatient || o.Status == "W"
			continue
		case "U":
			// The preliminary value becomes final without being sent again.
			if ok && statusRankV2[old.Status] < statusRankV2["F"] {
				old.Status, changed = "F", true
			}
			continue
		case "O", "":
			// Order detail only: no result.
			continue
		}
		r := &Result{ResultObservation: o, Critical: w.isCritical(o), MessageTime: sig.MessageTime}
		switch {
		case !ok:
			w.keys = append(w.keys, key)
			w.unretract(key)
		case o.Status == "C":
			if old.Value != o.Value {
				w.state.Corrections = append(w.state.Corrections, Correction{Code: o.Code, OldValue: old.Value,
					NewValue: o.Value, ReceivedAt: workflow.Now(ctx)})
			}
			w.state.Status = StatusCorrected
		case statusRankV2[o.Status] < statusRankV2[old.Status]:
			// A preliminary that arrives after the final is stale.
			continue
		case statusRankV2[o.Status] == statusRankV2[old.Status] && sig.MessageTime < old.MessageTime:
			// Same status, older message: out of order, keep the newer value.
			continue
		}
		newCritical = newCritical || (r.Critical && (!ok || !old.Critical))
		w.results[key] = r
		changed = true
	}
	if changed {
		w.state.ResultsVersion++
	}
	w.updateStatus()
	if wrongPatient {
		w.alertRetraction(ctx)
	}
	w.reconsiderEscalation(ctx, newCritical)
	return false
}

func (w *impl) removeResult(key string) {
	delete(w.results, key)
	w.keys = slices.DeleteFunc(w.keys, func(k string) bool { return k == key })
}

// unretract drops a retraction once a new value for the same observation arrives.
func (w *impl) unretract(key string) {
	w.retracted = slices.DeleteFunc(w.retracted, func(r Result) bool { return resultKey(r.ResultObservation) == key })
}

func (w *impl) updateStatus() {
	if w.state.Status == StatusCorrected || w.state.Status == StatusRejected || w.state.Status == StatusFailed {
		return
	}
	switch {
	case w.complete() && w.hasResults():
		w.state.Status = StatusFinal
	case w.hasResults() || len(w.reports) > 0:
		w.state.Status = StatusPartial
	}
}

// anyCritical reports whether a kept result is critical now.
func (w *impl) anyCritical() bool {
	for _, k := range w.keys {
		if w.results[k].Critical {
			return true
		}
	}
	return false
}

// alertRetraction tells the ordering provider that a result was withdrawn for the wrong
// patient; the text names the order only.
func (w *impl) alertRetraction(ctx workflow.Context) {
	w.pending++
	workflow.GoNamed(ctx, "retraction-alert", func(ctx workflow.Context) {
		defer func() { w.pending-- }()
		w.notify(ctx, w.in.OrderingProvider.Phone, fmt.Sprintf(
			"Lab order %s: the laboratory retracted a result (wrong patient). The chart entry is marked entered in error; please review.",
			w.in.PlacerOrderNumber))
		w.record(ctx, records.RecordInput{Action: "lab.retraction", Exchange: w.in.PlacerOrderNumber, Code: "W", Outcome: "ok"})
	})
}
