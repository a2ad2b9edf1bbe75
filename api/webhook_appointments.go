package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/appointments"
)

// AuthHMACSignature marks webhook routes that verify a shared-secret HMAC-SHA256 of the body
// (X-PMS-Signature, X-Signature) instead of a bearer token.
const AuthHMACSignature = "hmac-signature"

// FHIRSignatureHeader carries the hex HMAC-SHA256 of a FHIR notification body under
// FHIR_WEBHOOK_SECRET (Medplum's subscription signature header).
const FHIRSignatureHeader = fhir.NotificationSignatureHeader

// SignFHIRNotification is the X-Signature value of body under secret.
func SignFHIRNotification(secret, body []byte) string { return fhir.SignNotification(secret, body) }

// readWebhook reads a signed webhook body and verifies its signature. It answers the
// problem itself and returns ok=false: 503 without a secret, 401 without a signature, 400 for
// a wrong one; nothing is signalled in any of these cases.
func (s *server) readWebhook(w http.ResponseWriter, r *http.Request, secret, header, vendor string) ([]byte, int, string, bool) {
	if secret == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: vendor + " webhooks are not configured"})
		return nil, http.StatusServiceUnavailable, audit.OutcomeError, false
	}
	if s.d.Records == nil {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the crosswalk store is unavailable"})
		return nil, http.StatusServiceUnavailable, audit.OutcomeError, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the body exceeds 1 MiB"})
			return nil, http.StatusRequestEntityTooLarge, audit.OutcomeRejected, false
		}
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the body could not be read"})
		return nil, http.StatusBadRequest, audit.OutcomeRejected, false
	}
	sig := r.Header.Get(header)
	if sig == "" {
		s.problem(w, r, Problem{Status: http.StatusUnauthorized, Type: ProblemBadSignature, Detail: "the " + header + " header is missing"})
		return nil, http.StatusUnauthorized, audit.OutcomeRejected, false
	}
	// pms.Verify is the plain hex HMAC-SHA256 check both vendors' schemes use.
	if !pms.Verify([]byte(secret), body, sig) {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemBadSignature, Detail: "the " + header + " header does not match the body"})
		return nil, http.StatusBadRequest, audit.OutcomeRejected, false
	}
	return body, 0, "", true
}

// malformedWebhook answers 400 for a verified body the engine cannot read, keeping the body
// encrypted in the audit trail (a.rec.Payload), so nothing is lost.
func (s *server) malformedWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry, body []byte, detail string) (int, string) {
	a.rec.Payload = body
	s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemMalformedJSON, Detail: detail})
	return http.StatusBadRequest, audit.OutcomeRejected
}

// deliver hands the changes to their workflows; 200 only once Temporal accepted every one.
func (s *server) deliver(w http.ResponseWriter, r *http.Request, changes []appointments.ChangeSignal) (int, string) {
	ctx, cancel := context.WithTimeout(r.Context(), notifyTimeout)
	defer cancel()
	n, status := s.notifier(), "ignored"
	for _, c := range changes {
		out, err := n.Notify(ctx, c)
		if err != nil {
			s.log.Warn("appointment webhook: signal failed", "request_id", infoFrom(r.Context()).id, "error", logText(err))
			w.Header().Set("Retry-After", "5")
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the change could not be recorded; retry later"})
			return http.StatusServiceUnavailable, audit.OutcomeError
		}
		if out == appointments.Delivered {
			status = "accepted"
		}
	}
	writeJSON(w, http.StatusOK, webhookAck{Status: status})
	if status == "ignored" {
		return http.StatusOK, audit.OutcomeIgnored
	}
	return http.StatusOK, audit.OutcomeOK
}

// pmsWebhook handles POST /webhooks/pms: an X-PMS-Signature-signed pms.WebhookEvent.
func (s *server) pmsWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	a.webhook("pms")
	_, a.rec.Outcome = s.doPMSWebhook(w, r, a)
}

func (s *server) doPMSWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) (int, string) {
	body, status, outcome, ok := s.readWebhook(w, r, s.d.Appointments.PMSWebhookSecret, pms.SignatureHeader, "PMS")
	if !ok {
		return status, outcome
	}
	var ev pms.WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return s.malformedWebhook(w, r, a, body, "the PMS event is not valid JSON")
	}
	ap := ev.Appointment
	if ev.EventID == "" || appointments.ValidateID(ap.AppointmentID) != nil || ap.Version <= 0 {
		return s.malformedWebhook(w, r, a, body, "the PMS event lacks an eventId, an appointment id or a version")
	}
	a.rec.Exchange = ev.EventID
	return s.deliver(w, r, []appointments.ChangeSignal{{Source: appointments.SourcePMS, EventID: "pms:" + ev.EventID,
		ID: ap.AppointmentID, Version: strconv.Itoa(ap.Version), UpdatedAt: ap.UpdatedAt, Marked: ap.UpdatedBy == pms.EngineWriter}})
}

// fhirWebhook handles POST /webhooks/fhir: a FHIR R4 rest-hook notification signed with
// X-Signature, either a full Appointment (Medplum style) or a Subscriptions Backport IG
// history Bundle (id-only or full-resource) whose first entry is the SubscriptionStatus
// Parameters with the notification events and their event numbers.
func (s *server) fhirWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	a.webhook("fhir")
	a.rec.Vendor = "ehr"
	_, a.rec.Outcome = s.doFHIRWebhook(w, r, a)
}

func (s *server) doFHIRWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) (int, string) {
	body, status, outcome, ok := s.readWebhook(w, r, s.d.Appointments.FHIRWebhookSecret, FHIRSignatureHeader, "FHIR")
	if !ok {
		return status, outcome
	}
	changes, err := ParseFHIRNotification(body)
	if err != nil {
		return s.malformedWebhook(w, r, a, body, "the FHIR notification is not understood")
	}
	return s.deliver(w, r, changes)
}

// errNotification is returned for a notification the engine cannot read; it quotes nothing.
var errNotification = errors.New("api: unreadable FHIR notification")

// fhirNotice is the part of a notification body ParseFHIRNotification reads.
type fhirNotice struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

type fhirParam struct {
	Name           string                      `json:"name"`
	ValueString    string                      `json:"valueString"`
	ValueCode      string                      `json:"valueCode"`
	ValueCanonical string                      `json:"valueCanonical"`
	ValueInteger   *int64                      `json:"valueInteger"`
	ValueReference *struct{ Reference string } `json:"valueReference"`
	Part           []fhirParam                 `json:"part"`
}

// ParseFHIRNotification turns a notification body into change signals: one for a full
// Appointment, one per Appointment notification event of a Backport history Bundle
// (handshake and heartbeat Bundles give none). Events without the resource are id-only:
// their workflow reads the Appointment.
func ParseFHIRNotification(body []byte) ([]appointments.ChangeSignal, error) {
	var n fhirNotice
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, errNotification
	}
	switch n.ResourceType {
	case "Appointment":
		c, err := fullResourceChange(body)
		if err != nil {
			return nil, err
		}
		c.EventID = "fhir:" + c.ID + "/_history/" + c.Version
		return []appointments.ChangeSignal{c}, nil
	case "Bundle":
	default:
		return nil, errNotification
	}
	if n.Type != "history" || len(n.Entry) == 0 {
		return nil, errNotification
	}
	var status struct {
		ResourceType string      `json:"resourceType"`
		Parameter    []fhirParam `json:"parameter"`
	}
	if json.Unmarshal(n.Entry[0].Resource, &status) != nil || status.ResourceType != "Parameters" {
		return nil, errNotification
	}
	subscription, kind := "", ""
	var events [][]fhirParam
	for _, p := range status.Parameter {
		switch p.Name {
		case "subscription":
			if p.ValueReference != nil {
				subscription = p.ValueReference.Reference
			}
		case "type":
			kind = p.ValueCode
		case "notification-event", "notificationEvent":
			events = append(events, p.Part)
		}
	}
	if kind == "handshake" || kind == "heartbeat" {
		return nil, nil
	}
	if kind != "event-notification" && kind != "query-event" {
		return nil, errNotification
	}
	// Full resources in the Bundle, by type/id.
	full := map[string]appointments.ChangeSignal{}
	for _, e := range n.Entry[1:] {
		if len(e.Resource) == 0 {
			continue
		}
		if c, err := fullResourceChange(e.Resource); err == nil {
			full["Appointment/"+c.ID] = c
		}
	}
	var out []appointments.ChangeSignal
	for _, parts := range events {
		number, focus := "", ""
		for _, p := range parts {
			switch p.Name {
			case "event-number", "eventNumber":
				number = p.ValueString
				if number == "" && p.ValueInteger != nil {
					number = strconv.Itoa(int(*p.ValueInteger))
				}
			case "focus":
				if p.ValueReference != nil {
					focus = p.ValueReference.Reference
				}
			}
		}
		typ, id, ok := focusTarget(focus)
		if !ok || number == "" {
			return nil, errNotification
		}
		if typ != "Appointment" {
			continue
		}
		c, ok := full["Appointment/"+id]
		if !ok {
			c = appointments.ChangeSignal{Source: appointments.SourceEHR, ID: id}
		}
		c.EventID = "fhir-event:" + subscription + "#" + number
		out = append(out, c)
	}
	return out, nil
}

// fullResourceChange reads the change of a full Appointment resource.
func fullResourceChange(raw []byte) (appointments.ChangeSignal, error) {
	sa, err := ehr.SyncFromRaw(raw)
	if err != nil || appointments.ValidateID(sa.ID) != nil || sa.Version == "" {
		return appointments.ChangeSignal{}, errNotification
	}
	return appointments.ChangeSignal{Source: appointments.SourceEHR, ID: sa.ID, Version: sa.Version,
		UpdatedAt: sa.UpdatedAt, Marked: sa.Marked}, nil
}

// focusTarget reads "Appointment/123", ".../Appointment/123" or ".../Appointment/123/_history/4".
func focusTarget(ref string) (string, string, bool) {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(strings.TrimRight(ref, "/"), "/")
	if len(parts) < 2 {
		return "", "", false
	}
	typ, id := parts[len(parts)-2], parts[len(parts)-1]
	if typ == "" || appointments.ValidateID(id) != nil {
		return "", "", false
	}
	return typ, id, true
}
