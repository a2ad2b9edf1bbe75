package sms

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Opt-outs and delivery tracking for notifications (#16), kept apart from the send itself:
// SendSMS calls refuseOptedOut before sending and track after Twilio answered.

// ErrTypeOptedOut means the number answered STOP (or the patient refuses SMS): nothing was
// sent and retrying cannot help. It is an outcome, "not notified: opted out", not a fault.
const ErrTypeOptedOut = "SMSOptedOut"

// NotNotifiedOptedOut is the message of the ErrTypeOptedOut error, as processes report it.
const NotNotifiedOptedOut = "not notified: opted out"

// CodeOptedOut is the audit code of a text refused because its number opted out.
const CodeOptedOut = "opted-out"

// refuseOptedOut returns the non-retryable ErrTypeOptedOut error when the number answered
// STOP (or the patient's preferences refuse SMS), so nothing is sent to it. Twilio would refuse
// the number too (error 21610), but only after the engine had tried; checking first also covers
// a number that opted out through the engine's own records. A store that cannot answer is
// transient: sending without knowing could text a number that said STOP.
func (a *Activities) refuseOptedOut(ctx context.Context, in SendInput) error {
	prefs, ok := a.Records.(audit.PreferenceStore)
	if !ok {
		return nil
	}
	out, err := audit.Refuses(ctx, prefs, audit.ChannelSMS, in.To, in.PatientID)
	if err != nil || !out {
		return err
	}
	audit.Begin(ctx, a.Records, a.Now, "twilio.send", "twilio", in.Reference).Finish(audit.OutcomeRejected, CodeOptedOut)
	return temporal.NewNonRetryableApplicationError(NotNotifiedOptedOut, ErrTypeOptedOut, nil)
}

// TrackedSender is a Sender that can put a correlation key into the message's status callback
// URL (the Twilio client's SendSMSTracked).
type TrackedSender interface {
	SendSMSTracked(ctx context.Context, to, body, ref string) (*twilio.Message, error)
}

// send sends in; a text with CallbackRef or TrackAs carries it in its status callback URL when
// the sender can, so a callback that arrives before the SID is recorded still finds its workflow.
func (a *Activities) send(ctx context.Context, in SendInput) (*twilio.Message, error) {
	if prior, err := a.sentBefore(ctx, in); err != nil || prior != nil {
		return prior, err
	}
	ref := in.CallbackRef
	if ref == "" {
		ref = in.TrackAs
	}
	if ts, ok := a.SMS.(TrackedSender); ok && ref != "" {
		return ts.SendSMSTracked(ctx, in.To, in.Body, ref)
	}
	return a.SMS.SendSMS(ctx, in.To, in.Body)
}

// track maps the message SID to in.TrackAs for status callbacks whose URL carries no key (texts
// sent before the key existed, or by a sender that cannot add it). The text is out: failing now
// would send it twice, so a lost mapping only costs such a callback.
func (a *Activities) track(ctx context.Context, in SendInput, sid string) {
	if in.TrackAs == "" || a.Records == nil || sid == "" {
		return
	}
	if err := a.Records.PutCrosswalk(context.WithoutCancel(ctx), crosswalk.NotifySMSSID, sid, in.TrackAs); err != nil &&
		activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("registering the message SID failed")
	}
}
