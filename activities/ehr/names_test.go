package ehr_test

import (
	"testing"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &ehr.Activities{}, ehr.LoadCheckInName, ehr.MarkArrivedName, ehr.CreateEncounterName, ehr.PatientContactName, ehr.WriteLabResultsName,
		ehr.LoadPrescriptionName, ehr.RecordFillName, ehr.SetPrescriptionStatusName, ehr.RecordSuccessorPrescriptionName)
	wftest.RequireRegistered(t, &ehr.AppointmentSync{}, ehr.ReadAppointmentName, ehr.WriteAppointmentName, ehr.CreateAppointmentName,
		ehr.ListAppointmentChangesName)
}
