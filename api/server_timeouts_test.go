package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The server's write timeout must never cut off a handler that is still within its budget.
func TestWriteTimeoutOutlastsHandlers(t *testing.T) {
	require.Greater(t, WriteTimeout, updateTimeout+queryTimeout+auditTimeout)
	require.Greater(t, ReadTimeout, ReadHeaderTimeout)
	require.NotZero(t, IdleTimeout)
}
