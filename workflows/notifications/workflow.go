package notifications

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/opsattr"

	emailact "github.com/careflow/engine/activities/email"
	notifyact "github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/workflows/internal/baseline"
)

// Notification sends one notification to one patient: at SendAt, outside the patient's quiet
// hours (unless critical), within the per-patient rate limit, on the first channel the
// preferences, the chart's current contact points and the opt-outs allow, falling back to the
// next channel when a text is refused, opted out, undelivered or failed.
func Notification(ctx workflow.Context, in Input) (State, error) {
	w := &impl{in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		state: State{Status: StatusScheduled, Attempts: []Attempt{}}}
	// First of all, in the first workflow task: runs begun before the baseline replay without
	// its marker and keep asking each change.
	w.ver = Baseline.Begin(ctx)
	if err := w.setup(ctx); err != nil {
		return w.state, err
	}
	opsattr.Watch(ctx, w.ver, "notification", w.ops)
	w.run(ctx)
	return w.state, nil
}

// Baseline (change "notification-baseline", version 1) stands for ChangeAccountRate and the
// operator attributes' change at the versions new notifications took: one version marker and
// one TemporalChangeVersion upsert instead of two (see workflows/internal/baseline).
var Baseline = baseline.Baseline{ID: "notification-baseline", Covers: map[string]workflow.Version{
	ChangeAccountRate: 1, opsattr.ChangeID: 1,
}}

type impl struct {
	in       Input
	wfID     string
	state    State
	statuses workflow.ReceiveChannel
	// seen holds delivery statuses received so far by SID, latest last.
	seen map[string][]string
	// expired is set when a deferral would pass Input.ExpiresAt.
	expired bool
	// smsQueue and emailQueue are the send activities' task queues: the vendor-account queues
	// since ChangeAccountRate, "" (the workflow's own) before.
	smsQueue, emailQueue string
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
}

// channel is one way to reach the recipient, in the order they are tried.
type channel struct {
	name, address string
}

func (w *impl) setup(ctx workflow.Context) error {
	if err := validate(w.in); err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "InvalidNotification", nil)
	}
	w.seen = map[string][]string{}
	w.statuses = workflow.GetSignalChannel(ctx, DeliveryStatusSignalName)
	return workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.state, nil })
}

func validate(in Input) error {
	switch {
	case in.NotificationID == "" || in.PatientID == "":
		return errors.New("notificationId and patientId are required")
	case in.Scenario == templates.CriticalPage || templates.DataType(in.Scenario) == nil:
		return errors.New("scenario is not a patient notification")
	}
	return nil
}

func (w *impl) run(ctx workflow.Context) {
	if w.ver.Version(ctx, ChangeAccountRate, workflow.DefaultVersion, 1) >= 1 {
		w.smsQueue, w.emailQueue = SMSSendTaskQueue, EmailSendTaskQueue
	}
	if d := w.in.SendAt.Sub(workflow.Now(ctx)); !w.in.SendAt.IsZero() && d > 0 {
		w.state.DeferredTo = w.in.SendAt
		if err := workflow.Sleep(ctx, d); err != nil {
			return
		}
	}
	r, err := callResolve(ctx, w.in.PatientID)
	if err != nil {
		w.state.Status, w.state.NotNotified = StatusNotNotified, NotNotifiedFailed
		return
	}
	channels, optedOut := choose(r)
	if len(channels) == 0 {
		w.state.Status, w.state.NotNotified = StatusNotNotified, NotNotifiedNoContact
		if optedOut {
			w.state.NotNotified = NotNotifiedOptedOut
		}
		return
	}
	if !w.in.Critical && !w.wait(ctx, r.QuietHours) {
		if w.expired {
			w.state.Status, w.state.NotNotified, w.state.DeferredTo = StatusNotNotified, NotNotifiedExpired, time.Time{}
		}
		return
	}
	w.state.Status, w.state.DeferredTo = StatusSending, time.Time{}
	refusedByOptOut := true
	for _, c := range channels {
		var done, optOut bool
		if c.name == audit.ChannelSMS {
			done, optOut = w.sendSMS(ctx, c.address, r)
		} else {
			done, optOut = w.sendEmail(ctx, c.address, r)
		}
		if done {
			return
		}
		refusedByOptOut = refusedByOptOut && optOut
	}
	w.state.Status, w.state.NotNotified = StatusNotNotified, NotNotifiedFailed
	if refusedByOptOut {
		w.state.NotNotified = NotNotifiedOptedOut
	}
}

// choose orders the usable channels: the patient's order (SMS then email by default), without
// channels the patient refuses, without a current address, or whose address opted out.
// optedOut reports whether an opt-out removed a channel that had an address.
func choose(r notifyact.Recipient) (out []channel, optedOut bool) {
	order := r.Channels
	if len(order) == 0 {
		order = []string{audit.ChannelSMS, audit.ChannelEmail}
	}
	for _, name := range order {
		addr, addrOptedOut := r.Mobile, r.MobileOptedOut
		if name == audit.ChannelEmail {
			addr, addrOptedOut = r.Email, r.EmailOptedOut
		}
		if addr == "" {
			continue
		}
		if addrOptedOut || slices.Contains(r.OptedOut, name) {
			optedOut = true
			continue
		}
		out = append(out, channel{name: name, address: addr})
	}
	return out, optedOut
}

// wait defers the send past quiet hours and until a rate-limit slot is free, with durable
// timers; it reports false when the workflow is being cancelled or the deferral would pass
// Input.ExpiresAt (then w.expired is set).
func (w *impl) wait(ctx workflow.Context, quiet *audit.QuietHours) bool {
	// Zero asks ReserveSlot for the engine's configured limit (by default DefaultRateLimit per
	// DefaultRateWindow); the activity is called either way, as before that was configurable.
	limit, window := w.in.RateLimit, w.in.RateWindow
	if limit == 0 {
		window = 0
	} else if window <= 0 {
		window = DefaultRateWindow
	}
	for {
		now := workflow.Now(ctx)
		if q, until := quiet.Quiet(now); q {
			if !w.sleepUntil(ctx, until) {
				return false
			}
			continue
		}
		if limit < 0 {
			return true
		}
		slot, err := callReserve(ctx, notifyact.SlotInput{PatientID: w.in.PatientID, NotificationID: w.wfID, At: now,
			Limit: limit, Window: window})
		if err != nil || slot.Granted {
			// A store that stays down does not hold the notification back forever.
			return true
		}
		if !w.sleepUntil(ctx, slot.RetryAt) {
			return false
		}
	}
}

func (w *impl) sleepUntil(ctx workflow.Context, t time.Time) bool {
	if !w.in.ExpiresAt.IsZero() && t.After(w.in.ExpiresAt) {
		w.expired = true
		return false
	}
	w.state.Status, w.state.DeferredTo = StatusDeferred, t
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true
	}
	return workflow.Sleep(ctx, d) == nil
}

// sendSMS texts the patient and waits for Twilio's final status. done means the notification
// is finished (delivered, or sent without a final status in time); optOut that the text was
// refused because the number opted out.
func (w *impl) sendSMS(ctx workflow.Context, to string, r notifyact.Recipient) (done, optOut bool) {
	body, ok := w.text(r)
	if !ok {
		return false, false
	}
	at := workflow.Now(ctx)
	res, err := callSendSMS(ctx, w.smsQueue, sms.SendInput{To: to, Body: body, Reference: w.wfID + "/sms", PatientID: w.in.PatientID,
		TrackAs: w.wfID})
	if err != nil {
		st := "error"
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == sms.ErrTypeOptedOut {
			st, optOut = "opted-out", true
		}
		w.state.Attempts = append(w.state.Attempts, Attempt{Channel: audit.ChannelSMS, At: at, Status: st})
		return false, optOut
	}
	w.state.Attempts = append(w.state.Attempts, Attempt{Channel: audit.ChannelSMS, At: at, Status: res.Status, Ref: res.SID})
	i := len(w.state.Attempts) - 1
	w.state.Channel = audit.ChannelSMS
	wait := w.in.DeliveryWait
	if wait <= 0 {
		wait = DefaultDeliveryWait
	}
	timer := workflow.NewTimer(ctx, wait)
	timedOut := false
	for {
		final := ""
		for _, st := range w.seen[res.SID] {
			w.state.Attempts[i].Status = st
			if st == "delivered" || st == "undelivered" || st == "failed" {
				final = st
			}
		}
		switch {
		case final == "delivered":
			w.state.Status = StatusDelivered
			return true, false
		case final != "":
			return false, false // undelivered or failed: the next channel
		case timedOut:
			w.state.Status = StatusSent
			return true, false
		}
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(w.statuses, func(c workflow.ReceiveChannel, _ bool) {
			var s DeliveryStatus
			c.Receive(ctx, &s)
			w.seen[s.SID] = append(w.seen[s.SID], s.Status)
		})
		sel.AddFuture(timer, func(workflow.Future) { timedOut = true })
		sel.Select(ctx)
	}
}

// sendEmail emails the patient; the SMTP answer is the delivery status.
func (w *impl) sendEmail(ctx workflow.Context, to string, r notifyact.Recipient) (done, optOut bool) {
	body, ok := w.text(r)
	if !ok {
		return false, false
	}
	at := workflow.Now(ctx)
	res, err := callSendEmail(ctx, w.emailQueue, emailact.SendInput{To: to, Subject: subject(r.Language), Body: body,
		Reference: w.wfID + "/email", PatientID: w.in.PatientID})
	if err != nil {
		st := "error"
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			switch appErr.Type() {
			case emailact.ErrTypeOptedOut:
				st, optOut = "opted-out", true
			case emailact.ErrTypeRejected:
				st = "rejected"
			}
		}
		w.state.Attempts = append(w.state.Attempts, Attempt{Channel: audit.ChannelEmail, At: at, Status: st})
		return false, optOut
	}
	w.state.Attempts = append(w.state.Attempts, Attempt{Channel: audit.ChannelEmail, At: at, Status: res.Status, Ref: res.MessageID})
	w.state.Channel, w.state.Status = audit.ChannelEmail, StatusDelivered
	return true, false
}

// subject is the email subject line: nothing about the patient or the reason.
func subject(lang string) string {
	if templates.Language(lang) == "es" {
		return "Un mensaje de su clínica"
	}
	return "A message from your clinic"
}

// text renders the scenario's template in the patient's language with the first name and the
// event's date and time only.
func (w *impl) text(r notifyact.Recipient) (string, bool) {
	var date, clock string
	if t, err := time.Parse(time.RFC3339, w.in.At); err == nil {
		// Formatted in the event's own offset, as given: deterministic.
		date, clock = templates.FormatDate(t, r.Language), templates.FormatTime(t, r.Language)
	}
	var data any
	switch w.in.Scenario {
	case templates.CheckInConfirmation:
		data = templates.CheckInConfirmationData{FirstName: r.FirstName, Time: clock}
	case templates.CopayReceipt:
		data = templates.CopayReceiptData{FirstName: r.FirstName, Clinic: w.in.Clinic, Date: date}
	case templates.ResultsAvailable:
		data = templates.ResultsAvailableData{FirstName: r.FirstName}
	case templates.AppointmentChange:
		data = templates.AppointmentChangeData{FirstName: r.FirstName, Clinic: w.in.Clinic, Date: date, Time: clock}
	case templates.PrescriptionReady:
		data = templates.PrescriptionReadyData{FirstName: r.FirstName, Clinic: w.in.Clinic}
	case templates.ClaimBalanceDue:
		data = templates.ClaimBalanceDueData{FirstName: r.FirstName, Clinic: w.in.Clinic}
	default:
		return "", false
	}
	// text/template is deterministic over these string-only structs (see checkin.checkInText).
	s, err := templates.Render(w.in.Scenario, r.Language, data) //workflowcheck:ignore
	return s, err == nil
}
