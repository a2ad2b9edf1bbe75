package billing_test

import (
	"testing"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &billing.Activities{}, billing.AllocateControlNumberName, billing.SubmitClaimName,
		billing.RetrieveResultsName, billing.LookupInterchangeName, billing.KeepUnmatchedName,
		billing.SignalWithStartName, billing.SubmitBatchName)
}
