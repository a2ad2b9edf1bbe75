// Package apptsync is the pure core of the appointment sync between the EHR
// (FHIR R4 Appointment) and the practice-management system (PMS): the
// status mapping table, the field snapshot, the three-way merge against
// the last synced snapshot, and echo detection. It has no Temporal, HTTP
// or clock dependencies, so the sync workflow can call it deterministically
// and it can be property-tested, fuzzed and benchmarked alone.
//
// # Status mapping
//
// Snapshots hold the status in FHIR vocabulary (http://hl7.org/fhir/appointmentstatus,
// R4 4.0.1); PMS statuses are mapped in and out with one table:
//
//	PMS           -> FHIR        FHIR              -> PMS
//	scheduled     -> booked      proposed          -> scheduled   (lossy)
//	confirmed     -> booked      pending           -> scheduled   (lossy)
//	checked-in    -> arrived     waitlist          -> scheduled   (lossy)
//	in-progress   -> arrived     booked            -> confirmed
//	completed     -> fulfilled   arrived           -> checked-in
//	cancelled     -> cancelled   checked-in        -> checked-in  (lossy)
//	                             fulfilled         -> completed
//	                             cancelled         -> cancelled
//	                             noshow            -> cancelled   (lossy)
//	                             entered-in-error  -> cancelled   (lossy)
//
// Why: FHIR "booked" means every participant is settled and the
// appointment goes ahead, which a PMS appointment is whether or not the
// patient confirmed it. FHIR "arrived" is "the patient has arrived and is
// waiting to be seen"; R4 Appointment has no in-progress (the Encounter
// tracks the visit), so PMS in-progress is the closest earlier state,
// arrived. FHIR "checked-in" (added in R4 as a finer arrived) and
// "arrived" both become PMS checked-in. The PMS has no no-show or
// entered-in-error, so both become cancelled.
//
// The lossy directions never regress the other side: PMSStatusFor keeps a
// PMS status that already maps to the wanted FHIR status (an in-progress
// PMS appointment stays in-progress when the EHR says arrived; a confirmed
// one stays confirmed when the EHR says booked), and the merge compares
// statuses in FHIR vocabulary, so such pairs are not changes at all.
//
// # Merge policy
//
// Merge compares each side with the last synced snapshot (the base). A
// field changed on one side only is taken by the other. A field changed
// on both sides to equal values is no conflict. A field changed on both
// sides to different values is resolved by Policies:
//
//	status       EHR wins when the EHR's value is clinical (arrived,
//	             checked-in, fulfilled, noshow); otherwise manual
//	note         last writer wins by updatedAt / meta.lastUpdated (tie: EHR)
//	start, duration, provider, patient, type, department
//	             manual: reported as an open Conflict, neither side written
//	             for that field and the base kept, so it stays a conflict
//	             until resolved.
//
// Patient, type and department are not named in issue #10's policy; they
// are manual because a silent overwrite of any of them is worse than a
// question to a human.
//
// # Echo suppression
//
// The engine marks its own writes (PMS updatedBy = "careflow", FHIR
// meta.tag FHIRTagSystem|FHIRTagCode) and remembers the version each write
// produced; Classify recognises that write when it comes back and ignores
// notifications older than the last synced version.
package apptsync
