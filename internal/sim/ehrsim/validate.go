package ehrsim

import "slices"

// rules are the R4 cardinality-1.. elements and required-binding status
// codes the simulator checks for a type. Real EHRs reject writes missing
// them, so the simulator does too; it is not a full profile validator
// (the conformance tests use the official schema for that).
type rules struct {
	required []string            // top-level elements with min cardinality 1
	anyOf    [][]string          // choice elements: one of each group is required
	codes    map[string][]string // element -> allowed codes (required bindings)
}

// typeRules covers the types the engine writes.
var typeRules = map[string]rules{
	"Appointment": {
		required: []string{"status", "participant"},
		codes: map[string][]string{"status": {"proposed", "pending", "booked", "arrived", "fulfilled",
			"cancelled", "noshow", "entered-in-error", "checked-in", "waitlist"}},
	},
	"Encounter": {
		required: []string{"status", "class"},
		codes: map[string][]string{"status": {"planned", "arrived", "triaged", "in-progress", "onleave",
			"finished", "cancelled", "entered-in-error", "unknown"}},
	},
	"Coverage": {
		required: []string{"status", "beneficiary", "payor"},
		codes:    map[string][]string{"status": {"active", "cancelled", "draft", "entered-in-error"}},
	},
	"Observation": {
		required: []string{"status", "code"},
		codes: map[string][]string{"status": {"registered", "preliminary", "final", "amended",
			"corrected", "cancelled", "entered-in-error", "unknown"}},
	},
	"DiagnosticReport": {
		required: []string{"status", "code"},
		codes: map[string][]string{"status": {"registered", "partial", "preliminary", "final",
			"amended", "corrected", "appended", "cancelled", "entered-in-error", "unknown"}},
	},
	"MedicationRequest": {
		required: []string{"status", "intent", "subject"},
		anyOf:    [][]string{{"medicationCodeableConcept", "medicationReference"}},
		codes: map[string][]string{
			"status": {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped",
				"draft", "unknown"},
			"intent": {"proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
				"instance-order", "option"},
		},
	},
}

// validateResource returns an issue code and diagnostics for the first
// rule data breaks, or "" when it passes. Diagnostics name elements only,
// never their values.
func validateResource(typ string, data map[string]any) (code, msg string) {
	if id, ok := data["id"]; ok {
		if s, isStr := id.(string); !isStr || !validID(s) {
			return codeInvalid, typ + ".id is malformed"
		}
	}
	rl, ok := typeRules[typ]
	if !ok {
		return "", ""
	}
	for _, el := range rl.required {
		if empty(data[el]) {
			return codeRequired, typ + "." + el + " is required"
		}
	}
	for _, group := range rl.anyOf {
		if !slices.ContainsFunc(group, func(el string) bool { return !empty(data[el]) }) {
			return codeRequired, typ + "." + group[0] + " (or another choice) is required"
		}
	}
	for el, allowed := range rl.codes {
		if v, present := data[el]; present && !slices.Contains(allowed, str(v)) {
			return codeCodeInvalid, typ + "." + el + " has a code outside its required value set"
		}
	}
	return "", ""
}

// empty reports a missing, null, empty-string, empty-array or empty-object
// element, none of which FHIR JSON allows to stand for a value.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
