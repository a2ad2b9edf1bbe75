package detid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/careflow/engine/workflows/internal/detid"
)

// TestValuesAreUnchanged pins values computed by the hand-written FNV-1a loops that hash/fnv
// replaced: trace numbers and control ids are in recorded histories and must not move.
func TestValuesAreUnchanged(t *testing.T) {
	for key, want := range map[string]string{
		"":                  "CF2166136261",
		"checkin:appt-1001": "CF0796994244",
		"checkin:appt-1001/eligibility-secondary": "CF0072050673",
	} {
		assert.Equal(t, want, detid.TraceNumber(key), key)
	}
	for key, want := range map[string]string{
		"":                        "CF695981039346656037",
		"laborder:ORD-1/order":    "CF337875161986847672",
		"laborder:ORD-1/v2/order": "CF127369259840179999",
	} {
		assert.Equal(t, want, detid.ControlID(key), key)
	}
}
