package checkins

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/opsattr"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/workflows/internal/baseline"
	"github.com/careflow/engine/workflows/internal/detid"
	"github.com/careflow/engine/workflows/internal/wait"
	"github.com/careflow/engine/workflows/notifications"
	"github.com/careflow/engine/workflows/payments"
)

// Workflow changes, each behind workflow.GetVersion so that check-ins begun before it replay.
const (
	// changeGuards (version 1): guards on the appointment as read (status, window, patient
	// participant) before any side effect, the same guards at the write-back, and a refusal
	// that fails the workflow with ErrTypeRefused.
	changeGuards = "checkin-guards"
	// changeCoverage (version 1): the verdict names the coverage used; "no usable coverage",
	// an unreadable subscriber and an unmapped payer are reasons of their own; a dependent
	// is asked about in loop 2000D; the service date is the appointment's; the secondary
	// coverage is checked after the primary's verdict.
	changeCoverage = "checkin-coverage"
	// changeNotify (version 1): the confirmation goes through the notifications process as a
	// child workflow (preferences, opt-outs, quiet hours, rate limits, delivery status, email
	// fallback) and the state records its outcome.
	changeNotify = "checkin-notify"
	// changeLocalReads (version 1): the EHR read and the primary coverage's eligibility inquiry
	// run first as local activities within the verdict wait, then as the regular activities
	// they were (calls.go); the verdict update waits for the local reads, then only for what is
	// left of VerdictWait.
	changeLocalReads = "checkin-local-reads"
	// changeWaitWithin (version 1): the verdict's and the front desk's timed waits cancel their
	// timers once their condition holds (wait.Within), so a decided verdict or a resolved
	// check-in is not woken again by a timer that no longer matters.
	changeWaitWithin = "checkin-wait-within"
	// changeLocalArrival (version 1): the arrival write-back and the Encounter run first as
	// local activities, in a workflow task of their own after the one that answered the
	// verdict (calls.go), then as the regular activities they were.
	changeLocalArrival = "checkin-local-arrival"
)

// Baseline (change "checkin-baseline", version 1) stands for every change above, changeCancel
// and the operator attributes' change at the versions new check-ins took: a new check-in records
// one version marker and one TemporalChangeVersion upsert instead of eight (see
// workflows/internal/baseline). A later change gets a change id of its own, asked through
// impl.ver.
var Baseline = baseline.Baseline{ID: "checkin-baseline", Covers: map[string]workflow.Version{
	changeGuards: 1, changeCoverage: 1, changeNotify: 1, changeLocalReads: 1, changeWaitWithin: 1,
	changeLocalArrival: 1, changeCancel: 1, opsattr.ChangeID: 1,
}}

// CopayCurrency is the currency of payer-reported copays (X12 amounts are US dollars).
const CopayCurrency = "usd"

// impl is one check-in's state, shared by the main coroutine and the update handlers.
type impl struct {
	in       Input
	wfID     string
	state    State
	ehrCtx   *ehr.CheckInContext
	requests int
	// notFound is set when the EHR has no such appointment or patient; the verdict update
	// then fails so that the API answers 404.
	notFound bool
	selfPay  *SelfPayUpdate
	override *OverrideUpdate
	logger   log.Logger
	// guards is the changeGuards version this execution runs.
	guards workflow.Version
	// startedAt is when the check-in was asked for; the write-back judges the window at it.
	startedAt time.Time
	// secondaryPending is set while the secondary coverage's inquiry runs.
	secondaryPending bool
	// localReads is the changeLocalReads version this execution runs.
	localReads workflow.Version
	// localReading is set while the verdict path's reads run as local activities, which hold
	// the workflow task open.
	localReading bool
	// await is the timed wait this execution uses (changeWaitWithin).
	await wait.Func
	// localArrival is set when the arrival's writes run as local activities
	// (changeLocalArrival).
	localArrival bool
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
}

// CheckIn is the check-in workflow. The verdict is available through the verdict update within
// VerdictWait; everything after it continues durably in the background.
func CheckIn(ctx workflow.Context, in Input) (State, error) {
	w := &impl{in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID, logger: workflow.GetLogger(ctx)}
	// First of all, in the first workflow task: check-ins begun before the baseline replay
	// without its marker and keep asking each change.
	w.ver = Baseline.Begin(ctx)
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	opsattr.Watch(ctx, w.ver, "checkin", w.ops)
	return w.run(ctx)
}

func (w *impl) setup(ctx workflow.Context) error {
	if err := w.in.Validate(); err != nil {
		return temporal.NewNonRetryableApplicationError("invalid check-in input: "+err.Error(), ErrTypeInvalidInput, nil)
	}
	// Asked before the handlers exist, so that the verdict handler knows it from its first run.
	w.localReads = w.ver.Version(ctx, changeLocalReads, workflow.DefaultVersion, 1)
	w.localReading = w.localReads >= 1
	w.await = wait.Choose(w.ver.Version(ctx, changeWaitWithin, workflow.DefaultVersion, 1) >= 1)
	w.state = State{AppointmentID: w.in.AppointmentID, Status: StatusInProgress, Step: StepReadEHR,
		Verdict: Verdict{Verdict: VerdictPending}}
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.snapshot(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, VerdictUpdateName, w.verdict); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, SelfPayUpdateName, w.handleSelfPay,
		workflow.UpdateHandlerOptions{Validator: w.validateSelfPay}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, OverrideUpdateName, w.handleOverride,
		workflow.UpdateHandlerOptions{Validator: w.validateOverride})
}

func (w *impl) run(ctx workflow.Context) (State, error) {
	w.startedAt = workflow.Now(ctx)
	if !w.loadEHR(ctx) {
		if w.cancelRequested(ctx) {
			return w.cancelled(ctx)
		}
		return w.finish(ctx, StatusFailed)
	}
	w.guards = w.ver.Version(ctx, changeGuards, workflow.DefaultVersion, 1)
	if w.guards >= 1 {
		if w.in.Override != nil {
			w.state.WindowOverride = w.in.Override
		}
		// Before any side effect: nothing is asked, written or charged for an appointment
		// that may not be checked in.
		if r := ehr.Guard(w.ehrCtx.Facts(), w.startedAt, w.in.Window(), w.in.Override != nil); r != nil {
			return w.refuse(ctx, *r)
		}
	}
	w.checkEligibility(ctx)
	if w.cancelRequested(ctx) {
		return w.cancelled(ctx)
	}
	if w.state.Verdict.Verdict != VerdictEligible && w.resolution() == "" {
		w.state.Status = StatusNeedsAttention
		w.state.Step = StepAwaitDesk
		resolved, err := w.await(ctx, w.in.AttentionTimeout(), func() bool { return w.resolution() != "" })
		if w.cancelRequested(ctx) {
			return w.cancelled(ctx)
		}
		if err != nil || !resolved {
			// Nobody resolved it: the check-in closes as it stands; the front desk sees it in
			// the list of check-ins that need attention.
			return w.finish(ctx, StatusNeedsAttention)
		}
	}
	w.state.Resolution = w.resolution()
	w.state.Status = StatusInProgress
	if r := w.arrive(ctx); r != nil {
		// The appointment changed since it was read (cancelled, rescheduled, declined): the
		// check-in stops before the Encounter, the copay and the text. The copay is only ever
		// authorized after a successful write-back, so nothing is charged.
		w.state.FailureCode = "appointment-changed"
		return w.refuse(ctx, *r)
	}
	if w.cancelRequested(ctx) {
		return w.cancelled(ctx)
	}
	w.collectCopay(ctx)
	w.notifyPatient(ctx)
	return w.finish(ctx, StatusCompleted)
}

// resolution names how the front desk resolved the check-in, if it did.
func (w *impl) resolution() string {
	switch {
	case w.selfPay != nil:
		return "self-pay"
	case w.override != nil:
		return "override"
	}
	return ""
}

// loadEHR reads the appointment, patient and coverage; false means the check-in cannot go on.
func (w *impl) loadEHR(ctx workflow.Context) bool {
	c, err := w.callLoadCheckIn(ctx)
	if err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == ehr.ErrTypeNotFound {
			w.notFound = true
			w.state.FailureCode = "not-found"
			w.state.Verdict = Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{"appointment or patient not found in the EHR"}}
		} else {
			w.state.FailureCode = "ehr-unavailable"
			w.state.Verdict = Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{"the EHR could not be read"}}
		}
		return false
	}
	w.ehrCtx = &c
	return true
}

// checkEligibility asks the payer and turns the answer into the verdict. A front-desk
// resolution that arrives meanwhile cancels the inquiry: its answer no longer matters.
func (w *impl) checkEligibility(ctx workflow.Context) {
	cv := w.ver.Version(ctx, changeCoverage, workflow.DefaultVersion, 1)
	cov := w.ehrCtx.Coverage
	if cov == nil {
		reason := "no coverage on file"
		if cv >= 1 && w.ehrCtx.CoveragesOnFile > 0 {
			// Told apart from a payer that does not know the member: nobody was asked.
			reason = "no usable coverage: none of the patient's coverages is active on the appointment's date"
		}
		w.state.Verdict = Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{reason}}
		return
	}
	var used *CoverageUsed
	if cv >= 1 {
		used = usedOf(cov)
		if reason := coverageProblem(cov); reason != "" {
			w.state.Verdict = Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{reason}, Coverage: used}
			return
		}
	}
	w.state.Step = StepEligibility
	ictx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	in := eligibility.CheckInput{
		PayloadID:    w.wfID + "/eligibility",
		TraceNumber:  detid.TraceNumber(w.wfID),
		ProviderNPI:  w.in.ProviderNPI,
		ProviderName: w.in.ProviderName,
		PayerID:      cov.PayerID,
		PayerName:    cov.PayerName,
		Subscriber: eligibility.Subscriber{MemberID: cov.MemberID, FirstName: cov.SubscriberFirstName,
			LastName: cov.SubscriberLastName, BirthDate: cov.SubscriberBirthDate, Gender: cov.SubscriberGender,
			GroupNumber: cov.GroupNumber},
		ServiceDate:  workflow.Now(ctx).UTC().Format("2006-01-02"),
		ServiceTypes: []string{"30", "98"},
	}
	if cv >= 1 {
		in = w.inquiryOf(ctx, cov, "/eligibility")
	}
	var fut workflow.Future
	if w.localReads >= 1 {
		fut = w.callCheckEligibilityLocalFirst(ictx, in)
	} else {
		fut = w.callCheckEligibility(ictx, in)
	}
	if err := workflow.Await(ctx, func() bool { return fut.IsReady() || w.resolution() != "" }); err != nil {
		return
	}
	if !fut.IsReady() {
		cancel()
		w.state.Verdict = Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{"resolved by the front desk before the payer answered"}}
		return
	}
	var res eligibility.CheckResult
	err := fut.Get(ctx, &res)
	v := verdictOf(res, err, w.in.PayerWindow())
	v.Coverage = used
	w.state.Verdict = v
	if cv >= 1 {
		w.checkSecondary(ctx)
	}
}

// inquiryOf builds the inquiry about cov; step keeps the primary's and the secondary's
// PayloadIDs and trace numbers apart. The service date is the appointment's.
func (w *impl) inquiryOf(ctx workflow.Context, cov *ehr.Coverage, step string) eligibility.CheckInput {
	date := workflow.Now(ctx).UTC().Format("2006-01-02")
	if t, err := time.Parse(time.RFC3339, w.ehrCtx.AppointmentStart); err == nil {
		date = t.Format("2006-01-02")
	}
	trace := detid.TraceNumber(w.wfID)
	if step != "/eligibility" {
		trace = detid.TraceNumber(w.wfID + step)
	}
	in := eligibility.CheckInput{
		PayloadID: w.wfID + step, TraceNumber: trace, ProviderNPI: w.in.ProviderNPI, ProviderName: w.in.ProviderName,
		PayerID: cov.PayerID, PayerName: cov.PayerName,
		Subscriber: eligibility.Subscriber{MemberID: cov.MemberID, FirstName: cov.SubscriberFirstName,
			LastName: cov.SubscriberLastName, BirthDate: cov.SubscriberBirthDate, Gender: cov.SubscriberGender,
			GroupNumber: cov.GroupNumber},
		ServiceDate: date, ServiceTypes: []string{"30", "98"},
	}
	if d := cov.Dependent; d != nil {
		in.Dependent = &eligibility.Dependent{FirstName: d.FirstName, LastName: d.LastName, BirthDate: d.BirthDate,
			Gender: d.Gender, Relationship: d.Relationship}
	}
	return in
}

// checkSecondary asks about the secondary coverage in the background, once the primary's
// verdict is known, so that the verdict is never delayed by it; finish waits for it.
func (w *impl) checkSecondary(ctx workflow.Context) {
	sec := w.ehrCtx.SecondaryCoverage
	if sec == nil {
		return
	}
	used := usedOf(sec)
	w.state.Secondary = &SecondaryCheck{Status: SecondaryChecking, Verdict: Verdict{Verdict: VerdictPending, Coverage: used}}
	if reason := coverageProblem(sec); reason != "" {
		w.state.Secondary = &SecondaryCheck{Status: SecondaryDone,
			Verdict: Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{reason}, Coverage: used}}
		return
	}
	fut := w.callCheckEligibility(ctx, w.inquiryOf(ctx, sec, "/eligibility-secondary"))
	w.secondaryPending = true
	workflow.Go(ctx, func(gctx workflow.Context) {
		var res eligibility.CheckResult
		err := fut.Get(gctx, &res)
		v := verdictOf(res, err, w.in.PayerWindow())
		v.Coverage = used
		w.state.Secondary = &SecondaryCheck{Status: SecondaryDone, Verdict: v}
		w.secondaryPending = false
	})
}

// usedOf names a coverage in the verdict.
func usedOf(c *ehr.Coverage) *CoverageUsed {
	return &CoverageUsed{CoverageID: c.CoverageID, PayerID: c.PayerID, PayerName: c.PayerName, MemberID: c.MemberID,
		Order: c.Order, Dependent: c.Dependent != nil}
}

// coverageProblem says why a coverage cannot be asked about, "" when it can.
func coverageProblem(c *ehr.Coverage) string {
	switch c.Problem {
	case ehr.ProblemSubscriberUnreadable:
		return "the coverage's subscriber could not be read in the EHR, so the payer was not asked"
	case ehr.ProblemPayerUnmapped:
		return "the coverage's payer has no clearinghouse payer id (CHECKIN_PAYER_ID_SYSTEM, CHECKIN_PAYER_CROSSWALK), so the payer was not asked"
	}
	return ""
}

// verdictOf maps the eligibility outcome to the verdict the front desk sees.
func verdictOf(res eligibility.CheckResult, err error, window time.Duration) Verdict {
	if err != nil {
		var appErr *temporal.ApplicationError
		switch {
		case errors.As(err, &appErr) && appErr.Type() == eligibility.ErrTypeMalformed:
			var d eligibility.MalformedDetail
			_ = appErr.Details(&d)
			return Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{"the payer's response could not be read: " + d.Reason}}
		case errors.As(err, &appErr) && appErr.Type() == eligibility.ErrTypeRejected:
			return Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{"the clearinghouse rejected the inquiry: " + appErr.Message()}}
		default:
			return Verdict{Verdict: VerdictNeedsAttention, Reasons: []string{fmt.Sprintf("the payer did not answer within %s", window)}}
		}
	}
	v := Verdict{PlanName: res.PlanName, CopayAmount: res.CopayAmount, CoinsurancePercent: res.CoinsurancePercent,
		DeductibleRemaining: res.DeductibleRemaining, Currency: CopayCurrency}
	switch {
	case len(res.Rejections) > 0:
		v.Verdict = VerdictNeedsAttention
		for _, r := range res.Rejections {
			v.Reasons = append(v.Reasons, fmt.Sprintf("payer rejection %s: %s", r.Code, r.Meaning))
		}
	case !res.Active:
		v.Verdict = VerdictInactive
		v.Reasons = []string{"coverage is not active"}
	default:
		v.Verdict = VerdictEligible
	}
	return v
}

// refuse ends a check-in the guards refuse: the verdict update answers with the refusal and the
// workflow fails with ErrTypeRefused, so that a later request starts a fresh check-in.
func (w *impl) refuse(ctx workflow.Context, r ehr.Refusal) (State, error) {
	w.state.Refusal = &r
	w.state.Verdict = Verdict{Verdict: VerdictRefused, Reasons: []string{r.Detail}}
	st, _ := w.finish(ctx, StatusRefused)
	return st, temporal.NewNonRetryableApplicationError("check-in refused: "+r.Code, ErrTypeRefused, nil, r)
}

// arrive marks the appointment arrived and opens the Encounter. EHR trouble is recorded but
// does not stop the copay or the SMS: staff can fix the chart; the patient is here. A refusal
// at the write-back (the appointment changed) is returned: it stops the check-in.
func (w *impl) arrive(ctx workflow.Context) *ehr.Refusal {
	w.state.Step = StepArrive
	if w.ver.Version(ctx, changeLocalArrival, workflow.DefaultVersion, 1) >= 1 {
		w.localArrival = true
		w.newTaskForArrival(ctx)
	}
	in := ehr.MarkArrivedInput{AppointmentID: w.in.AppointmentID}
	if w.guards >= 1 {
		in.Guard = &ehr.ArrivalGuard{CheckedInAt: w.startedAt, Window: w.in.Window(), WindowOverridden: w.in.Override != nil}
	}
	if _, err := w.callMarkArrived(ctx, in); err != nil {
		var appErr *temporal.ApplicationError
		var r ehr.Refusal
		if w.guards >= 1 && errors.As(err, &appErr) && appErr.Type() == ehr.ErrTypeRefused && appErr.Details(&r) == nil {
			return &r
		}
		w.state.FailureCode = "mark-arrived-failed"
		w.logger.Warn("Marking the appointment arrived failed")
		return nil
	}
	w.state.Arrived = true
	enc, err := w.callCreateEncounter(ctx)
	if err != nil {
		w.state.FailureCode = "encounter-failed"
		w.logger.Warn("Creating the encounter failed")
		return nil
	}
	w.state.EncounterID = enc.EncounterID
	return nil
}

// collectCopay starts the payments process for the copay as a child workflow that captures
// automatically and outlives the check-in (its refund window is months long).
func (w *impl) collectCopay(ctx workflow.Context) {
	amount, method, source := w.copayToCharge()
	if amount <= 0 || method == "" {
		return
	}
	w.state.Step = StepCopay
	pid := CopayPaymentID(w.in.AppointmentID)
	w.state.Copay = &Copay{PaymentID: pid, Amount: amount, Currency: CopayCurrency, Source: source}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: payments.WorkflowID(pid),
		TaskQueue:  payments.TaskQueue,
		// The copay stays open for refunds long after the check-in has completed.
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	child := workflow.ExecuteChildWorkflow(cctx, payments.WorkflowName, payments.Input{
		PaymentID: pid, Amount: amount, Currency: CopayCurrency, CustomerRef: w.wfID, PaymentMethod: method,
		Description: "copay", AutoCapture: true,
	})
	var exec workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		if !errors.As(err, &started) {
			w.state.FailureCode = "copay-not-started"
			w.logger.Warn("Starting the copay payment failed")
			return
		}
	}
	w.state.Copay.Started = true
}

// copayToCharge decides amount, payment method and source of the copay.
func (w *impl) copayToCharge() (int64, string, string) {
	switch {
	case w.selfPay != nil:
		return w.selfPay.Amount, w.selfPay.PaymentMethod, "self-pay"
	case !w.in.CollectCopay:
		return 0, "", ""
	case w.override != nil && w.override.CopayAmount != nil:
		return *w.override.CopayAmount, w.in.PaymentMethod, "override"
	case w.state.Verdict.Verdict == VerdictEligible && w.state.Verdict.CopayAmount != nil:
		return *w.state.Verdict.CopayAmount, w.in.PaymentMethod, "payer"
	}
	return 0, "", ""
}

// notifyPatient tells the patient they are checked in; the text holds the first name and the
// time only.
func (w *impl) notifyPatient(ctx workflow.Context) {
	if !w.in.NotifyPatient {
		return
	}
	if w.ver.Version(ctx, changeNotify, workflow.DefaultVersion, 1) >= 1 {
		w.notifyThroughNotifications(ctx)
		return
	}
	if w.ehrCtx.PatientMobile == "" {
		// Only the state changes here (no command), so running executions replay unchanged.
		w.state.NotNotified = NotNotifiedNoMobile
		return
	}
	w.state.Step = StepNotifyPatient
	_, err := w.callSendSMS(ctx, sms.SendInput{
		To: w.ehrCtx.PatientMobile, Body: checkInText(w.ehrCtx.PatientFirstName, w.ehrCtx.AppointmentStart, w.ehrCtx.PatientLanguage),
		Reference: w.wfID + "/sms",
	})
	if err != nil {
		w.state.FailureCode = "sms-failed"
		return
	}
	w.state.SMSSent = true
}

// notifyThroughNotifications starts the check-in confirmation as a child notification and
// waits for its outcome, so the state says whether the patient was told and if not why
// (opted out, no current mobile or email, expired in quiet hours). The check-in stays open
// meanwhile: at most NotifyExpiry plus the delivery wait.
func (w *impl) notifyThroughNotifications(ctx workflow.Context) {
	w.state.Step = StepNotifyPatient
	id := NotificationID(w.in.AppointmentID)
	w.state.Notification = &notifications.Outcome{NotificationID: id, Status: notifications.StatusSending}
	fut := notifications.StartChild(ctx, notifications.Input{
		NotificationID: id, PatientID: w.ehrCtx.PatientID, Scenario: templates.CheckInConfirmation,
		At: w.ehrCtx.AppointmentStart, DeliveryWait: NotifyDeliveryWait,
		ExpiresAt: workflow.Now(ctx).Add(NotifyExpiry),
	})
	o := notifications.AwaitChild(ctx, id, fut)
	w.state.Notification = &o
	w.state.SMSSent = o.TextSent()
	w.state.NotNotified = o.NotNotified
	if o.Status == notifications.OutcomeFailed {
		w.state.FailureCode = "notification-failed"
	}
}

// checkInText is the patient's SMS in their preferred language: first name and appointment
// time, nothing else (the template's data struct has no other field).
func checkInText(firstName, start, lang string) string {
	data := templates.CheckInConfirmationData{FirstName: firstName}
	// The time is formatted in the appointment's own offset, as the EHR wrote it: deterministic.
	if t, err := time.Parse(time.RFC3339, start); err == nil {
		data.Time = templates.FormatTime(t, lang)
	}
	// text/template ranges over maps while parsing its function table (order-free) and sorts map
	// keys when executing; these structs hold strings only, so the text is deterministic.
	text, err := templates.Render(templates.CheckInConfirmation, lang, data) //workflowcheck:ignore
	if err != nil {
		// Unreachable once templates.Check passed at start-up; a plain sentence beats no text.
		return "You are checked in. Please have a seat; we will call you shortly."
	}
	return text
}

// endLocalReads records that the verdict path's local reads are over, so that the verdict
// update starts its own wait.
func (w *impl) endLocalReads() { w.localReading = false }

// finish lets running handlers complete and returns the summary.
func (w *impl) finish(ctx workflow.Context, status string) (State, error) {
	w.state.Status = status
	w.endLocalReads()
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !w.secondaryPending })
	w.state.Step = StepDone
	w.state.Closed = true
	return w.snapshot(), nil
}

// snapshot is what queries, updates and the workflow's result return: a copy of the live state
// that shares nothing with it, so a caller never sees a later change half made.
func (w *impl) snapshot() State {
	s := w.state
	s.Verdict.Reasons = slices.Clone(s.Verdict.Reasons)
	if s.Secondary != nil {
		sec := *s.Secondary
		sec.Verdict.Reasons = slices.Clone(sec.Verdict.Reasons)
		s.Secondary = &sec
	}
	if s.Copay != nil {
		c := *s.Copay
		s.Copay = &c
	}
	if s.Notification != nil {
		n := *s.Notification
		s.Notification = &n
	}
	return s
}
