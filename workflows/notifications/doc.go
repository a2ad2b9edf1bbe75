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
//   - Vendor-account limits: the send activities run on the accounts' own task queues
//     (SMSSendTaskQueue, EmailSendTaskQueue, change notification-account-rate) whose workers
//     (workers.NewSMSSendWorker, NewEmailSendWorker) set Temporal's TaskQueueActivitiesPerSecond
//     from TWILIO_SENDS_PER_SECOND and SMTP_SENDS_PER_SECOND. The server enforces the rate for
//     all pollers together, so worker replicas share one account's limit, and a burst waits in
//     the queue rather than being refused by the vendor. Chosen over a token bucket of our own
//     (a store-backed limiter activity) because it needs no extra round trip per send and
//     cannot drift between replicas; the cost is one queue and worker per account.
//   - Scheduling: SendAt ("remind 24 h before") is a durable timer before anything is read, so
//     the chart and the preferences are read when the notification goes out.
//   - Delivery: the SMS activity (activities/sms SendSMS, which refuses opted-out numbers)
//     puts this workflow's ID into the text's status callback URL (TrackAs, the Twilio
//     client's SendSMSTracked), so a callback that arrives before Twilio's answer has been
//     processed still reaches the workflow (api/webhook_twilio_notify.go; the signature covers
//     the URL); it also maps the message SID to the workflow for callbacks without it. The
//     status arrives as the delivery-status signal and waits in the channel until the send's
//     result is in.
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
// Config: SMTP_ADDR, SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM, TWILIO_SENDS_PER_SECOND,
// SMTP_SENDS_PER_SECOND (simulator internal/sim/smtpsim
// when SMTP_ADDR is unset, vendor "smtp" in SIMULATE).
package notifications
