package ehr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/vendorrate"
)

// Registered names of the appointment-sync activities (methods of Activities).
const (
	ReadAppointmentName   = "ReadEHRAppointment"
	WriteAppointmentName  = "WriteEHRAppointment"
	CreateAppointmentName = "CreateEHRAppointment"
)

// Appointment-sync error types.
const (
	// ErrTypeVersionConflict is a write refused because the EHR holds another version
	// (412, or a newer version found just before the write).
	ErrTypeVersionConflict = "EHRVersionConflict"
	// ErrTypeLinked means the EHR appointment is already linked to another engine appointment.
	ErrTypeLinked = "EHRAlreadyLinked"
)

// AppointmentTypeSystem is the code system of appointmentType codes the engine writes
// (HL7 v2 table 0276 codes are what the PMS appointment types are matched against).
const AppointmentTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0276"

// AppointmentSync holds the appointment-sync activities. It stands apart from Activities so
// the sync worker needs only a FHIR client and a record store that also keeps the crosswalk.
type AppointmentSync struct {
	FHIR FHIR
	// Records keeps the audit records (ids and status codes only) and the appointment crosswalk.
	Records audit.ActivityStore
	// Now is the clock that times each exchange; nil means the wall clock.
	Now func() time.Time
	// Limit paces the EHR calls of the sync in this process (nil: unpaced), including those
	// run as local activities, which the task queue's rate limit does not see.
	Limit *vendorrate.Limiter
}

// ReadAppointmentInput names the Appointment to read; LinkTo, when set, records the
// crosswalk entry from its id to that workflow ID.
type ReadAppointmentInput struct {
	ID     string `json:"id"`
	LinkTo string `json:"linkTo,omitempty"`
}

// SyncAppointment is an EHR Appointment reduced to the synced fields, with its version.
type SyncAppointment struct {
	ID        string    `json:"id"`
	Version   string    `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Marked says the version carries the engine's meta.tag (it was written by the engine).
	Marked   bool              `json:"marked"`
	Snapshot apptsync.Snapshot `json:"snapshot"`
}

// WriteAppointmentInput is the target state of an Appointment; Version is the versionId the
// merge was based on, sent as If-Match.
type WriteAppointmentInput struct {
	ID      string            `json:"id"`
	Version string            `json:"version"`
	Target  apptsync.Snapshot `json:"target"`
}

// CreateAppointmentInput is a new Appointment; Key makes the create conditional, so a retry
// finds the first try.
type CreateAppointmentInput struct {
	Key    string            `json:"key"`
	Target apptsync.Snapshot `json:"target"`
	LinkTo string            `json:"linkTo,omitempty"`
}

// ReadEHRAppointment reads one Appointment and reduces it to the synced fields.
func (a *AppointmentSync) ReadEHRAppointment(ctx context.Context, in ReadAppointmentInput) (SyncAppointment, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return SyncAppointment{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.read-appointment", "ehr", "Appointment/"+in.ID)
	res, err := a.FHIR.Read(ctx, "Appointment", in.ID)
	ex.Finish(outcomeOf(err))
	if err != nil {
		return SyncAppointment{}, classify(err)
	}
	out, err := SyncFromRaw(res.Raw)
	if err != nil {
		return SyncAppointment{}, classify(unusable(err))
	}
	if out.Version == "" {
		out.Version = res.VersionID
	}
	if err := a.linkAppointment(ctx, in.ID, in.LinkTo); err != nil {
		return SyncAppointment{}, err
	}
	return out, nil
}

// WriteEHRAppointment writes the target fields into the Appointment as the EHR holds it,
// keeping every other field, with If-Match on the merged version and the engine's meta.tag.
// A different version (found on the read or answered 412) is ErrTypeVersionConflict, which
// the workflow handles by re-reading and re-merging.
func (a *AppointmentSync) WriteEHRAppointment(ctx context.Context, in WriteAppointmentInput) (SyncAppointment, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return SyncAppointment{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.write-appointment", "ehr", "Appointment/"+in.ID)
	out, err := a.writeAppointment(ctx, in)
	ex.Finish(outcomeOf(err))
	var fe *fhir.Error
	if errors.Is(err, errStaleVersion) || (errors.As(err, &fe) && fe.Status == http.StatusPreconditionFailed) {
		return SyncAppointment{}, temporal.NewNonRetryableApplicationError("EHR holds a newer version", ErrTypeVersionConflict, nil)
	}
	if err != nil {
		return SyncAppointment{}, classify(err)
	}
	return out, nil
}

var errStaleVersion = errors.New("ehr: appointment version moved on")

func (a *AppointmentSync) writeAppointment(ctx context.Context, in WriteAppointmentInput) (SyncAppointment, error) {
	res, err := a.FHIR.Read(ctx, "Appointment", in.ID)
	if err != nil {
		return SyncAppointment{}, err
	}
	if res.VersionID != in.Version {
		return SyncAppointment{}, errStaleVersion
	}
	m, err := decodeMap(res.Raw)
	if err != nil {
		return SyncAppointment{}, unusable(err)
	}
	cur, err := SyncFromRaw(res.Raw)
	if err != nil {
		return SyncAppointment{}, unusable(err)
	}
	applySnapshot(m, cur.Snapshot, in.Target)
	body, err := json.Marshal(m)
	if err != nil {
		return SyncAppointment{}, unusable(err)
	}
	updated, err := a.FHIR.Update(ctx, "Appointment", in.ID, body, `W/"`+in.Version+`"`)
	if err != nil {
		return SyncAppointment{}, err
	}
	return written(updated, in.ID, in.Target), nil
}

// CreateEHRAppointment creates the Appointment (conditional on the engine identifier Key).
func (a *AppointmentSync) CreateEHRAppointment(ctx context.Context, in CreateAppointmentInput) (SyncAppointment, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return SyncAppointment{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.create-appointment", "ehr", "Appointment")
	ident := fhir.Identifier{System: IdentifierSystem, Value: in.Key}
	m := map[string]any{"resourceType": "Appointment",
		"identifier": []any{map[string]any{"system": ident.System, "value": ident.Value}}}
	applySnapshot(m, apptsync.Snapshot{}, in.Target)
	res, err := a.FHIR.Create(ctx, "Appointment", m, fhir.IdentifierQuery(ident))
	if res != nil {
		ex.Exchange += "/" + res.ID
	}
	ex.Finish(outcomeOf(err))
	if err != nil {
		return SyncAppointment{}, classify(err)
	}
	out := written(res, res.ID, in.Target)
	if len(res.Raw) > 0 {
		if s, err := SyncFromRaw(res.Raw); err == nil {
			out = s
		}
	}
	if err := a.linkAppointment(ctx, res.ID, in.LinkTo); err != nil {
		return SyncAppointment{}, err
	}
	return out, nil
}

// written is the result of an engine write: the server's version and the target fields.
func written(res *fhir.Resource, id string, target apptsync.Snapshot) SyncAppointment {
	out := SyncAppointment{ID: id, Version: res.VersionID, Marked: true, Snapshot: target}
	if len(res.Raw) > 0 {
		if s, err := SyncFromRaw(res.Raw); err == nil {
			s.Marked = true
			return s
		}
	}
	return out
}

func (a *AppointmentSync) linkAppointment(ctx context.Context, id, wid string) error {
	if wid == "" || a.Records == nil {
		return nil
	}
	err := a.Records.PutCrosswalk(ctx, crosswalk.FHIRAppointment, id, wid)
	if errors.Is(err, audit.ErrConflict) {
		return temporal.NewNonRetryableApplicationError("EHR appointment is linked to another appointment", ErrTypeLinked, nil)
	}
	if err != nil {
		return classify(err)
	}
	return nil
}

// rawAppointment is the part of an Appointment the sync reads.
type rawAppointment struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID   string        `json:"versionId"`
		LastUpdated string        `json:"lastUpdated"`
		Tag         []fhir.Coding `json:"tag"`
	} `json:"meta"`
	Status          string                        `json:"status"`
	AppointmentType *fhir.CodeableConcept         `json:"appointmentType"`
	Specialty       []fhir.CodeableConcept        `json:"specialty"`
	Start           string                        `json:"start"`
	End             string                        `json:"end"`
	MinutesDuration int                           `json:"minutesDuration"`
	Comment         string                        `json:"comment"`
	Participant     []fhir.AppointmentParticipant `json:"participant"`
}

// SyncFromRaw reduces a raw FHIR Appointment to the synced fields: Department is
// specialty[0].text, Type is appointmentType's first code, Duration is minutesDuration or
// end - start. It never returns resource content in its error.
func SyncFromRaw(raw json.RawMessage) (SyncAppointment, error) {
	var r rawAppointment
	if err := json.Unmarshal(raw, &r); err != nil {
		return SyncAppointment{}, errors.New("appointment does not decode")
	}
	if r.ResourceType != "Appointment" || r.ID == "" {
		return SyncAppointment{}, errors.New("not an Appointment with an id")
	}
	out := SyncAppointment{ID: r.ID, Version: r.Meta.VersionID}
	if t, err := time.Parse(time.RFC3339Nano, r.Meta.LastUpdated); err == nil {
		out.UpdatedAt = t.UTC()
	}
	for _, t := range r.Meta.Tag {
		out.Marked = out.Marked || (t.System == apptsync.FHIRTagSystem && t.Code == apptsync.FHIRTagCode)
	}
	s := &out.Snapshot
	s.Status, s.Note = r.Status, r.Comment
	if r.Start != "" {
		t, err := time.Parse(time.RFC3339, r.Start)
		if err != nil {
			return SyncAppointment{}, errors.New("appointment start is not a FHIR instant")
		}
		s.Start = t.UTC()
	}
	s.Duration = r.MinutesDuration
	if s.Duration == 0 && r.End != "" && !s.Start.IsZero() {
		if e, err := time.Parse(time.RFC3339, r.End); err == nil {
			s.Duration = int(e.Sub(s.Start) / time.Minute)
		}
	}
	if r.AppointmentType != nil {
		for _, c := range r.AppointmentType.Coding {
			if c.Code != "" {
				s.Type = c.Code
				break
			}
		}
	}
	if len(r.Specialty) > 0 {
		s.Department = r.Specialty[0].Text
	}
	appt := fhir.Appointment{Participant: r.Participant}
	s.Patient, _ = appt.ParticipantID("Patient")
	s.Provider, _ = appt.ParticipantID("Practitioner")
	return out, nil
}

func decodeMap(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// applySnapshot writes the fields of target that differ from cur into the raw Appointment m,
// keeping everything else, and adds the engine's meta.tag.
func applySnapshot(m map[string]any, cur, t apptsync.Snapshot) {
	if !cur.Equal(t, apptsync.FieldStatus) || cur.Status == "" {
		m["status"] = t.Status
	}
	if t.Status != apptsync.FHIRCancelled && t.Status != apptsync.FHIRNoShow {
		// R4 app-4: cancelationReason only on cancelled and noshow appointments.
		delete(m, "cancelationReason")
	}
	if !t.Start.IsZero() && (!cur.Equal(t, apptsync.FieldStart) || !cur.Equal(t, apptsync.FieldDuration)) {
		m["start"] = t.Start.UTC().Format(time.RFC3339)
		m["end"] = t.Start.Add(time.Duration(t.Duration) * time.Minute).UTC().Format(time.RFC3339)
		m["minutesDuration"] = t.Duration
	}
	if !cur.Equal(t, apptsync.FieldType) {
		if t.Type == "" {
			delete(m, "appointmentType")
		} else {
			m["appointmentType"] = map[string]any{"coding": []any{map[string]any{"system": AppointmentTypeSystem, "code": t.Type}}}
		}
	}
	if !cur.Equal(t, apptsync.FieldDepartment) {
		if t.Department == "" {
			delete(m, "specialty")
		} else {
			m["specialty"] = []any{map[string]any{"text": t.Department}}
		}
	}
	if !cur.Equal(t, apptsync.FieldNote) {
		if t.Note == "" {
			delete(m, "comment")
		} else {
			m["comment"] = t.Note
		}
	}
	if !cur.Equal(t, apptsync.FieldPatient) || !cur.Equal(t, apptsync.FieldProvider) {
		m["participant"] = setParticipants(m["participant"], t.Patient, t.Provider)
	}
	meta, _ := m["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	tags, _ := meta["tag"].([]any)
	has := false
	for _, x := range tags {
		if tm, ok := x.(map[string]any); ok && tm["system"] == apptsync.FHIRTagSystem && tm["code"] == apptsync.FHIRTagCode {
			has = true
		}
	}
	if !has {
		tags = append(tags, map[string]any{"system": apptsync.FHIRTagSystem, "code": apptsync.FHIRTagCode})
	}
	meta["tag"] = tags
	m["meta"] = meta
}

// setParticipants points the first Patient and Practitioner participants at the given ids,
// adding them when missing and keeping every other participant.
func setParticipants(v any, patient, provider string) []any {
	list, _ := v.([]any)
	set := func(typ, id string) {
		if id == "" {
			return
		}
		for _, p := range list {
			pm, ok := p.(map[string]any)
			if !ok {
				continue
			}
			actor, _ := pm["actor"].(map[string]any)
			ref, _ := actor["reference"].(string)
			if strings.HasPrefix(ref, typ+"/") {
				actor["reference"] = typ + "/" + id
				return
			}
		}
		list = append(list, map[string]any{"actor": map[string]any{"reference": typ + "/" + id},
			"required": "required", "status": "accepted"})
	}
	set("Patient", patient)
	set("Practitioner", provider)
	return list
}
