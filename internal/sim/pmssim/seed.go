package pmssim

import (
	"time"

	"github.com/careflow/engine/clients/pms"
)

// seed stores the lived-in appointments, each through its real history of
// versions (no webhooks: they predate the engine).
func (s *Sim) seed() {
	now := s.now().UTC()
	day := now.Truncate(24 * time.Hour)
	tomorrow := day.Add(24 * time.Hour)
	at := func(d time.Time, h, m int) time.Time {
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Seed stamps lie in the past, ending before now, in change order.
	s.last = now.Add(-72 * time.Hour).Truncate(time.Microsecond)
	versions := [][]pms.Appointment{
		{ // confirmed by the patient after booking
			{AppointmentID: "appt-1001", PatientID: "pms-pat-501", ProviderID: "pms-prov-21", ScheduledTime: at(tomorrow, 9, 0), Duration: 30, AppointmentType: "follow-up", Status: pms.StatusScheduled, Department: "cardiology", UpdatedBy: "front-desk"},
			{Status: pms.StatusConfirmed, UpdatedBy: "patient-portal"},
		},
		{ // booked, then cancelled by phone
			{AppointmentID: "appt-1002", PatientID: "pms-pat-502", ProviderID: "pms-prov-22", ScheduledTime: at(tomorrow, 10, 30), Duration: 20, AppointmentType: "new-patient", Status: pms.StatusScheduled, Department: "dermatology", UpdatedBy: "front-desk"},
			{Status: pms.StatusCancelled, Note: "Patient called to cancel; will rebook after labs", UpdatedBy: "front-desk"},
		},
		{ // moved twice
			{AppointmentID: "appt-1003", PatientID: "pms-pat-503", ProviderID: "pms-prov-21", ScheduledTime: at(tomorrow, 8, 0), Duration: 30, AppointmentType: "follow-up", Status: pms.StatusScheduled, Department: "cardiology", UpdatedBy: "front-desk"},
			{ScheduledTime: at(tomorrow, 11, 0), UpdatedBy: "front-desk"},
			{ScheduledTime: at(tomorrow, 14, 30), UpdatedBy: "scheduler"},
		},
		{ // with a front-desk note
			{AppointmentID: "appt-1004", PatientID: "pms-pat-504", ProviderID: "pms-prov-23", ScheduledTime: at(tomorrow, 15, 0), Duration: 45, AppointmentType: "procedure", Status: pms.StatusScheduled, Department: "gastroenterology", Note: "Interpreter needed (Spanish); arrive 15 min early", UpdatedBy: "front-desk"},
		},
		{ // today, already checked in
			{AppointmentID: "appt-1005", PatientID: "pms-pat-505", ProviderID: "pms-prov-22", ScheduledTime: at(day, 9, 15), Duration: 15, AppointmentType: "follow-up", Status: pms.StatusScheduled, Department: "dermatology", UpdatedBy: "front-desk"},
			{Status: pms.StatusConfirmed, UpdatedBy: "patient-portal"},
			{Status: pms.StatusCheckedIn, UpdatedBy: "kiosk"},
		},
		{ // yesterday, seen
			{AppointmentID: "appt-1006", PatientID: "pms-pat-506", ProviderID: "pms-prov-21", ScheduledTime: at(day.Add(-24*time.Hour), 13, 0), Duration: 30, AppointmentType: "follow-up", Status: pms.StatusConfirmed, Department: "cardiology", UpdatedBy: "front-desk"},
			{Status: pms.StatusCheckedIn, UpdatedBy: "kiosk"},
			{Status: pms.StatusInProgress, UpdatedBy: "clinic"},
			{Status: pms.StatusCompleted, UpdatedBy: "clinic"},
		},
	}
	for _, vs := range versions {
		a := vs[0]
		for i, v := range vs {
			if i > 0 {
				a = s.appts[a.AppointmentID].cur
				if !v.ScheduledTime.IsZero() {
					a.ScheduledTime = v.ScheduledTime
				}
				if v.Status != "" {
					a.Status = v.Status
				}
				if v.Note != "" {
					a.Note = v.Note
				}
				a.UpdatedBy = v.UpdatedBy
			}
			prev := s.last
			s.commit(a, pms.EventUpdated)
			// Seed changes happened in the past, 37 minutes apart.
			s.last = prev.Add(37 * time.Minute)
			s.appts[a.AppointmentID].cur.UpdatedAt = s.last
		}
	}
	// The seed's history is not news to anyone.
	s.queue = nil
}
