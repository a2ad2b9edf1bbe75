package twilio

import (
	"context"
	"time"

	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// findPageSize is how many of the newest messages to one number FindSent reads: a retry comes
// seconds to minutes after the lost answer, long before that many texts reach one patient.
const findPageSize = 50

// rfc2822 is the layout of Twilio's date_created.
const rfc2822 = time.RFC1123Z

// FindSent returns the outbound messages from this account's sender to `to` whose text is
// exactly body and that Twilio created at or after since, newest first, or none. Twilio takes no
// idempotency key for messages, so a caller whose earlier attempt's answer was lost (a timeout, a
// worker killed mid-call) asks here before sending again, and adopts its own message instead of
// texting the patient twice; another send of the same text to the same number may be among
// them, which only the caller can tell apart. Failures are *Error.
func (c *Client) FindSent(ctx context.Context, to, body string, since time.Time) ([]Message, error) {
	if !IsE164(to) {
		return nil, &Error{Code: CodeInvalidTo}
	}
	params := (&twapi.ListMessageParams{}).
		SetPathAccountSid(c.cfg.AccountSID).
		SetTo(to).
		SetFrom(c.cfg.From).
		SetPageSize(findPageSize)
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	api, ex := c.api(ctx)
	page, err := api.PageMessage(params, "", "")
	if err != nil {
		return nil, classify(err, ex)
	}
	// Twilio lists the newest first.
	var found []Message
	for i := range page.Messages {
		m := &page.Messages[i]
		if m.Body == nil || *m.Body != body || m.Direction == nil || *m.Direction != "outbound-api" {
			continue
		}
		if m.DateCreated == nil {
			continue
		}
		created, err := time.Parse(rfc2822, *m.DateCreated)
		if err != nil || created.Before(since.Truncate(time.Second)) {
			continue
		}
		found = append(found, *toMessage(m))
	}
	return found, nil
}
