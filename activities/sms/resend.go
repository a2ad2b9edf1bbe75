package sms

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/careflow/engine/clients/twilio"
)

// Finder is a Sender that can find a message an earlier attempt made Twilio create (the Twilio
// client's FindSent).
type Finder interface {
	FindSent(ctx context.Context, to, body string, since time.Time) (*twilio.Message, error)
}

// sentBefore looks, on a retry, for the text an earlier attempt of this activity made Twilio
// create although its answer never came back (a timeout, a worker killed mid-call). Twilio takes
// no idempotency key, so without this look a retry texts the patient twice; with it the retry
// adopts that message. The first attempt never looks: nothing can have been sent before it.
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
	return f.FindSent(ctx, in.To, in.Body, info.ScheduledTime)
}
