package prescriptions

import (
	"errors"
	"strconv"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/internal/wait"
	"github.com/careflow/engine/workflows/opsattr"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/erxcheck"
	"github.com/careflow/engine/workflows/internal/baseline"
)

// Register registers the prescription workflow under its contract name.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Prescription, workflow.RegisterOptions{Name: WorkflowName})
}

// Baseline (change "prescription-baseline", version 1) stands for V2ChangeID, WaitWithinChangeID
// and the operator attributes' change at the versions new prescriptions took: one version marker
// and one TemporalChangeVersion upsert instead of three (see workflows/internal/baseline).
var Baseline = baseline.Baseline{ID: "prescription-baseline", Covers: map[string]workflow.Version{
	V2ChangeID: 1, WaitWithinChangeID: 1, opsattr.ChangeID: 1,
}}

// impl is one prescription's workflow state.
type impl struct {
	in     Input
	wfID   string
	logger log.Logger
	state  State
	rx     ehr.PrescriptionContext
	// base is the status without pending requests or a pending cancel (sent, filled, ...).
	base string
	// sent maps the MessageIDs the engine sent to their type, to match RelatesToMessageID.
	sent map[string]string
	// seen holds the MessageIDs of pharmacy messages already processed (deduplication).
	seen map[string]bool
	// requests are the pending change and renewal requests by MessageID.
	requests map[string]*ncpdp.Message
	inbox    []PharmacySignal
	// events counts handled updates, so the follow window restarts after each.
	events   int
	released bool
	cancels  int
	// version is V2ChangeID's version: DefaultVersion replays executions started before it.
	version workflow.Version
	// await is the review and follow waits: wait.Within from version 1 of WaitWithinChangeID,
	// the SDK's AwaitWithTimeout for executions started before it.
	await wait.Func
	// current is the MedicationRequest an approved change or renewal wrote (version 1); ""
	// means the one the prescription was started from.
	current string
	// mu serializes side effects of the main loop and of update handlers (EHR writes and
	// pharmacy messages), so the EHR's status follows the order of events.
	mu workflow.Mutex
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
}

// Prescription sends one EHR MedicationRequest to the pharmacy as an NCPDP NewRx after the
// pre-send checks, then follows it: change and renewal requests answered by the prescriber,
// fills written back to the EHR, and cancellation.
func Prescription(ctx workflow.Context, in Input) (State, error) {
	if err := in.Validate(); err != nil {
		return State{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidInput, nil)
	}
	// MessageIDs and EHR keys derive from the business key, not the execution's ID, so they
	// are the same in every replay (a replayer runs the history under another workflow ID).
	w := &impl{in: in, wfID: WorkflowID(in.PrescriptionID), logger: workflow.GetLogger(ctx),
		state: InitialState(in), sent: map[string]string{}, seen: map[string]bool{},
		requests: map[string]*ncpdp.Message{}, mu: workflow.NewMutex(ctx)}
	// First of all, in the first workflow task: runs begun before the baseline replay without
	// its marker and keep asking each change.
	w.ver = Baseline.Begin(ctx)
	if err := w.setup(ctx); err != nil {
		return w.state, err
	}
	opsattr.Watch(ctx, w.ver, "prescription", w.ops)
	w.run(ctx)
	w.state.Step, w.state.Closed = StepDone, true
	// Updates still running (a response being sent) finish before the workflow closes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return w.state, nil
}

// setup registers the query, the updates and the pharmacy signal.
func (w *impl) setup(ctx workflow.Context) error {
	// One fixed point, before any command: old histories have no marker and replay to
	// DefaultVersion.
	w.version = w.ver.Version(ctx, V2ChangeID, workflow.DefaultVersion, 1)
	w.await = wait.Choose(w.ver.Version(ctx, WaitWithinChangeID, workflow.DefaultVersion, 1) >= 1)
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.state, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, OverrideUpdateName, w.handleOverride,
		workflow.UpdateHandlerOptions{Validator: w.validateOverride}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, CancelUpdateName, w.handleCancel,
		workflow.UpdateHandlerOptions{Validator: w.validateCancel}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, ApproveUpdateName,
		func(ctx workflow.Context, u DecisionUpdate) (State, error) { return w.handleDecision(ctx, u, true) },
		workflow.UpdateHandlerOptions{Validator: func(u DecisionUpdate) error { return w.validateDecision(u, true) }}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, DenyUpdateName,
		func(ctx workflow.Context, u DecisionUpdate) (State, error) { return w.handleDecision(ctx, u, false) },
		workflow.UpdateHandlerOptions{Validator: func(u DecisionUpdate) error { return w.validateDecision(u, false) }}); err != nil {
		return err
	}
	ch := workflow.GetSignalChannel(ctx, PharmacySignalName)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var s PharmacySignal
			ch.Receive(gctx, &s)
			w.inbox = append(w.inbox, s)
		}
	})
	return nil
}

// requestID is the EHR MedicationRequest the prescription's fills and statuses go to.
func (w *impl) requestID() string {
	if w.current != "" {
		return w.current
	}
	return w.in.RequestID()
}

// terminal reports a status after which nothing more happens.
func (w *impl) terminal() bool {
	switch w.base {
	case StatusCancelled, StatusFailed, StatusRefused, StatusExpired:
		return true
	}
	return false
}

// refresh derives the visible status: a pending cancel, then the oldest pending request,
// else the base status.
func (w *impl) refresh() {
	w.state.Status = w.base
	if w.terminal() {
		w.state.Pending = []PendingRequest{}
		return
	}
	switch {
	case w.state.Cancel != nil && w.state.Cancel.Status == CancelRequested:
		w.state.Status = StatusCancelRequested
	case len(w.state.Pending) > 0 && w.state.Pending[0].Kind == RequestChange:
		w.state.Status, w.state.Step = StatusChangeRequested, StepAwaitDecision
	case len(w.state.Pending) > 0:
		w.state.Status, w.state.Step = StatusRenewalRequested, StepAwaitDecision
	}
	if len(w.state.Pending) == 0 && w.state.Step == StepAwaitDecision {
		w.state.Step = StepFollow
	}
}

func (w *impl) setBase(status string) {
	w.base = status
	w.refresh()
}

func (w *impl) fail(reason string, e *NCPDPError) {
	w.state.FailureReason, w.state.Error = reason, e
	w.setBase(StatusFailed)
}

func (w *impl) run(ctx workflow.Context) {
	w.base = StatusLoading
	rx, err := w.callLoad(ctx)
	if err != nil {
		w.logger.Warn("Loading the prescription from the EHR failed", "ErrorType", errorType(err))
		w.fail(loadFailure(err), nil)
		return
	}
	w.rx = rx
	w.state.Step = StepCheck
	res, err := w.callCheck(ctx)
	if err != nil {
		w.fail("the pre-send checks could not run", nil)
		return
	}
	w.state.Verdict, w.state.Reasons = res.Verdict, res.Reasons
	switch res.Verdict {
	case erxcheck.Refused:
		var texts []string
		for _, r := range res.Reasons {
			if r.Verdict == erxcheck.Refused {
				texts = append(texts, r.Text)
			}
		}
		w.state.Refusal = strings.Join(texts, "; ")
		w.setBase(StatusRefused)
		return
	case erxcheck.NeedsReview:
		w.state.Step = StepAwaitReview
		w.setBase(StatusNeedsReview)
		ok, err := w.await(ctx, w.in.ReviewTimeout(), func() bool { return w.released || w.terminal() })
		if err != nil || w.terminal() {
			return
		}
		if !ok {
			w.setBase(StatusExpired)
			return
		}
	}
	// The lock keeps a cancel from running while the NewRx is on its way.
	if err := w.mu.Lock(ctx); err != nil {
		return
	}
	w.state.Step = StepSend
	w.setBase(StatusSending)
	_, err = w.callSendNewRx(ctx)
	if err != nil {
		w.logger.Warn("NewRx failed", "ErrorType", errorType(err))
		w.fail("the pharmacy network did not accept the prescription", ncpdpError(err))
		w.mu.Unlock()
		return
	}
	w.state.Step = StepFollow
	w.setBase(StatusSent)
	w.mu.Unlock()
	w.follow(ctx)
}

// loadFailure names why the EHR data could not make a NewRx, without any value.
func loadFailure(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case ehr.ErrTypeNotFound:
			return "the MedicationRequest or a resource it names was not found in the EHR"
		case ehr.ErrTypeUnusablePrescription:
			var element string
			if appErr.HasDetails() && appErr.Details(&element) == nil && element != "" {
				return "the EHR prescription cannot be sent: " + element + " is missing or malformed"
			}
		}
	}
	return "the EHR prescription could not be read"
}

// follow processes pharmacy messages until the prescription is cancelled or failed, or it has
// been quiet (no pending request or cancel) for the follow window.
func (w *impl) follow(ctx workflow.Context) {
	for !w.terminal() {
		events := w.events
		ok, err := w.await(ctx, w.in.FollowWindow(), func() bool {
			return len(w.inbox) > 0 || w.terminal() || w.events != events
		})
		if err != nil {
			return
		}
		if !ok && len(w.state.Pending) == 0 && (w.state.Cancel == nil || w.state.Cancel.Status != CancelRequested) {
			return
		}
		for len(w.inbox) > 0 && !w.terminal() {
			s := w.inbox[0]
			w.inbox = w.inbox[1:]
			if err := w.mu.Lock(ctx); err != nil {
				return
			}
			w.process(ctx, s)
			w.mu.Unlock()
		}
	}
}

// process applies one pharmacy message; the caller holds mu.
func (w *impl) process(ctx workflow.Context, s PharmacySignal) {
	m := s.Message
	if m == nil {
		return
	}
	h := m.Header
	if w.seen[h.MessageID] {
		w.state.Duplicates++
		return
	}
	w.seen[h.MessageID] = true
	if h.RelatesToMessageID != "" && w.sent[h.RelatesToMessageID] == "" &&
		(w.version == workflow.DefaultVersion || h.PrescriberOrderNumber != w.in.PrescriptionID) {
		// A message relating to none of this prescription's messages is matched by its
		// PrescriberOrderNumber (version 1): pharmacies relate messages to ones of their own or
		// of another system too. Matching neither, it belongs elsewhere and is not applied.
		w.logger.Warn("Pharmacy message relates to an unknown message; ignored", "Type", string(m.Type()))
		return
	}
	if w.state.RxReferenceNumber == "" && h.RxReferenceNumber != "" {
		w.state.RxReferenceNumber = h.RxReferenceNumber
	}
	b := &m.Body
	switch m.Type() {
	case ncpdp.TypeRxChangeRequest:
		p := PendingRequest{Kind: RequestChange, MessageID: h.MessageID, Code: b.RxChangeRequest.MessageRequestCode, ReceivedAt: s.ReceivedAt}
		if len(b.RxChangeRequest.MedicationRequested) > 0 {
			p.Requested = b.RxChangeRequest.MedicationRequested[0].DrugDescription
		}
		w.requests[h.MessageID] = m
		w.state.Pending = append(w.state.Pending, p)
	case ncpdp.TypeRxRenewalRequest:
		w.requests[h.MessageID] = m
		w.state.Pending = append(w.state.Pending, PendingRequest{Kind: RequestRenewal, MessageID: h.MessageID,
			Requested: b.RxRenewalRequest.MedicationPrescribed.DrugDescription, ReceivedAt: s.ReceivedAt})
	case ncpdp.TypeRxFill:
		w.fill(ctx, m, s)
	case ncpdp.TypeCancelRxResponse:
		w.cancelAnswered(ctx, b.CancelRxResponse)
	case ncpdp.TypeError:
		e := &NCPDPError{Code: b.Error.Code, DescriptionCode: b.Error.DescriptionCode, Description: b.Error.Description}
		switch w.sent[h.RelatesToMessageID] {
		case string(ncpdp.TypeNewRx):
			w.fail("the pharmacy rejected the prescription", e)
		case string(ncpdp.TypeCancelRx):
			if c := w.state.Cancel; c != nil && c.Status == CancelRequested {
				w.callSetStatus(ctx, "active")
				c.Status, c.Error = CancelFailed, e
			}
		}
	}
	w.refresh()
}

// fill records an RxFill and writes it to the EHR.
func (w *impl) fill(ctx workflow.Context, m *ncpdp.Message, s PharmacySignal) {
	f := m.Body.RxFill
	outcome := f.FillStatus.Outcome()
	med := f.MedicationPrescribed
	if f.MedicationDispensed != nil {
		med = *f.MedicationDispensed
	}
	rec := Fill{MessageID: m.Header.MessageID, Outcome: outcome, Quantity: med.Quantity.Value, ReceivedAt: s.ReceivedAt}
	var reqStatus string
	switch outcome {
	case ncpdp.FillDispensed:
		w.base = StatusFilled
		if refills, _ := strconv.Atoi(w.rx.Medication.NumberOfRefills); refills == 0 {
			reqStatus = "completed"
		}
	case ncpdp.FillPartiallyDispensed:
		w.base = StatusPartiallyFilled
	case ncpdp.FillNotDispensed:
		w.base = StatusNotDispensed
	default:
		// Transferred: the prescription lives on at another pharmacy; nothing is dispensed here.
		w.state.Fills = append(w.state.Fills, rec)
		return
	}
	res, err := w.callRecordFill(ctx, ehr.RecordFillInput{Key: w.wfID + "/fill/" + m.Header.MessageID,
		MedicationRequestID: w.requestID(), PatientID: w.rx.PatientID, Outcome: outcome, Medication: med,
		RequestStatus: reqStatus, At: s.ReceivedAt})
	if err != nil {
		w.logger.Warn("Writing the fill to the EHR failed", "ErrorType", errorType(err))
	}
	rec.MedicationDispenseID = res.MedicationDispenseID
	w.state.Fills = append(w.state.Fills, rec)
}

// cancelAnswered applies a CancelRxResponse: approved cancels (EHR cancelled); denied keeps
// the prescription active with the pharmacy's reason and restores the EHR status.
func (w *impl) cancelAnswered(ctx workflow.Context, r *ncpdp.CancelRxResponse) {
	c := w.state.Cancel
	if c == nil || c.Status != CancelRequested {
		return
	}
	// The EHR is written first and the state changed after, so a query never shows an outcome
	// the EHR does not have yet.
	if r.Response.Answer() == ncpdp.AnswerApproved {
		w.callSetStatus(ctx, "cancelled")
		c.Status = CancelApproved
		w.base = StatusCancelled
		return
	}
	// Compensation: the EHR was put on hold while the cancel was pending.
	w.callSetStatus(ctx, "active")
	c.Status = CancelDenied
	if d := r.Response.Denied; d != nil {
		c.DenialReason = d.DenialReason
		if c.DenialReason == "" && len(d.ReasonCode) > 0 {
			c.DenialReason = strings.Join(d.ReasonCode, ",")
		}
	}
}
