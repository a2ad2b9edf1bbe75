package pharmacy_test

import (
	"testing"

	"github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &pharmacy.Activities{}, pharmacy.CheckPrescriptionName, pharmacy.SendNewRxName,
		pharmacy.SendCancelRxName, pharmacy.SendRxChangeResponseName, pharmacy.SendRxRenewalResponseName)
}
