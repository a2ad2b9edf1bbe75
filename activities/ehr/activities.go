package ehr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
)

// FHIR is the part of the FHIR client the activities need, so tests can inject a fake.
type FHIR interface {
	Read(ctx context.Context, resourceType, id string) (*fhir.Resource, error)
	Search(ctx context.Context, resourceType string, q url.Values) ([]*fhir.Resource, error)
	Create(ctx context.Context, resourceType string, body any, ifNoneExist string) (*fhir.Resource, error)
	UpdateStatus(ctx context.Context, resourceType, id, status string) (*fhir.Resource, error)
}

// IdentifierSystem marks resources the engine creates, so a retried create finds its first try.
const IdentifierSystem = "urn:careflow:process"

// Activities reads and writes the EHR. Records gets one audit record per exchange, holding
// resource types and ids only.
type Activities struct {
	FHIR    FHIR
	Records audit.Store
	Now     func() time.Time
}

// LoadCheckIn reads the appointment, its patient, the patient's active Coverage and the payer.
func (a *Activities) LoadCheckIn(ctx context.Context, in LoadCheckInInput) (CheckInContext, error) {
	start := time.Now()
	out, err := a.loadCheckIn(ctx, in)
	a.record(ctx, "fhir.load-checkin", "Appointment/"+in.AppointmentID, start, err)
	return out, classify(err)
}

func (a *Activities) loadCheckIn(ctx context.Context, in LoadCheckInInput) (CheckInContext, error) {
	res, err := a.FHIR.Read(ctx, "Appointment", in.AppointmentID)
	if err != nil {
		return CheckInContext{}, err
	}
	appt, err := fhir.Decode[fhir.Appointment](res)
	if err != nil {
		return CheckInContext{}, unusable(err)
	}
	patientID, ok := appt.ParticipantID("Patient")
	if !ok {
		return CheckInContext{}, notFound("the appointment has no patient participant")
	}
	res, err = a.FHIR.Read(ctx, "Patient", patientID)
	if err != nil {
		return CheckInContext{}, err
	}
	pat, err := fhir.Decode[fhir.Patient](res)
	if err != nil {
		return CheckInContext{}, unusable(err)
	}
	// An ended or not-yet-valid number is never texted: MobileAt applies period, use and rank.
	mobile, _ := pat.MobileAt(a.now())
	out := CheckInContext{AppointmentID: in.AppointmentID, AppointmentStatus: appt.Status,
		AppointmentStart: string(appt.Start), PatientID: patientID, PatientMobile: mobile,
		PatientFirstName: pat.FirstNameAt(a.now())}
	out.Coverage, err = a.activeCoverage(ctx, patientID)
	return out, err
}

// activeCoverage returns the patient's first active Coverage (lowest order), or nil.
func (a *Activities) activeCoverage(ctx context.Context, patientID string) (*Coverage, error) {
	found, err := a.FHIR.Search(ctx, "Coverage", url.Values{"beneficiary": {"Patient/" + patientID}, "status": {"active"}})
	if err != nil {
		return nil, err
	}
	var best *fhir.Coverage
	for _, r := range found {
		c, err := fhir.Decode[fhir.Coverage](r)
		if err != nil || c.Status != "active" {
			continue
		}
		if best == nil || (c.Order > 0 && (best.Order == 0 || c.Order < best.Order)) {
			best = &c
		}
	}
	if best == nil {
		return nil, nil
	}
	cov := &Coverage{CoverageID: best.ID, MemberID: best.SubscriberID}
	cov.GroupNumber, _ = best.ClassValue("group")
	if len(best.Payor) > 0 {
		if err := a.payer(ctx, best.Payor[0], cov); err != nil {
			return nil, err
		}
	}
	subscriber := best.Beneficiary
	if best.Subscriber != nil {
		subscriber = *best.Subscriber
	}
	if t, id, ok := subscriber.Target(); ok && (t == "Patient" || t == "RelatedPerson") {
		res, err := a.FHIR.Read(ctx, t, id)
		if err != nil {
			return nil, err
		}
		var person struct {
			Name      []fhir.HumanName `json:"name"`
			BirthDate string           `json:"birthDate"`
			Gender    string           `json:"gender"`
		}
		if err := json.Unmarshal(res.Raw, &person); err != nil {
			return nil, unusable(err)
		}
		if len(person.Name) > 0 {
			cov.SubscriberLastName = person.Name[0].Family
			if len(person.Name[0].Given) > 0 {
				cov.SubscriberFirstName = person.Name[0].Given[0]
			}
		}
		cov.SubscriberBirthDate, cov.SubscriberGender = person.BirthDate, person.Gender
	}
	return cov, nil
}

// payer fills the payer's id and name from the Coverage's payor Organization.
func (a *Activities) payer(ctx context.Context, ref fhir.Reference, cov *Coverage) error {
	cov.PayerName = ref.Display
	if ref.Identifier != nil {
		cov.PayerID = ref.Identifier.Value
	}
	t, id, ok := ref.Target()
	if !ok || t != "Organization" {
		return nil
	}
	res, err := a.FHIR.Read(ctx, "Organization", id)
	if err != nil {
		return err
	}
	var org struct {
		Name       string            `json:"name"`
		Identifier []fhir.Identifier `json:"identifier"`
	}
	if err := json.Unmarshal(res.Raw, &org); err != nil {
		return unusable(err)
	}
	if org.Name != "" {
		cov.PayerName = org.Name
	}
	if len(org.Identifier) > 0 && cov.PayerID == "" {
		cov.PayerID = org.Identifier[0].Value
	}
	return nil
}

// MarkArrived sets the appointment's status to arrived, merging with concurrent edits.
func (a *Activities) MarkArrived(ctx context.Context, in MarkArrivedInput) (MarkArrivedResult, error) {
	start := time.Now()
	res, err := a.FHIR.UpdateStatus(ctx, "Appointment", in.AppointmentID, "arrived")
	a.record(ctx, "fhir.mark-arrived", "Appointment/"+in.AppointmentID, start, err)
	if err != nil {
		return MarkArrivedResult{}, classify(err)
	}
	return MarkArrivedResult{VersionID: res.VersionID}, nil
}

// CreateEncounter opens the Encounter with a conditional create keyed by IdempotencyKey.
func (a *Activities) CreateEncounter(ctx context.Context, in CreateEncounterInput) (CreateEncounterResult, error) {
	start := time.Now()
	ident := fhir.Identifier{System: IdentifierSystem, Value: in.IdempotencyKey}
	enc, err := fhir.NewEncounter(fhir.EncounterSpec{PatientID: in.PatientID, AppointmentID: in.AppointmentID,
		Start: a.now(), Identifier: []fhir.Identifier{ident}})
	if err != nil {
		return CreateEncounterResult{}, temporal.NewNonRetryableApplicationError("invalid encounter: "+err.Error(), ErrTypeRejected, nil)
	}
	res, err := a.FHIR.Create(ctx, "Encounter", enc, fhir.IdentifierQuery(ident))
	exchange := "Encounter"
	if res != nil {
		exchange = "Encounter/" + res.ID
	}
	a.record(ctx, "fhir.create-encounter", exchange, start, err)
	if err != nil {
		return CreateEncounterResult{}, classify(err)
	}
	return CreateEncounterResult{EncounterID: res.ID}, nil
}

// unusableError wraps an EHR answer that does not decode into the expected resource; retrying
// returns the same answer, so it is permanent.
type unusableError struct{ err error }

func (e unusableError) Error() string { return "unusable EHR resource" }

func unusable(err error) error {
	if err == nil {
		return nil
	}
	return unusableError{err}
}

type notFoundError string

func (e notFoundError) Error() string { return string(e) }

func notFound(msg string) error { return notFoundError(msg) }

// classify turns FHIR errors into Temporal's terms: not-found and other permanent errors are
// non-retryable application errors; transient ones stay plain so Temporal retries them.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var nf notFoundError
	if errors.As(err, &nf) || fhir.IsNotFound(err) {
		return temporal.NewNonRetryableApplicationError("EHR: not found", ErrTypeNotFound, nil)
	}
	var fe *fhir.Error
	if errors.As(err, &fe) && !fe.Retryable {
		// fhir.Error's text carries the operation, type, status and issue code only.
		return temporal.NewNonRetryableApplicationError("EHR rejected the request: "+fe.Error(), ErrTypeRejected, nil)
	}
	var ue unusableError
	if errors.Is(err, fhir.ErrInvalidArgument) || errors.As(err, &ue) {
		return temporal.NewNonRetryableApplicationError("EHR answer could not be used", ErrTypeRejected, nil)
	}
	return fmt.Errorf("ehr: %w", err)
}

func (a *Activities) record(ctx context.Context, action, exchange string, start time.Time, err error) {
	if a.Records == nil {
		return
	}
	r := audit.Record{Actor: "worker", Action: action, Vendor: "ehr", Exchange: exchange, Outcome: audit.OutcomeOK,
		Latency: time.Since(start)}
	if activity.IsActivity(ctx) {
		r.Process = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	var fe *fhir.Error
	switch {
	case errors.As(err, &fe):
		r.Code = fmt.Sprint(fe.Status)
		r.Outcome = audit.OutcomeError
		if !fe.Retryable {
			r.Outcome = audit.OutcomeRejected
		}
	case err != nil:
		r.Outcome = audit.OutcomeError
	}
	if _, aerr := a.Records.Append(context.WithoutCancel(ctx), r); aerr != nil && activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("audit append failed", "action", action)
	}
}

// now is the injected clock, or the wall clock when none is set.
func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
