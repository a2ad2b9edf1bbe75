// Package erxcheck holds the e-prescribing pre-send safety checks as pure
// functions: active allergies matched by RxNorm ingredient, controlled
// substances (DEA schedules II-V) refused without EPCS, and the
// formulary/benefit answer of the PBM. Each check returns Reasons; Evaluate
// folds them into a Verdict: clear, needs-review (released by a prescriber's
// override) or refused (no override releases it).
//
// The package sits under internal because it is the engine's policy, not a
// vendor client or wire format; it has no Temporal imports and no I/O, so
// the prescription workflow may call it directly (it is deterministic) and
// it can be table-tested alone. The allergy and medication read models are
// the minimal FHIR R4 JSON shapes the checks need, decoded from the EHR's
// resources with encoding/json.
//
// RxNorm knowledge is injected (IngredientLookup); SimulatorDrugs is a small
// documented table covering the pharmacy simulator's drugs.
package erxcheck
