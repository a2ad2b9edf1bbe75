package e2e

import "github.com/stretchr/testify/assert"

// assertCollect is the collector EventuallyWithT hands to its condition.
type assertCollect = assert.CollectT

// assertTrue records a failure on c when ok is false and reports ok.
func assertTrue(c *assertCollect, ok bool, msg string, args ...any) bool {
	return assert.True(c, ok, append([]any{msg}, args...)...)
}
