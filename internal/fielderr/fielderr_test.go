package fielderr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/fielderr"
)

func TestErrorIsReadThroughItsInterface(t *testing.T) {
	err := fmt.Errorf("start: %w", &fielderr.Error{Field: "amount", Reason: "must be positive"})
	assert.Equal(t, "start: amount: must be positive", err.Error())
	var inv interface{ InvalidField() (string, string) }
	require.True(t, errors.As(err, &inv))
	field, reason := inv.InvalidField()
	assert.Equal(t, "amount", field)
	assert.Equal(t, "must be positive", reason)
}
