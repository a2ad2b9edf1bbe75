package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/mocks"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/appointments"
)

const (
	pmsHookSecret  = "pms-hook-secret"
	fhirHookSecret = "fhir-hook-secret"
)

func apptHarness(t *testing.T) *harness {
	return newHarness(t, func(d *api.Deps) {
		d.Appointments = api.AppointmentDefaults{PMSWebhookSecret: pmsHookSecret, FHIRWebhookSecret: fhirHookSecret,
			ConflictSearchAttribute: appointments.ConflictSearchAttribute}
	})
}

const pmsEvent = `{"eventId":"evt_appt-1001_v3","type":"appointment.updated","appointment":{"appointmentId":"appt-1001",` +
	`"patientId":"pms-pat-501","providerId":"pms-prov-21","scheduledTime":"2026-03-03T09:00:00Z","duration":30,` +
	`"appointmentType":"follow-up","status":"confirmed","department":"cardiology","version":3,"updatedAt":"2026-03-02T08:00:00Z","updatedBy":"front-desk"}}`

func TestPMSWebhookStartsSyncForUnknownAppointment(t *testing.T) {
	h := apptHarness(t)
	wid := appointments.WorkflowID(appointments.IDForPMS("appt-1001"))
	h.temporal.On("SignalWithStartWorkflow", mock.Anything, wid, appointments.ChangeSignalName,
		mock.MatchedBy(func(s appointments.ChangeSignal) bool {
			return s.Source == appointments.SourcePMS && s.ID == "appt-1001" && s.Version == "3" && !s.Marked &&
				s.EventID == "pms:evt_appt-1001_v3"
		}), mock.Anything, appointments.WorkflowName, mock.MatchedBy(func(in appointments.Input) bool {
			return in.PMSID == "appt-1001" && in.EHRID == "" && in.ConflictSearchAttribute == appointments.ConflictSearchAttribute
		})).Return(new(mocks.WorkflowRun), nil).Once()
	w := h.do(http.MethodPost, "/webhooks/pms", pmsEvent, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(pmsEvent)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "accepted")
}

func TestPMSWebhookSignalsLinkedWorkflow(t *testing.T) {
	h := apptHarness(t)
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.PMSAppointment, "appt-1001", "appointment:a1"))
	h.temporal.On("SignalWorkflow", mock.Anything, "appointment:a1", "", appointments.ChangeSignalName, mock.Anything).Return(nil).Once()
	w := h.do(http.MethodPost, "/webhooks/pms", pmsEvent, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(pmsEvent)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestPMSEchoOfTheEnginesWriteWakesNoWorkflow(t *testing.T) {
	h := apptHarness(t) // no Temporal expectation: any signal fails the test
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.PMSAppointment, "appt-1001", "appointment:a1"))
	echo := strings.Replace(pmsEvent, `"updatedBy":"front-desk"`, `"updatedBy":"careflow"`, 1)
	require.NotEqual(t, pmsEvent, echo)
	w := h.do(http.MethodPost, "/webhooks/pms", echo, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(echo)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "ignored")
	h.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

func TestAppointmentWebhooksRefuseBadSignatures(t *testing.T) {
	h := apptHarness(t) // no Temporal expectation: any signal fails the test
	w := h.do(http.MethodPost, "/webhooks/pms", pmsEvent, "")
	assert.Equal(t, http.StatusUnauthorized, w.Code, "unsigned")
	tampered := pmsEvent[:len(pmsEvent)-2] + ` }}`
	w = h.do(http.MethodPost, "/webhooks/pms", tampered, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(pmsEvent)))
	assert.Equal(t, http.StatusBadRequest, w.Code, "tampered")
	w = h.do(http.MethodPost, "/webhooks/fhir", medplumBody, "", api.FHIRSignatureHeader, api.SignFHIRNotification([]byte("wrong"), []byte(medplumBody)))
	assert.Equal(t, http.StatusBadRequest, w.Code, "wrong secret")
	w = h.do(http.MethodPost, "/webhooks/fhir", medplumBody, "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestMalformedWebhookIsRefusedAndKept(t *testing.T) {
	h := apptHarness(t)
	body := `{"eventId":"evt_1","appointment":{"appointmentId":"appt-1"}}`
	w := h.do(http.MethodPost, "/webhooks/pms", body, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(body)))
	require.Equal(t, http.StatusBadRequest, w.Code)
	rec := h.store.last(t)
	assert.Equal(t, "webhook.pms", rec.Action)
	assert.Equal(t, []byte(body), keptBody(t, rec.Payload), "the refused body is kept (the store encrypts it)")

	junk := `{"resourceType":"Patient","id":"x"}`
	w = h.do(http.MethodPost, "/webhooks/fhir", junk, "", api.FHIRSignatureHeader, api.SignFHIRNotification([]byte(fhirHookSecret), []byte(junk)))
	require.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, []byte(junk), keptBody(t, h.store.last(t).Payload))
}

func TestEngineWriteOfUnlinkedAppointmentIsIgnored(t *testing.T) {
	h := apptHarness(t)
	body := `{"eventId":"evt_x_v1","type":"appointment.created","appointment":{"appointmentId":"ehr-appt-1","version":1,"updatedBy":"careflow"}}`
	w := h.do(http.MethodPost, "/webhooks/pms", body, "", pms.SignatureHeader, pms.Sign([]byte(pmsHookSecret), []byte(body)))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "ignored")
}

const medplumBody = `{"resourceType":"Appointment","id":"appt-1001","meta":{"versionId":"4","lastUpdated":"2026-03-02T08:00:00.000Z",` +
	`"tag":[{"system":"https://careflow.dev/fhir/CodeSystem/sync","code":"careflow-write"}]},"status":"booked",` +
	`"start":"2026-03-03T09:00:00Z","participant":[{"actor":{"reference":"Patient/pat-1001"},"status":"accepted"}]}`

func backport(entries string, kind string) string {
	return `{"resourceType":"Bundle","type":"history","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Parameters","parameter":[` +
		`{"name":"subscription","valueReference":{"reference":"https://ehr.example/fhir/Subscription/sub-1"}},` +
		`{"name":"topic","valueCanonical":"http://example.org/topic/appointment"},{"name":"status","valueCode":"active"},` +
		`{"name":"type","valueCode":"` + kind + `"},{"name":"events-since-subscription-start","valueString":"8"},` +
		`{"name":"notification-event","part":[{"name":"event-number","valueString":"7"},{"name":"focus","valueReference":{"reference":"https://ehr.example/fhir/Appointment/appt-1002/_history/2"}}]},` +
		`{"name":"notification-event","part":[{"name":"event-number","valueString":"8"},{"name":"focus","valueReference":{"reference":"Appointment/appt-1001"}}]}` +
		`]}}` + entries + `]}`
}

func TestParseFHIRNotificationShapes(t *testing.T) {
	got, err := api.ParseFHIRNotification([]byte(medplumBody))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, appointments.ChangeSignal{Source: "ehr", EventID: "fhir:appt-1001/_history/4", ID: "appt-1001", Version: "4",
		UpdatedAt: got[0].UpdatedAt, Marked: true}, got[0])

	idOnly, err := api.ParseFHIRNotification([]byte(backport(`,{"fullUrl":"https://ehr.example/fhir/Appointment/appt-1002","request":{"method":"PUT","url":"Appointment/appt-1002"}}`, "event-notification")))
	require.NoError(t, err)
	require.Len(t, idOnly, 2)
	assert.Equal(t, "appt-1002", idOnly[0].ID)
	assert.Empty(t, idOnly[0].Version, "id-only: the workflow reads the resource")
	assert.Equal(t, "fhir-event:https://ehr.example/fhir/Subscription/sub-1#7", idOnly[0].EventID)
	assert.Equal(t, "appt-1001", idOnly[1].ID)

	full, err := api.ParseFHIRNotification([]byte(backport(`,{"fullUrl":"Appointment/appt-1001","resource":`+medplumBody+`}`, "event-notification")))
	require.NoError(t, err)
	require.Len(t, full, 2)
	assert.Equal(t, "4", full[1].Version, "full-resource: the version comes along")
	assert.True(t, full[1].Marked)

	none, err := api.ParseFHIRNotification([]byte(backport("", "handshake")))
	require.NoError(t, err)
	assert.Empty(t, none)

	for _, bad := range []string{`{`, `{"resourceType":"Bundle","type":"searchset","entry":[]}`, `{"resourceType":"Appointment","id":"a"}`} {
		_, err := api.ParseFHIRNotification([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestFHIRWebhookBackportDeliversEachEvent(t *testing.T) {
	h := apptHarness(t)
	body := backport("", "event-notification")
	h.temporal.On("SignalWithStartWorkflow", mock.Anything, appointments.WorkflowID("ehr-appt-1002"), appointments.ChangeSignalName,
		mock.Anything, mock.Anything, appointments.WorkflowName, mock.Anything).Return(new(mocks.WorkflowRun), nil).Once()
	h.temporal.On("SignalWithStartWorkflow", mock.Anything, appointments.WorkflowID("ehr-appt-1001"), appointments.ChangeSignalName,
		mock.Anything, mock.Anything, appointments.WorkflowName, mock.Anything).Return(new(mocks.WorkflowRun), nil).Once()
	w := h.do(http.MethodPost, "/webhooks/fhir", body, "", api.FHIRSignatureHeader, api.SignFHIRNotification([]byte(fhirHookSecret), []byte(body)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestStartAppointmentValidates(t *testing.T) {
	h := apptHarness(t)
	w := h.do(http.MethodPost, "/v1/appointments", `{"appointmentId":"a1"}`, adminSecret)
	assert.Equal(t, http.StatusBadRequest, w.Code, "neither side named")
	w = h.do(http.MethodGet, "/v1/appointments", "", adminSecret)
	assert.Equal(t, http.StatusBadRequest, w.Code, "only conflict=true")
}

func FuzzParseFHIRNotification(f *testing.F) {
	f.Add([]byte(medplumBody))
	f.Add([]byte(backport("", "event-notification")))
	f.Add([]byte(backport(`,{"fullUrl":"Appointment/appt-1001","resource":`+medplumBody+`}`, "event-notification")))
	f.Add([]byte(`{"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Parameters"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		changes, err := api.ParseFHIRNotification(body)
		if err != nil && changes != nil {
			t.Fatal("changes returned with an error")
		}
		for _, c := range changes {
			if appointments.ValidateID(c.ID) != nil || c.Source != appointments.SourceEHR || c.EventID == "" {
				t.Fatalf("unusable change %+v", c)
			}
		}
	})
}
