package claims

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/internal/wait"
	"github.com/careflow/engine/workflows/opsattr"

	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/workflows/internal/baseline"
)

// Baseline (change "claim-baseline", version 1) stands for ChangeWaitWithin, ChangeBatching
// and the operator attributes' change at the versions new claims took: one version marker and
// one TemporalChangeVersion upsert instead of three (see workflows/internal/baseline). The
// results poller, a workflow of its own, still asks ChangeBatching itself.
var Baseline = baseline.Baseline{ID: "claim-baseline", Covers: map[string]workflow.Version{
	ChangeWaitWithin: 1, ChangeBatching: 1, opsattr.ChangeID: 1,
}}

// impl is one claim's execution state.
type impl struct {
	in    Input
	wfID  string
	state State
	claim x12.ProfessionalClaim

	// Inboxes filled by the signal goroutines, drained by the main loop.
	acks      []AckSignal
	claimAcks []ClaimAckSignal
	remits    []RemitSignal
	batched   []BatchedSignal
	// seenTraces are the 835 TRN02 already posted: a duplicate 835 is posted once.
	seenTraces map[string]bool

	correction    *x12.ProfessionalClaim
	voidRequested bool

	// await is every timed wait of the run: wait.Within from version 1 of ChangeWaitWithin,
	// the SDK's AwaitWithTimeout for executions started before it.
	await wait.Func
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
}

// Submission is the claim workflow: submit the 837P, wait for the 999 and the 277CA, then
// durably for the 835 (up to RemitTimeout, flagging a status inquiry on the way), post it,
// and stay open for reversals, corrections (frequency 7) and voids (frequency 8).
func Submission(ctx workflow.Context, in Input) (State, error) {
	if in.RemitTimeout <= 0 {
		in.RemitTimeout = DefaultRemitTimeout
	}
	if in.StatusInquiryAfter <= 0 || in.StatusInquiryAfter >= in.RemitTimeout {
		in.StatusInquiryAfter = min(DefaultStatusInquiryAfter, in.RemitTimeout*2/3)
	}
	w := &impl{in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID, claim: in.Claim, seenTraces: map[string]bool{}}
	// First of all, in the first workflow task: runs begun before the baseline replay without
	// its marker and keep asking each change.
	w.ver = Baseline.Begin(ctx)
	// Asked once, at one fixed point before any wait: older histories have no marker and
	// replay to DefaultVersion, the SDK's AwaitWithTimeout their timers came from.
	w.await = wait.Choose(w.ver.Version(ctx, ChangeWaitWithin, workflow.DefaultVersion, 1) >= 1)
	if w.claim.Frequency == "" {
		w.claim.Frequency = x12.FrequencyOriginal
	}
	w.state = State{PatientControlNumber: in.Claim.PatientControlNumber, Status: StatusSubmitting, Step: "submit",
		Frequency: w.claim.Frequency}
	if err := w.setup(ctx); err != nil {
		return w.state, err
	}
	opsattr.Watch(ctx, w.ver, "claim", w.ops)
	err := w.run(ctx)
	// Updates accepted just before the end finish before the workflow closes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return w.state, err
}

// setup registers the query, the signal receivers and the updates.
func (w *impl) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.state, nil }); err != nil {
		return err
	}
	receive := func(name string, add func(workflow.ReceiveChannel, workflow.Context)) {
		ch := workflow.GetSignalChannel(ctx, name)
		workflow.Go(ctx, func(gctx workflow.Context) {
			for {
				add(ch, gctx)
			}
		})
	}
	receive(AckSignalName, func(ch workflow.ReceiveChannel, c workflow.Context) {
		var s AckSignal
		ch.Receive(c, &s)
		w.acks = append(w.acks, s)
	})
	receive(ClaimAckSignalName, func(ch workflow.ReceiveChannel, c workflow.Context) {
		var s ClaimAckSignal
		ch.Receive(c, &s)
		w.claimAcks = append(w.claimAcks, s)
	})
	receive(BatchedSignalName, func(ch workflow.ReceiveChannel, c workflow.Context) {
		var s BatchedSignal
		ch.Receive(c, &s)
		w.batched = append(w.batched, s)
	})
	receive(RemitSignalName, func(ch workflow.ReceiveChannel, c workflow.Context) {
		var s RemitSignal
		ch.Receive(c, &s)
		w.remits = append(w.remits, s)
	})
	if err := workflow.SetUpdateHandlerWithOptions(ctx, CorrectUpdateName,
		func(ctx workflow.Context, u CorrectUpdate) (State, error) {
			c := u.Claim
			w.correction = &c
			w.state.Step = "correction-queued"
			return w.state, nil
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, u CorrectUpdate) error {
			switch {
			case !w.open(StatusNeedsCorrection, StatusAwaitingRemittance, StatusPaid, StatusPartiallyPaid, StatusDenied):
				return rejected("the claim cannot be corrected in status " + w.state.Status)
			case w.correction != nil || w.voidRequested:
				return rejected("a correction or void is already queued")
			case u.Claim.PatientControlNumber != w.state.PatientControlNumber:
				return rejected("the patient control number must stay the same")
			}
			if ce := Validate(u.Claim, workflow.Now(ctx)); ce != nil {
				// The rules' text names fields and rules, never values.
				return rejected(ce.Error())
			}
			return nil
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, VoidUpdateName,
		func(ctx workflow.Context, _ VoidUpdate) (State, error) {
			w.voidRequested = true
			w.state.Step = "void-queued"
			return w.state, nil
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, _ VoidUpdate) error {
			if !w.open(StatusNeedsCorrection, StatusAwaitingRemittance, StatusPaid, StatusPartiallyPaid, StatusDenied) {
				return rejected("the claim cannot be voided in status " + w.state.Status)
			}
			if w.correction != nil || w.voidRequested {
				return rejected("a correction or void is already queued")
			}
			return nil
		}})
}

// rejected is a validator's refusal: an application error of ErrTypeRejected, which the API
// answers with 422 and the message (fixed texts naming statuses, fields and rules only).
// Refusals write nothing to history, so their type can change without a version.
func rejected(msg string) error {
	return temporal.NewApplicationError(msg, ErrTypeRejected)
}

// open reports whether the status is one of statuses.
func (w *impl) open(statuses ...string) bool {
	for _, s := range statuses {
		if w.state.Status == s {
			return true
		}
	}
	return false
}

// setStatus changes the status and publishes it in the search attribute.
func (w *impl) setStatus(ctx workflow.Context, status, step string) {
	w.state.Status, w.state.Step = status, step
	if w.in.StatusSearchAttribute == "" {
		return
	}
	key := temporal.NewSearchAttributeKeyKeyword(w.in.StatusSearchAttribute)
	if err := workflow.UpsertTypedSearchAttributes(ctx, key.ValueSet(status)); err != nil {
		workflow.GetLogger(ctx).Warn("claim status search attribute not updated", "error", err)
	}
}

// run submits and follows the claim until it is settled and its window closed.
func (w *impl) run(ctx workflow.Context) error {
	for {
		if err := w.submit(ctx); err != nil {
			return nil
		}
		accepted, done := w.awaitAcks(ctx)
		if done {
			return nil
		}
		if !accepted {
			if !w.awaitCorrection(ctx) {
				return nil
			}
			continue
		}
		if w.claim.Frequency == x12.FrequencyVoid {
			w.setStatus(ctx, StatusVoided, "done")
			return nil
		}
		if !w.awaitRemittance(ctx) {
			return nil
		}
	}
}

// submit allocates a control number and sends the claim; a claim the clearinghouse refuses
// for good ends the workflow as failed.
func (w *impl) submit(ctx workflow.Context) error {
	w.setStatus(ctx, StatusSubmitting, "submit")
	w.state.Frequency = w.claim.Frequency
	// Acknowledgments received so far answer earlier submissions: a late 277CA of the
	// rejected claim must not be taken for the corrected one's.
	w.acks, w.claimAcks = nil, nil
	var control int64
	var set string
	var err error
	if w.ver.Version(ctx, ChangeBatching, workflow.DefaultVersion, 1) >= 1 && w.in.BatchWindow > 0 {
		control, set, err = w.submitBatched(ctx)
	} else {
		control, err = w.callAllocate(ctx)
		if err == nil {
			_, err = w.callSubmit(ctx, control, w.claim)
		}
	}
	if err != nil {
		w.state.Error = errorType(err)
		w.setStatus(ctx, StatusFailed, "done")
		return err
	}
	w.state.ControlNumber, w.state.SetControlNumber = control, set
	w.state.Submissions++
	w.state.Reasons = nil
	w.setStatus(ctx, StatusAwaiting999, "await-999")
	return nil
}

// errBatch is a claim the batcher could not send; its type names why.
type errBatch struct{ typ string }

func (e errBatch) Error() string { return "batch: " + e.typ }

// submitBatched hands the claim to the batcher and waits for the interchange and
// transaction set it went out in.
func (w *impl) submitBatched(ctx workflow.Context) (int64, string, error) {
	// The key derives from the business key, not the run's ID, so a replay under another
	// workflow ID (the replayer's) matches the recorded answer.
	key := WorkflowID(w.state.PatientControlNumber) + "/submit/" + strconv.Itoa(w.state.Submissions)
	w.state.Step = "batching"
	if err := w.callReady(ctx, ReadySignal{WorkflowID: w.wfID, Claim: w.claim, PayloadKey: key, Window: w.in.BatchWindow}); err != nil {
		return 0, "", err
	}
	var got *BatchedSignal
	found := func() bool {
		for i := range w.batched {
			if w.batched[i].PayloadKey == key {
				got = &w.batched[i]
				return true
			}
		}
		return false
	}
	// The batcher sends within the window plus its own submission limit (a day).
	ok, _ := w.await(ctx, w.in.BatchWindow+25*time.Hour, found)
	w.batched = nil
	switch {
	case !ok:
		return 0, "", errBatch{"batch-timeout"}
	case got.Error != "":
		return 0, "", errBatch{got.Error}
	}
	return got.ControlNumber, got.SetControlNumber, nil
}

// errorType names an activity failure by its type, never its text.
func errorType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() != "" {
		return ae.Type()
	}
	var be errBatch
	if errors.As(err, &be) {
		return be.typ
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "timeout"
	}
	return "activity-failed"
}

// awaitAcks waits for the 999 of the current interchange and then the 277CA. accepted is
// false when either rejected the claim (status needs-correction); done when nothing came in
// time.
func (w *impl) awaitAcks(ctx workflow.Context) (accepted, done bool) {
	// A late 999 of an earlier interchange says nothing about this one.
	current := func() int {
		for i, a := range w.acks {
			if a.GroupControlNumber == w.state.ControlNumber &&
				(a.SetControlNumber == "" || w.state.SetControlNumber == "" || a.SetControlNumber == w.state.SetControlNumber) {
				return i
			}
		}
		return -1
	}
	ok, _ := w.await(ctx, w.in.RemitTimeout, func() bool { return current() >= 0 })
	var ack AckSignal
	if ok {
		i := current()
		ack, w.acks = w.acks[i], w.acks[i+1:]
	}
	if !ok {
		w.setStatus(ctx, StatusNoRemittance, "999-timeout")
		return false, true
	}
	if !ack.Accepted {
		w.state.Reasons = ack.Reasons
		w.setStatus(ctx, StatusNeedsCorrection, "await-correction")
		return false, false
	}
	w.setStatus(ctx, StatusAwaiting277CA, "await-277ca")
	for {
		ok, _ := w.await(ctx, w.in.RemitTimeout, func() bool { return len(w.claimAcks) > 0 })
		if !ok {
			w.setStatus(ctx, StatusNoRemittance, "277ca-timeout")
			return false, true
		}
		ca := w.claimAcks[0]
		w.claimAcks = w.claimAcks[1:]
		switch {
		case ca.Rejected:
			w.state.Reasons = ca.Reasons
			w.setStatus(ctx, StatusNeedsCorrection, "await-correction")
			return false, false
		case ca.Accepted:
			if ca.PayerClaimControlNumber != "" {
				w.state.PayerClaimControlNumber = ca.PayerClaimControlNumber
			}
			return true, false
		}
		// A pending category (neither accepted nor rejected): a final 277CA follows.
	}
}

// awaitCorrection waits in needs-correction for a correction or a void. It reports whether
// to submit again.
func (w *impl) awaitCorrection(ctx workflow.Context) bool {
	ok, _ := w.await(ctx, w.in.RemitTimeout, func() bool { return w.correction != nil || w.voidRequested })
	if !ok {
		return false // stays needs-correction: the clinic let it lapse
	}
	return w.takeAction(ctx)
}

// takeAction turns a queued correction or void into the next submission; it reports
// whether there is one to send. A claim the payer never accepted is replaced by a new
// original (frequency 1) and voided without sending anything.
func (w *impl) takeAction(ctx workflow.Context) bool {
	ccn := w.state.PayerClaimControlNumber
	if w.voidRequested {
		w.voidRequested = false
		if ccn == "" {
			w.setStatus(ctx, StatusVoided, "done")
			return false
		}
		w.claim.Frequency, w.claim.PayerClaimControlNumber = x12.FrequencyVoid, ccn
		return true
	}
	w.claim = *w.correction
	w.correction = nil
	if ccn != "" {
		w.claim.Frequency, w.claim.PayerClaimControlNumber = x12.FrequencyReplacement, ccn
	} else {
		w.claim.Frequency, w.claim.PayerClaimControlNumber = x12.FrequencyOriginal, ""
	}
	return true
}

// awaitRemittance waits for 835s, corrections and voids. Without any 835 the claim is
// flagged for a status inquiry at StatusInquiryAfter and given up at RemitTimeout; once
// posted it stays open RemitTimeout after the last posting for reversals. It reports
// whether to submit again.
func (w *impl) awaitRemittance(ctx workflow.Context) bool {
	w.setStatus(ctx, StatusAwaitingRemittance, "await-835")
	start := workflow.Now(ctx)
	deadline := start.Add(w.in.RemitTimeout)
	for {
		wait := deadline.Sub(workflow.Now(ctx))
		reminder := false
		if w.state.Status == StatusAwaitingRemittance && !w.state.StatusInquiryDue {
			if untilInquiry := start.Add(w.in.StatusInquiryAfter).Sub(workflow.Now(ctx)); untilInquiry < wait {
				wait, reminder = untilInquiry, true
			}
		}
		ok, _ := w.await(ctx, max(wait, 0), func() bool {
			return len(w.remits) > 0 || w.correction != nil || w.voidRequested
		})
		switch {
		case !ok && reminder:
			// No 835 within the payer's usual time: a 276/277 status inquiry is due.
			w.state.StatusInquiryDue = true
			w.state.Step = "status-inquiry-due"
		case !ok:
			if w.state.Status == StatusAwaitingRemittance {
				w.setStatus(ctx, StatusNoRemittance, "done")
			} else {
				w.state.Step = "done"
			}
			return false
		case len(w.remits) > 0:
			r := w.remits[0]
			w.remits = w.remits[1:]
			if w.post(ctx, r) {
				deadline = workflow.Now(ctx).Add(w.in.RemitTimeout)
			}
		default:
			return w.takeAction(ctx)
		}
	}
}

// post applies one 835 part unless its trace was posted already; it reports whether it did.
func (w *impl) post(ctx workflow.Context, r RemitSignal) bool {
	if r.Trace == "" || w.seenTraces[r.Trace] || len(r.Claims) == 0 {
		return false
	}
	w.seenTraces[r.Trace] = true
	p := &w.state.Posting
	var last *ClaimPosting
	var paid int64
	reversal := false
	for i := range r.Claims {
		c := r.Claims[i]
		p.Charge += c.Charge
		p.Paid += c.Paid
		p.PatientResponsibility += c.PatientResponsibility
		paid += c.Paid
		p.Adjustments = append(p.Adjustments, c.Adjustments...)
		for _, l := range c.Lines {
			p.Adjustments = append(p.Adjustments, l.Adjustments...)
		}
		if c.Status == x12.ClaimStatusReversal {
			reversal = true
			continue
		}
		last = &c
	}
	var plb int64
	for _, a := range r.ProviderAdjustments {
		plb += a.Amount
	}
	pay := Payment{Trace: r.Trace, Method: r.PaymentMethod, Date: r.PaymentDate, Paid: paid, Reversal: reversal, PLBTotal: plb}
	if last == nil {
		// A reversal alone: the payment is taken back and a new adjudication follows.
		pay.ClaimStatus = x12.ClaimStatusReversal
		w.state.Payments = append(w.state.Payments, pay)
		p.Last = nil
		w.setStatus(ctx, StatusAwaitingRemittance, "reversed")
		return true
	}
	pay.ClaimStatus = last.Status
	w.state.Payments = append(w.state.Payments, pay)
	p.Last = last
	if last.PayerClaimControlNumber != "" {
		w.state.PayerClaimControlNumber = last.PayerClaimControlNumber
	}
	switch {
	case last.Status == x12.ClaimStatusDenied || p.Paid <= 0:
		w.setStatus(ctx, StatusDenied, "posted")
	case p.Paid >= last.Charge:
		w.setStatus(ctx, StatusPaid, "posted")
	default:
		w.setStatus(ctx, StatusPartiallyPaid, "posted")
	}
	w.collectBalance(ctx)
	return true
}
