// Package pharmsim is a stateful, in-memory simulator of the e-prescribing
// network the engine's pharmacy client (clients/pharmacy) talks to: it
// receives NCPDP SCRIPT 2017071 messages, answers them synchronously
// (Status or Error), and sends the pharmacy's own messages (RxChangeRequest,
// RxFill, CancelRxResponse) to the engine's webhook, signed as
// clients/pharmacy documents.
//
//	srv, _ := pharmsim.Start(pharmsim.Options{WebhookURL: engineURL + "/webhooks/pharmacy"})
//	c, _ := pharmacy.New(pharmacy.Config{BaseURL: srv.URL}) // PHARMACY_BASE_URL
//
// # Endpoint
//
//	POST /   Content-Type application/xml, one SCRIPT message
//
// Answers: 415 for another content type, 400 (text) for input that is not
// a SCRIPT message, an Error 601 for a message failing validation, and
// otherwise the answer below with 200 and application/xml.
//
// # Deduplication
//
// The network deduplicates by Header.MessageID, as the real one does: a
// message whose MessageID was already processed is not processed again; it
// gets the first answer again and is counted in Stats.Duplicates, not
// Stats.Received. Only the MessageID is compared, not the content. Answers
// that were not the result of processing (5xx, faults that refuse before
// processing) are not remembered, so a resend is processed then.
//
// # Scenarios
//
// The pharmacy's NCPDP ID (Body.*.Pharmacy.Identification.NCPDPID) chooses
// the outcome, so the EHR's MedicationRequest selects a path:
//
//	9900001  NewRx: Error 900 "transaction rejected" (DescriptionCode 210)
//	9900002  slow: every message is answered after Options.SlowDelay
//	9900003  5xx: the first Options.ServerErrorAttempts (2) posts of each
//	         MessageID get 503, later ones are processed as accepted
//	9900004  change request: NewRx Status 000, then an RxChangeRequest
//	         (therapeutic interchange, code T) to the webhook
//	9900005  partial fill: NewRx Status 000, then an RxFill with
//	         PartiallyDispensed (half the quantity) to the webhook
//	9900006  denied cancel: NewRx Status 000; CancelRx Status 000, then a
//	         CancelRxResponse Denied ("already dispensed") to the webhook
//	9900007  filled: NewRx Status 000, then an RxFill Dispensed
//	9900008  renewal request: NewRx Status 000, then an RxRenewalRequest
//	9900009  not dispensed: NewRx Status 000, then an RxFill NotDispensed
//	9900010  held answer: a new NewRx is processed (Status 000), but its
//	         answer is held until the sender disconnects (its timeout or
//	         its death); the resend gets the answer at once, as a duplicate
//	other    accepted: NewRx Status 000; CancelRx Status 000, then a
//	         CancelRxResponse Approved to the webhook
//
// RxChangeResponse and RxRenewalResponse are answered Status 000; an
// approved RxChangeResponse (Approved or ApprovedWithChanges) is then
// dispensed: an RxFill Dispensed relating to it follows, for the NewRx
// with the same PrescriberOrderNumber. Messages
// the network never takes from a prescriber (Status, Verify, Error,
// RxChangeRequest, RxRenewalRequest, RxFill, CancelRxResponse) get Error
// 601.
//
// Pharmacy-initiated messages relate to the prescriber's message they
// follow (RelatesToMessageID), carry its PrescriberOrderNumber and a
// pharmacy RxReferenceNumber, and have a MessageID derived from it, the
// same across delivery retries. They are posted Options.EventDelay after
// the answer with TimestampHeader and SignatureHeader, and retried with
// doubling backoff on non-2xx answers up to Options.WebhookMaxAttempts.
//
// # Control API
//
// Tests call InjectFault, ClearFaults, Faults, Stats, Messages and
// SetWebhookURL directly. Other processes use JSON on the simulator's own
// listener: POST/GET/DELETE /_sim/faults ({"op":"NewRx"|"CancelRx"|...|"*",
// "kind":"500"|"503"|"slow"|"lost-answer","count":n,"delay":"2s"}),
// GET /_sim/stats, GET /_sim/messages and PUT /_sim/webhook {"url"}.
//
// Nothing is persisted: a restart forgets every message.
package pharmsim
