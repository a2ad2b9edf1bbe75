// Package appointments is the appointment sync between the EHR (FHIR R4 Appointment) and the
// practice-management system (PMS): one long-lived entity workflow per appointment holds the
// crosswalk (EHR id <-> PMS id, patient and provider ids), each side's last synced and last
// written version and the last synced snapshot, and merges every change three ways with
// internal/apptsync (status table, per-field conflict policy, echo detection).
//
// Where its story lives:
//   - contract.go: task queue, signal/update/query names, JSON types, workflow-ID helpers;
//     workflow.go: link or create, the drain/classify/merge/write loop, resolve, continue-as-new;
//     calls.go: one function per activity call with the reason for each timeout.
//   - Flow: a PMS notification of a version the engine wrote (updatedBy careflow) is answered
//     by the API without a signal (Notifier.Notify: the PMS stamps every version, and the
//     workflow knows its own writes). Any other change notification (ChangeSignal) is
//     deduplicated by event id and classified
//     (echo of the engine's own write, stale, or change); a change reads both sides, merges
//     against the snapshot, writes each side that differs with If-Match; a version conflict
//     (412) is a typed non-retryable activity error the loop answers by reading and merging
//     again. Manual conflicts (time, duration, provider, patient, type, department) stay open,
//     nothing written for them, until the resolve update; the search attribute
//     AppointmentConflict (open|none) lists them. Cancellation is a status change like any
//     other and so reaches the other side; it also asks Temporal to cancel the check-in of
//     the same EHR appointment (checkin.go). A check-in's arrival is an EHR edit like any
//     other: the EHR's notification brings it to the PMS as checked-in.
//   - Participants (participants.go): patient and provider ids cross to the other side only
//     through internal/crosswalk's participant kinds; an unmapped id writes nothing.
//   - Reconcile (reconcile.go): lists the PMS feed (updatedSince) and the EHR's Appointments
//     (_lastUpdated, sorted) from their own watermarks and delivers every change (Notifier).
//   - API: api/appointments.go (/v1/appointments, resolve, ?conflict=true) and the webhooks
//     api/webhook_appointments.go (/webhooks/pms, /webhooks/fhir), which signal-with-start.
//   - Activities: activities/pms (clients/pms) and activities/ehr/appointments.go (FHIR
//     Appointment read, write with If-Match and the meta.tag marker, conditional create);
//     worker: workers/appointments.go; wiring: internal/stack/appointments.go.
//   - Local sync calls (changeLocalSync): a sync that no resolve update waits on reads and
//     writes both sides as local activities first (calls.go, syncCall), paced per worker
//     process by internal/vendorrate; a call over the pace goes on as the regular activity.
//   - Configuration: PMS_BASE_URL, PMS_WEBHOOK_SECRET, FHIR_WEBHOOK_SECRET,
//     APPOINTMENT_RECONCILE_INTERVAL, APPOINTMENT_CALLS_PER_SECOND.
//   - Histories: tests/replay/testdata/appointment-*.json.
package appointments
