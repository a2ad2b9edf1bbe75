package laborders

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestControlIDIsUnchanged pins MSH-10 values computed by the hand-written FNV-1a that
// hash/fnv replaced: a resent order must keep the control id its first attempt used.
func TestControlIDIsUnchanged(t *testing.T) {
	for key, want := range map[string]string{
		"":                        "CF695981039346656037",
		"laborder:ORD-1/order":    "CF337875161986847672",
		"laborder:ORD-1/v2/order": "CF127369259840179999",
	} {
		assert.Equal(t, want, controlID(key), key)
	}
}
