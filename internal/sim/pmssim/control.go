package pmssim

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/simkit"
)

// Edit is a change made "as a human would" at the PMS front desk; nil
// fields are left as they are.
type Edit struct {
	ScheduledTime   *time.Time `json:"scheduledTime,omitempty"`
	Duration        *int       `json:"duration,omitempty"`
	ProviderID      *string    `json:"providerId,omitempty"`
	PatientID       *string    `json:"patientId,omitempty"`
	AppointmentType *string    `json:"appointmentType,omitempty"`
	Status          *string    `json:"status,omitempty"`
	Department      *string    `json:"department,omitempty"`
	Note            *string    `json:"note,omitempty"`
	// By is the writer recorded in updatedBy; "" means "front-desk".
	By string `json:"by,omitempty"`
}

// Edit errors.
var (
	ErrNotFound = errors.New("pmssim: appointment not found")
	ErrInvalid  = errors.New("pmssim: edit makes the appointment invalid")
)

// Edit applies e to appointment id, bumping its version and firing its webhook.
func (s *Sim) Edit(id string, e Edit) (pms.Appointment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.appts[id]
	if !ok {
		return pms.Appointment{}, ErrNotFound
	}
	a := rec.cur
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if e.ScheduledTime != nil {
		a.ScheduledTime = e.ScheduledTime.UTC()
	}
	if e.Duration != nil {
		a.Duration = *e.Duration
	}
	set(&a.ProviderID, e.ProviderID)
	set(&a.PatientID, e.PatientID)
	set(&a.AppointmentType, e.AppointmentType)
	set(&a.Status, e.Status)
	set(&a.Department, e.Department)
	set(&a.Note, e.Note)
	if a.Validate() != nil {
		return pms.Appointment{}, ErrInvalid
	}
	a.UpdatedBy = e.By
	if a.UpdatedBy == "" {
		a.UpdatedBy = "front-desk"
	}
	s.counts.Edits++
	return s.commit(a, pms.EventUpdated), nil
}

// Appointments returns every appointment in id order.
func (s *Sim) Appointments() []pms.Appointment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]pms.Appointment, 0, len(s.appts))
	for _, r := range s.appts {
		out = append(out, r.cur)
	}
	slices.SortFunc(out, func(a, b pms.Appointment) int {
		switch {
		case a.AppointmentID < b.AppointmentID:
			return -1
		case a.AppointmentID > b.AppointmentID:
			return 1
		}
		return 0
	})
	return out
}

// controlRoutes exposes the test controls on the simulator's own listener.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	simkit.FaultRoutes(m, api, s)
	m.HandleFunc("GET /_sim/appointments", func(w http.ResponseWriter, r *http.Request) {
		api.JSON(w, http.StatusOK, s.Appointments())
	})
	m.HandleFunc("GET /_sim/appointments/{id}/history", func(w http.ResponseWriter, r *http.Request) {
		h := s.History(r.PathValue("id"))
		if h == nil {
			api.Error(w, http.StatusNotFound, ErrNotFound.Error())
			return
		}
		api.JSON(w, http.StatusOK, h)
	})
	m.HandleFunc("POST /_sim/appointments/{id}/edit", func(w http.ResponseWriter, r *http.Request) {
		var e Edit
		if !api.Decode(w, r, &e) {
			return
		}
		a, err := s.Edit(r.PathValue("id"), e)
		switch {
		case errors.Is(err, ErrNotFound):
			api.Error(w, http.StatusNotFound, err.Error())
		case err != nil:
			api.Error(w, http.StatusBadRequest, err.Error())
		default:
			api.JSON(w, http.StatusOK, a)
		}
	})
	simkit.URLRoute(m, api, "PUT /_sim/webhook", s.SetWebhookURL)
}
