// Package laborders is the lab order-to-result process: send the order to the laboratory (HL7
// ORM^O01 over MLLP), collect results (ORU^R01, through the result update), file them in the EHR
// when every ordered test is final (refiling every later change), escalate critical values by
// SMS paging until a clinician acknowledges, and tell the patient (through the notifications
// process as a child workflow since lab-order-notify; pages keep their own path).
//
// Where its story lives:
//   - contract.go: task queue, names, JSON types, workflow-ID helper; workflow.go and v2.go: the
//     process (v2 behind the lab-order-v2 version); results.go: completion and critical values;
//     escalation.go and escalation_v2.go: paging.
//   - API: api/laborders.go (/v1/lab-orders, acknowledge; the contract: docs/api.md); inbound
//     results: api/mllp_inbound.go (character sets, batches, sender allowlist, exact routing
//     keys) wrapping api/mllp.go (one message: split by placer, result update, ACK only after
//     it is stored); page replies and delivery status: api/webhook_twilio.go.
//   - Activities: activities/lis (ORM over MLLP), activities/ehr/labs.go (DiagnosticReport and
//     Observations), activities/sms, activities/records; worker: workers/laborders.go, wired in
//     internal/stack/lab.go.
//   - Configuration: LIS_MLLP_ADDR, LIS_MLLP_CA_FILE, LIS_CHARSET, MLLP_*, LAB_ACK_TIMEOUT,
//     LAB_RESULT_DEADLINE, LAB_CORRECTIONS_WINDOW, LAB_ESCALATION_CHAIN, LAB_CRITICAL_THRESHOLDS.
//   - Histories: tests/replay/testdata/laborder-*.json (v2: laborder-v2-*; lab-order-wait-within,
//     whose waits cancel their timers once their condition holds: laborder-wait-within-*).
package laborders
