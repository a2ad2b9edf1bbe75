// Package notifications is the notification process of issue #16: one workflow per
// notification to one patient (Notification, task queue "notifications", workflow ID
// "notification:<opaque id>").
//
// Where the story lives:
//   - Channel choice: the patient's preferences (internal/audit PreferenceStore, edited through
//     GET/PUT /v1/patients/{id}/notification-preferences in api/notification_preferences.go),
//     the chart's current contact points (clients/fhir/contact.go MobileAt, EmailAt, read by
//     activities/notify ResolveRecipient) and per-address opt-outs (STOP/START on
//     /webhooks/twilio, api/webhook_twilio_optout.go). SMS first unless the patient prefers
//     otherwise; email when SMS is impossible (no current mobile, opted out, refused) or
//     Twilio reports the text undelivered or failed.
//   - Quiet hours: deferred with a durable timer to the end of the patient's quiet period, in
//     the patient's time zone; Critical notifications are exempt.
//   - Rate limit: activities/notify ReserveSlot, fixed windows of RateWindow with RateLimit
//     slots per patient kept in the crosswalk (default 3 per hour); a full window defers to
//     the next one. Critical notifications are exempt.
//   - Scheduling: SendAt ("remind 24 h before") is a durable timer before anything is read, so
//     the chart and the preferences are read when the notification goes out.
//   - Delivery: the SMS activity (activities/sms SendSMS, which refuses opted-out numbers)
//     maps the message SID to this workflow as soon as Twilio answers (TrackAs), and the
//     Twilio status callback arrives as the delivery-status signal (api/webhook_twilio_notify.go).
//     Email (activities/email SendEmail, clients/email over SMTP with STARTTLS) counts as
//     delivered when the relay accepts it (250); a 5xx answer is final, 4xx is retried.
//   - Texts: internal/notify/templates, first name and date/time only, in the patient's
//     language. The state (status query) holds channels, statuses and message references,
//     never an address or a text.
//
// Decision: existing processes (check-in, lab orders) keep sending their own texts for now;
// the SMS activity they use already refuses opted-out numbers. Moving them to start this
// workflow as a child needs workflow.GetVersion changes and new replay histories in those
// workflows, which other work is refactoring at the same time; it is left for a follow-up.
//
// Config: SMTP_ADDR, SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM (simulator internal/sim/smtpsim
// when SMTP_ADDR is unset, vendor "smtp" in SIMULATE).
package notifications
