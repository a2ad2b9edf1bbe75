package pms_test

import (
	"testing"

	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &pmsact.Activities{}, pmsact.ReadAppointmentName, pmsact.WriteAppointmentName,
		pmsact.MapParticipantsName, pmsact.RecordParticipantsName,
		pmsact.CreateAppointmentName, pmsact.ListChangesName)
}
