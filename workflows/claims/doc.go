// Package claims is the claim submission-to-remittance process (issue #12): one workflow per
// patient control number submits an 837P in CAQH CORE batch mode, waits for the 999 and the
// 277CA, then durably for the 835, posts it and stays open for reversals, corrections
// (frequency 7, or a new original when the payer never accepted the claim) and voids
// (frequency 8). Each of its timed waits cancels its timer once answered (wait.Within, change
// id ChangeWaitWithin), so a claim waiting weeks for its 835 is no longer woken by the
// timeouts of its 999 and 277CA waits, which the SDK's AwaitWithTimeout left to fire.
//
// Where its story lives:
//   - contract.go: task queue, signal/update/query names, JSON types, statuses, the
//     workflow-ID helper and Validate (the 837P rules the API answers 422 with);
//     workflow.go: the claim; calls.go: its activity calls with the reason for each timeout;
//     route.go: 999/277CA/835 split by claim (pure); poller.go: the results poller a Temporal
//     Schedule (PollerScheduleID) runs; batcher.go and batch_contract.go: the batcher
//     (BatcherWorkflowID), started by signal-with-start with each ready claim, which sends the
//     claims ready within CLAIM_BATCH_WINDOW as one interchange, a transaction set each, and
//     tells each claim its group and set control numbers (change id ChangeBatching);
//     balance.go: the patient balance (CAS PR total) charged through the payments process as
//     a child workflow when the claim was started with collectPatientBalance.
//   - API: api/claims.go (/v1/claims, ?status= from the ClaimStatus search attribute,
//     correct and void updates).
//   - Activities: activities/billing (control numbers from the audit store, SubmitClaim over
//     clients/clearinghouse batch mode, results retrieval, unmatched files kept encrypted);
//     worker: workers/claims.go; wiring: internal/stack/claims.go.
//   - Configuration: CLEARINGHOUSE_* (shared with check-in), CLAIM_REMIT_TIMEOUT,
//     CLAIM_POLL_INTERVAL, CLAIM_BATCH_WINDOW.
//   - Simulator: internal/sim/chsim batch mode, scenarios by patient control number prefix.
package claims
