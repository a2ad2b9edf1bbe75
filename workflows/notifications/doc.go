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
// Other processes notify their patients through this workflow as a child (StartChild,
// AwaitChild in child.go): the check-in confirmation (workflows/checkins, change
// checkin-notify, NotificationID "checkin.<appointment id>") and the lab order's "results
// available" notice (workflows/laborders, change lab-order-notify, "laborder.<placer order
// number>"). Critical-value pages to clinicians stay on the lab order's own escalation path
// (activities/sms Page): they are exempt from quiet hours and must never queue behind patient
// notices.
//
// Decision: a child workflow, not a start from an activity. The child's start is a command in
// the parent's history, so it happens exactly once without a client in an activity or retries
// that must recognise their own earlier start; its result comes back as a future the parent
// awaits (the check-in inline, the lab order in a goroutine so refiling goes on) instead of a
// signal or polling; the workflow ID from the parent's business key with REJECT_DUPLICATE means
// a repeated check-in never texts twice; PARENT_CLOSE_POLICY_ABANDON lets a started notice
// finish when its parent closes; and the Web UI links parent and child. The cost is that the
// parent stays open until the outcome is known (the check-in bounds that with
// Input.ExpiresAt), and the lab order's continue-as-new waits for it too.
//
// Config: SMTP_ADDR, SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM (simulator internal/sim/smtpsim
// when SMTP_ADDR is unset, vendor "smtp" in SIMULATE).
package notifications
