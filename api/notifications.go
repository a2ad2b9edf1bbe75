package api

import (
	"net/http"
	"regexp"
	"time"

	"github.com/careflow/engine/internal/fielderr"
	"github.com/careflow/engine/internal/notify/templates"
	"github.com/careflow/engine/workflows/notifications"
)

// NotificationView is the answer of POST and GET /v1/notifications: the live state (channels,
// statuses, message references, never an address or a text) and the Temporal link.
type NotificationView struct {
	notifications.State
	Temporal TemporalRef `json:"temporal"`
}

// notificationStart is the body of POST /v1/notifications.
type notificationStart struct {
	NotificationID string             `json:"notificationId"`
	PatientID      string             `json:"patientId"`
	Scenario       templates.Scenario `json:"scenario"`
	At             string             `json:"at"`
	Clinic         string             `json:"clinic"`
	SendAt         string             `json:"sendAt"`
	Critical       bool               `json:"critical"`
}

// notificationIDPattern is an opaque business key: it becomes the workflow ID. Up to 80
// characters, so the ids processes derive ("checkin." + a 64-character appointment id) fit.
var notificationIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$`)

const notificationNotFound = "no such notification"

// notificationProcess is how the API reaches notification workflows. Their starts are
// rejected for a repeated id (one notification per id, ever: a repeat must not text twice).
var notificationProcess = &process[notifications.State]{
	noun:        "notification",
	path:        "/v1/notifications",
	notFound:    notificationNotFound,
	validateID:  validNotificationID,
	workflowID:  notifications.WorkflowID,
	taskQueue:   notifications.TaskQueue,
	workflow:    notifications.WorkflowName,
	statusQuery: notifications.StatusQuery,
	view: func(st notifications.State, ref TemporalRef) any {
		return NotificationView{State: st, Temporal: ref}
	},
	// GET answers have always named the notification's URL.
	getContentLocation: true,
}

// validNotificationID checks a notification id path value.
func validNotificationID(id string) error {
	if !notificationIDPattern.MatchString(id) {
		return &fielderr.Error{Field: "id", Reason: "must be an opaque notification id"}
	}
	return nil
}

// validate checks the start body; the InvalidParam never repeats a value.
func (in notificationStart) validate() (notifications.Input, *InvalidParam) {
	out := notifications.Input{NotificationID: in.NotificationID, PatientID: in.PatientID, Scenario: in.Scenario,
		At: in.At, Clinic: in.Clinic, Critical: in.Critical}
	switch {
	case !notificationIDPattern.MatchString(in.NotificationID):
		return out, &InvalidParam{Name: "notificationId", Reason: "must be an opaque id of 1 to 64 letters, digits, '.', '_' or '-'"}
	case !patientIDPattern.MatchString(in.PatientID):
		return out, &InvalidParam{Name: "patientId", Reason: "must be a FHIR Patient id"}
	case in.Scenario == templates.CriticalPage || templates.DataType(in.Scenario) == nil:
		return out, &InvalidParam{Name: "scenario", Reason: "must be a patient notification scenario"}
	case len(in.Clinic) > 100:
		return out, &InvalidParam{Name: "clinic", Reason: "must be at most 100 characters"}
	}
	if in.At != "" {
		if _, err := time.Parse(time.RFC3339, in.At); err != nil {
			return out, &InvalidParam{Name: "at", Reason: "must be an RFC 3339 date-time"}
		}
	}
	if in.SendAt != "" {
		t, err := time.Parse(time.RFC3339, in.SendAt)
		if err != nil {
			return out, &InvalidParam{Name: "sendAt", Reason: "must be an RFC 3339 date-time"}
		}
		out.SendAt = t
	}
	return out, nil
}

// startNotification handles POST /v1/notifications: one notification to one patient, sent on
// the channel the preferences and the chart allow (notifications.Notification).
func (s *server) startNotification(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	var body notificationStart
	if de := decodeStrict(w, r, &body, false); de != nil {
		s.decodeProblem(w, r, de)
		return
	}
	in, bad := body.validate()
	if bad != nil {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid",
			InvalidParams: []InvalidParam{*bad}})
		return
	}
	startWorkflow(s, w, r, a, notificationProcess, in.NotificationID, in, func() notifications.State {
		return notifications.State{Status: notifications.StatusScheduled, Attempts: []notifications.Attempt{}}
	})
}

// notificationRoutes are the notification process's routes and the patients' preferences.
func (s *server) notificationRoutes() []routeEntry {
	return []routeEntry{
		{Route{http.MethodPost, "/v1/notifications", AuthBearer, "notifications.write", "notifications.start"}, s.startNotification},
		{Route{http.MethodGet, "/v1/notifications/{id}", AuthBearer, "notifications.read", ""}, getHandler(s, notificationProcess)},
		{Route{http.MethodGet, "/v1/patients/{id}/notification-preferences", AuthBearer, "patients.read", ""}, s.getNotificationPreferences},
		{Route{http.MethodPut, "/v1/patients/{id}/notification-preferences", AuthBearer, "patients.write", "patients.notification-preferences"}, s.putNotificationPreferences},
	}
}
