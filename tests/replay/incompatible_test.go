package replay_test

import (
	"testing"
	"time"

	"go.temporal.io/sdk/converter"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/payments"
)

// incompatible has the payment workflow's name but starts with a timer instead of the
// authorization activity, the kind of change replay must catch.
func incompatible(ctx workflow.Context, _ payments.Input) (payments.State, error) {
	return payments.State{}, workflow.Sleep(ctx, time.Minute)
}

func workflowRegisterOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: payments.WorkflowName}
}

// dataConverter decrypts the committed histories with the test-only replay key.
func dataConverter(t *testing.T) converter.DataConverter {
	t.Helper()
	keys, err := payloadcodec.ParseKeys(replay.PayloadKeys)
	if err != nil {
		t.Fatal(err)
	}
	return payloadcodec.DataConverter(payloadcodec.NewCodec(keys))
}
