// Package prescriptions is the e-prescribing process (issue #11): one workflow per
// prescription id (workflow ID "prescription:<id>") that sends an EHR MedicationRequest to the
// patient's pharmacy as an NCPDP SCRIPT 2017071 NewRx and follows it until it is filled,
// changed, cancelled or fails.
//
// Where the story lives:
//
//   - API: api/prescriptions.go (POST /v1/prescriptions, GET /v1/prescriptions/{id}, the
//     override, cancel, approve and deny updates) and api/webhook_pharmacy.go
//     (/webhooks/pharmacy: signed pharmacy messages become PharmacySignalName signals routed
//     by PrescriberOrderNumber, which is the prescription id).
//   - Activities: activities/ehr/prescriptions.go (LoadPrescription, RecordFill,
//     SetPrescriptionStatus) and activities/pharmacy (CheckPrescription with internal/erxcheck,
//     SendNewRx, SendCancelRx, SendRxChangeResponse, SendRxRenewalResponse over
//     clients/pharmacy and codecs/ncpdp). calls.go holds each call's options and why.
//   - Worker: workers/prescriptions.go; wiring: internal/stack/prescriptions.go; simulator:
//     internal/sim/pharmsim, started by internal/stack/simulators.go when PHARMACY_BASE_URL is unset.
//   - Configuration: PHARMACY_BASE_URL, PHARMACY_WEBHOOK_SECRET, PHARMACY_TLS_CERT_FILE,
//     PHARMACY_TLS_KEY_FILE, PHARMACY_TLS_CA_FILE.
//
// The story: load (MedicationRequest, Patient, Practitioner, pharmacy Organization,
// AllergyIntolerance) -> pre-send checks: a controlled substance is refused (EPCS signing is
// not implemented, so the refusal says so), an allergy or formulary finding holds the
// prescription in needs-review until the override update (who and why recorded) -> NewRx under
// a MessageID derived from the workflow ID and the step, so every retry resends the same
// message, which the network deduplicates -> Status/Verify: sent; Error: failed with the code
// and description. Then pharmacy messages (deduplicated by MessageID, matched by
// RelatesToMessageID): RxChangeRequest and RxRenewalRequest wait, for days if need be, for the
// prescriber's approve or deny update, answered with RxChangeResponse / RxRenewalResponse; RxFill
// sets filled / partially-filled / not-dispensed and writes a MedicationDispense (and
// MedicationRequest.status completed when no refills remain). The cancel update sends CancelRx
// and puts the EHR MedicationRequest on hold; CancelRxResponse Approved cancels it (EHR
// cancelled), Denied keeps it active with the pharmacy's reason and restores the EHR status.
// The workflow ends when cancelled or failed, or after the follow window without events. The
// review and follow waits cancel their timer once answered (wait.Within, change id
// WaitWithinChangeID), so a prescription following its pharmacy is no longer woken by the
// timeout of a review released or a follow window restarted, which the SDK's AwaitWithTimeout
// left to fire.
package prescriptions
