// Package replay replays committed workflow histories against the current workflow code, so a
// change that breaks running executions fails CI instead of production.
package replay

// PayloadKeys is the PAYLOAD_KEYS spec the committed histories were encrypted with. It is a
// test-only key that protects nothing but synthetic test data; production keys come from
// configuration.
const PayloadKeys = "replay-2026:cmVwbGF5LXRlc3Qta2V5LW5vdC1hLXNlY3JldC0wMDE="
