package appointments_test

import (
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// converterGet decodes the continue-as-new input.
func converterGet(can *workflow.ContinueAsNewError, v any) error {
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, v)
}
