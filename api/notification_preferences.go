package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/careflow/engine/internal/audit"
)

// NotificationPreferences is the body of GET and PUT /v1/patients/{id}/notification-preferences:
// channel order, refused channels and quiet hours. Addresses are never part of it; they come
// from the chart (FHIR Patient.telecom).
type NotificationPreferences struct {
	PatientID  string            `json:"patientId"`
	Channels   []string          `json:"channels"`
	OptedOut   []string          `json:"optedOut"`
	QuietHours *audit.QuietHours `json:"quietHours,omitempty"`
	// UpdatedAt is absent while the patient has no stored preferences (the defaults apply).
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// notificationPreferencesInput is what a PUT may send; patientId comes from the path.
type notificationPreferencesInput struct {
	Channels   []string          `json:"channels"`
	OptedOut   []string          `json:"optedOut"`
	QuietHours *audit.QuietHours `json:"quietHours"`
}

// patientIDPattern is a FHIR resource id: up to 64 letters, digits, '-' and '.'.
var patientIDPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// preferenceStore returns the engine's preference store, or nil when the record store keeps none.
func (s *server) preferenceStore() audit.PreferenceStore {
	p, _ := s.d.Records.(audit.PreferenceStore)
	return p
}

// getNotificationPreferences handles GET /v1/patients/{id}/notification-preferences. A patient
// without stored preferences gets the defaults (SMS, then email; nothing refused; no quiet hours).
func (s *server) getNotificationPreferences(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	id, ok := s.preferencesPatient(w, r)
	if !ok {
		return
	}
	store, ok := s.preferences(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), auditTimeout)
	defer cancel()
	p, err := store.GetPreferences(ctx, id)
	switch {
	case errors.Is(err, audit.ErrNotFound):
		writeJSON(w, http.StatusOK, NotificationPreferences{PatientID: id, Channels: []string{audit.ChannelSMS, audit.ChannelEmail}, OptedOut: []string{}})
	case err != nil:
		s.log.Error("read notification preferences failed", "request_id", infoFrom(r.Context()).id, "error", err.Error())
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the preferences could not be read; retry later"})
	default:
		writeJSON(w, http.StatusOK, preferencesView(p))
	}
}

// putNotificationPreferences handles PUT /v1/patients/{id}/notification-preferences: the body
// replaces the stored preferences. Invalid values answer 422 naming the field.
func (s *server) putNotificationPreferences(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	id, ok := s.preferencesPatient(w, r)
	if !ok {
		return
	}
	a.rec.Exchange = "Patient/" + id
	var in notificationPreferencesInput
	if de := decodeStrict(w, r, &in, false); de != nil {
		s.decodeProblem(w, r, de)
		return
	}
	store, ok := s.preferences(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), auditTimeout)
	defer cancel()
	p, err := store.PutPreferences(ctx, audit.Preferences{PatientID: id, Channels: in.Channels, OptedOut: in.OptedOut, QuietHours: in.QuietHours})
	var ve *audit.ValidationError
	switch {
	case errors.As(err, &ve):
		s.problem(w, r, Problem{Status: http.StatusUnprocessableEntity, Type: ProblemValidation,
			Detail: "the preferences are not valid", InvalidParams: []InvalidParam{{Name: ve.Field, Reason: ve.Reason}}})
		return
	case err != nil:
		s.log.Error("write notification preferences failed", "request_id", infoFrom(r.Context()).id, "error", err.Error())
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the preferences could not be stored; retry later"})
		return
	}
	writeJSON(w, http.StatusOK, preferencesView(p))
}

func preferencesView(p audit.Preferences) NotificationPreferences {
	at := p.UpdatedAt
	return NotificationPreferences{PatientID: p.PatientID, Channels: p.Channels, OptedOut: p.OptedOut, QuietHours: p.QuietHours, UpdatedAt: &at}
}

// preferencesPatient reads and checks the {id} of a preferences route: a FHIR Patient id.
func (s *server) preferencesPatient(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !patientIDPattern.MatchString(id) {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the patient id is not a FHIR id",
			InvalidParams: []InvalidParam{{Name: "id", Reason: "must be 1 to 64 letters, digits, '-' or '.'"}}})
		return "", false
	}
	return id, true
}

// preferences is the engine's preference store, or answers 503 when it keeps none.
func (s *server) preferences(w http.ResponseWriter, r *http.Request) (audit.PreferenceStore, bool) {
	store := s.preferenceStore()
	if store == nil {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "notification preferences are not kept by this engine"})
		return nil, false
	}
	return store, true
}
