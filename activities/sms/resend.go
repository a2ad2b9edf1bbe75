package sms

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/crosswalk"
)

// Finder is a Sender that can find a message an earlier attempt made Twilio create (the Twilio
// client's FindSent).
type Finder interface {
	FindSent(ctx context.Context, to, body string, since time.Time) ([]twilio.Message, error)
}

// sentBefore looks, on a retry, for the text an earlier attempt of this activity made Twilio
// create although its answer never came back (a timeout, a worker killed mid-call). Twilio takes
// no idempotency key, so without this look a retry texts the patient twice; with it the retry
// adopts that message. The first attempt never looks: nothing can have been sent before it.
// Another send of the same text to the same number (two check-ins of one patient, two results
// notices) may have made one of the messages found, so each is claimed for in.Reference
// (crosswalk.SMSSent) before it is adopted, and one another send claimed is passed over; every
// send claims its message as soon as Twilio answers (claim).
func (a *Activities) sentBefore(ctx context.Context, in SendInput) (*twilio.Message, error) {
	f, ok := a.SMS.(Finder)
	if !ok || !activity.IsActivity(ctx) {
		return nil, nil
	}
	info := activity.GetInfo(ctx)
	if info.Attempt <= 1 {
		return nil, nil
	}
	// ScheduledTime is when the workflow scheduled this activity, before its first attempt.
	found, err := f.FindSent(ctx, in.To, in.Body, info.ScheduledTime)
	if err != nil {
		return nil, err
	}
	if len(found) > 0 && (in.Reference == "" || a.Records == nil) {
		// Nothing to claim with: the newest is the likeliest, as before claims existed.
		return &found[0], nil
	}
	for i := range found {
		err := a.Records.PutCrosswalk(ctx, crosswalk.SMSSent, found[i].SID, in.Reference)
		if err == nil {
			return &found[i], nil
		}
		if !errors.Is(err, crosswalk.ErrConflict) {
			return nil, err
		}
	}
	return nil, nil
}

// claim records that the message sid is in.Reference's, so that no other send's retry adopts it.
// The text is out: a failure only leaves the claim to that other send's look.
func (a *Activities) claim(ctx context.Context, in SendInput, sid string) {
	if in.Reference == "" || a.Records == nil || sid == "" {
		return
	}
	err := a.Records.PutCrosswalk(context.WithoutCancel(ctx), crosswalk.SMSSent, sid, in.Reference)
	if err != nil && activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("claiming the message SID failed", "conflict", errors.Is(err, crosswalk.ErrConflict))
	}
}
