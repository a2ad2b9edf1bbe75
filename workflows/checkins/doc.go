// Package checkin is the check-in eligibility process: guard the appointment (status, window,
// participant), read the patient's coverage from the EHR, ask the payer (X12 270/271), mark the
// appointment arrived, open the Encounter, collect the copay through the payments process and
// text the patient. The verdict is answered to the front desk through Update-with-Start.
//
// Where its story lives:
//   - contract.go: task queue, names, JSON types, workflow-ID helper; workflow.go: the process;
//     handlers.go: the verdict, self-pay and override updates.
//   - API: api/checkins.go (/v1/checkins: routes and the Update-with-Start; 422 for what cannot
//     be checked in; get and updates through api/process.go); the contract: docs/api.md.
//   - Activities: activities/ehr (FHIR R4 with SMART Backend Services; coverage.go chooses the
//     coverage), activities/eligibility (CAQH CORE 270/271), activities/sms (Twilio), and the
//     child payment of workflows/payments and the confirmation as a child of
//     workflows/notifications; worker: workers/checkins.go, wired in
//     internal/stack/checkin.go.
//   - Configuration: FHIR_*, CLEARINGHOUSE_*, TWILIO_*, PROVIDER_NPI, PROVIDER_NAME,
//     CHECKIN_PAYER_WINDOW, CHECKIN_ATTENTION_TIMEOUT, CHECKIN_WINDOW_BEFORE, CHECKIN_WINDOW_AFTER,
//     CHECKIN_PAYER_ID_SYSTEM, CHECKIN_PAYER_CROSSWALK.
//   - Versions: checkin-guards, checkin-coverage, checkin-notify, checkin-local-reads (the
//     verdict's reads as local activities), checkin-wait-within (timed waits cancel their
//     timers), checkin-local-arrival (the arrival and the Encounter as local activities in a
//     workflow task of their own after the verdict's); histories in
//     tests/replay/testdata/checkin-*.json.
package checkins
