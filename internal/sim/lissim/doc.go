// Package lissim simulates a laboratory information system (LIS) that
// speaks HL7 v2.5.1 over MLLP: it receives ORM^O01 orders from the engine
// and later sends ORU^R01 results back to the engine's own MLLP listener.
//
//	srv, _ := lissim.Start(lissim.Options{EngineAddr: engineMLLPAddr, ResultDelay: 50 * time.Millisecond})
//	defer srv.Close()
//	// LIS_MLLP_ADDR = srv.Addr; srv.Sim.SetEngineAddr(...) when the engine starts later.
//
// # Orders
//
// Each ORM^O01 is answered on its connection with an ACK whose MSA-2 is the
// order's MSH-10. The simulator keeps the placer order number (ORC-2, else
// OBR-2), the tests (OBR-4 of every order group), the patient (PID) and the
// ordering provider (ORC-12, else OBR-16); Orders and Order show them with
// every ACK code given. One message carries one placer order number and only
// new orders (ORC-1 NW). Anything that is not a usable ORM^O01 gets AR (or AE
// for a missing required field) with an ERR segment, and the connection
// stays open. An ORM for an order already accepted is ACKed AA again without
// a second set of results, as a resend after a lost ACK must be.
//
// # Scenarios
//
// The placer order number chooses the scenario: a placer that starts with a
// scenario name and "-", in any case, gets that scenario
// ("CRITICAL-POTASSIUM-0001", "corrected-17"); every other placer gets
// normal. The ordered tests choose the observations: the basic metabolic
// panel (51990-0 or 24321-2), electrolytes (24326-1) and CBC (58410-2)
// report their components, known analytes (glucose 2345-7, potassium
// 2823-3, sodium 2951-2, HbA1c 4548-4, TSH 3016-3, ...) report themselves,
// and any other code gets one ST observation "NEGATIVE" under its own code.
//
//	normal                  AA; one final (F) ORU, every value in range (OBX-8 N)
//	critical-potassium      AA; final ORU with potassium 2823-3 = 6.8 mmol/L, OBX-8 HH
//	                        (added to the first group when potassium was not ordered)
//	preliminary-then-final  AA; the observations as P, then the same as F
//	corrected               AA; F, then C: the first value changed (OBX-11 C), an NTE
//	                        naming the previous value, the others repeated as F
//	duplicate               AA; the same final ORU twice, byte for byte (same MSH-10)
//	reject-order            AR with ERR-3 207 (application internal error) and ERR-8 text
//	error-order             AE with ERR-3 207 and ERR-8 text
//	slow-ack                the first ORM is ACKed after Options.SlowAckDelay, resends
//	                        at once; normal results
//	drop-connection         the first ORM's connection is closed without ACK; the
//	                        resend is ACKed AA; normal results
//	no-results              AA; no results ever
//	split-results           AA; one final ORU per ordered test, ResultDelay apart
//	notes                   AA; final ORU with an NTE after the first OBR and after the first OBX
//	retracted               AA; F, then the first observation again with OBX-11 W (OBR-25 C)
//	wrong-patient           AA; final ORU whose PID names another (synthetic) patient
//
// Every ORU carries a unique MSH-10, the order's PID, and per ordered test
// an ORC (ORC-1 RE, ORC-2 placer), an OBR (OBR-2 placer, OBR-3 filler,
// OBR-25 P/F/C) and its OBX segments (OBX-2 NM or ST, OBX-3
// LOINC^name^LN, OBX-5, OBX-6 UCUM units, OBX-7 range, OBX-8 flag, OBX-11
// status, OBX-14 collection time). The values are synthetic, and so are
// the patient and provider of an order the simulator never received.
//
// # Results
//
// Results go to Options.EngineAddr (or SetEngineAddr) over one persistent
// mllp.Client, the first Options.ResultDelay after the order was accepted
// and each further one ResultDelay after the previous was acknowledged. An
// AA or CA ends a delivery; AE, AR, CE and CR are recorded and never resent.
// No ACK within Options.AckTimeout, a broken connection, or an answer that
// is not an ACK of that MSH-10 is resent after Options.RetryBackoff,
// doubling, up to Options.MaxAttempts; after that the order's remaining
// results are abandoned. SendResults sends a scenario's results on demand
// and SendRaw sends any bytes (garbage, unknown orders).
//
// # Faults and control
//
// InjectFault overrides scenarios for the next ORMs: AR, AE, no ACK
// ("none"), a closed connection ("drop") or a late ACK ("slow"). Stats
// counts orders by scenario, ACKs sent by code, results sent, engine ACKs
// by code and resends. Start also serves ControlHandler's JSON routes under
// /_sim/ on Server.ControlURL for other processes.
//
// Nothing is logged but placer order numbers, scenarios and counts.
package lissim
