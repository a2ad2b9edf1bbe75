package ehr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
)

// FHIR is the part of the FHIR client the activities need, so tests can inject a fake.
type FHIR interface {
	Read(ctx context.Context, resourceType, id string) (*fhir.Resource, error)
	Search(ctx context.Context, resourceType string, q url.Values) ([]*fhir.Resource, error)
	SearchIncluding(ctx context.Context, resourceType string, q url.Values) (fhir.SearchResult, error)
	Create(ctx context.Context, resourceType string, body any, ifNoneExist string) (*fhir.Resource, error)
	UpdateStatus(ctx context.Context, resourceType, id, status string) (*fhir.Resource, error)
	Update(ctx context.Context, resourceType, id string, body json.RawMessage, ifMatch string) (*fhir.Resource, error)
}

// IdentifierSystem marks resources the engine creates, so a retried create finds its first try.
const IdentifierSystem = "urn:careflow:process"

// Activities reads and writes the EHR. Records gets one audit record per exchange, holding
// resource types and ids only.
type Activities struct {
	FHIR    FHIR
	Records audit.Appender
	// Now is the clock for chart times and audit latencies; nil means time.Now.
	Now func() time.Time
	// Payers maps payer Organizations to clearinghouse payer ids.
	Payers PayerCrosswalk
}

// LoadCheckInName is the activity type name LoadCheckIn is registered under.
const LoadCheckInName = "LoadCheckIn"

// LoadCheckIn reads the appointment, its patient, the patient's Coverage resources (choosing
// the primary and secondary with SelectCoverages) and their payers and subscribers. After the
// appointment it asks one Coverage search with _include, so a server that honors it answers in
// two requests; whatever a server did not include (FHIR servers MAY ignore _include) is read
// on its own. The appointment is read, not searched by _id: a lenient server that ignored an
// unsupported _id would page through every appointment it holds.
func (a *Activities) LoadCheckIn(ctx context.Context, in LoadCheckInInput) (CheckInContext, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.load-checkin", "ehr", "Appointment/"+in.AppointmentID)
	out, err := a.loadCheckIn(ctx, in)
	ex.Finish(outcomeOf(err))
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
	// One search brings the coverages and, included, the patient (their beneficiary), the
	// payers and the subscribers. A patient without coverage is read on its own.
	found, err := searchIncluding(ctx, a.FHIR, "Coverage", url.Values{"beneficiary": {"Patient/" + patientID}},
		"Coverage:beneficiary", "Coverage:payor", "Coverage:subscriber")
	if err != nil {
		return CheckInContext{}, err
	}
	known := resources{}
	known.add(found.Included...)
	res, err = known.read(ctx, a.FHIR, "Patient", patientID)
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
		AppointmentStart: string(appt.Start), PatientStatus: patientStatus(appt), PatientID: patientID, PatientMobile: mobile,
		PatientFirstName: pat.FirstNameAt(a.now()), PatientLanguage: pat.PreferredLanguage()}
	var covs []fhir.Coverage
	for _, r := range found.Matches {
		if c, err := fhir.Decode[fhir.Coverage](r); err == nil {
			covs = append(covs, c)
		}
	}
	out.CoveragesOnFile = len(covs)
	chosen := SelectCoverages(covs, string(appt.Start))
	for i, c := range chosen {
		if i > 1 {
			break // primary and secondary; a tertiary plan is the billing office's business
		}
		cov, err := a.coverage(ctx, c, pat, known)
		if err != nil {
			return CheckInContext{}, err
		}
		if i == 0 {
			out.Coverage = cov
		} else {
			out.SecondaryCoverage = cov
		}
	}
	return out, nil
}

// searchIncluding searches with the given _include values. A server that refuses the search
// with them (strict servers answer 400 to a parameter they do not support) is asked again
// without them, and the caller reads what it needs on its own.
func searchIncluding(ctx context.Context, f FHIR, resourceType string, q url.Values, includes ...string) (fhir.SearchResult, error) {
	withInc := url.Values{}
	for k, v := range q {
		withInc[k] = v
	}
	withInc["_include"] = includes
	found, err := f.SearchIncluding(ctx, resourceType, withInc)
	if err != nil && refused(err) {
		found, err = f.SearchIncluding(ctx, resourceType, q)
	}
	return found, err
}

// refused reports whether the server turned a request down for good (a 4xx other than the
// transient ones), so that asking another way may still work.
func refused(err error) bool {
	var fe *fhir.Error
	return errors.As(err, &fe) && !fe.Retryable && fe.Status >= 400 && fe.Status < 500
}

// resources are the resources a check-in has already read or been sent as includes, by
// "Type/id", so that none is read twice.
type resources map[string]*fhir.Resource

func (k resources) add(rs ...*fhir.Resource) {
	for _, r := range rs {
		k[r.Type+"/"+r.ID] = r
	}
}

// read returns typ/id from what is known, or reads it and remembers it.
func (k resources) read(ctx context.Context, f FHIR, typ, id string) (*fhir.Resource, error) {
	if r, ok := k[typ+"/"+id]; ok {
		return r, nil
	}
	r, err := f.Read(ctx, typ, id)
	if err != nil {
		return nil, err
	}
	k.add(r)
	return r, nil
}

// patientStatus is the status of the appointment's patient participant.
func patientStatus(appt fhir.Appointment) string {
	for _, p := range appt.Participant {
		if p.Actor == nil {
			continue
		}
		if t, _, ok := p.Actor.Target(); ok && t == "Patient" {
			return p.Status
		}
	}
	return ""
}

// coverage turns a selected Coverage into what the eligibility inquiry needs: the payer's
// clearinghouse id, the subscriber and, when the subscriber is someone else, the patient as
// dependent. A subscriber the EHR cannot return, or a payer outside the crosswalk, is named in
// Problem rather than failing the check-in.
func (a *Activities) coverage(ctx context.Context, c fhir.Coverage, pat fhir.Patient, known resources) (*Coverage, error) {
	cov := &Coverage{CoverageID: c.ID, MemberID: c.SubscriberID, Order: c.Order}
	cov.GroupNumber, _ = c.ClassValue("group")
	if c.Relationship != nil {
		cov.Relationship = c.Relationship.Code(relationshipSystem)
	}
	if len(c.Payor) > 0 {
		if err := a.payer(ctx, c.Payor[0], cov, known); err != nil {
			return nil, err
		}
	}
	if cov.PayerID == "" && cov.Problem == "" {
		cov.Problem = ProblemPayerUnmapped
	}
	subscriber := c.Beneficiary
	if c.Subscriber != nil {
		subscriber = *c.Subscriber
	}
	t, id, ok := subscriber.Target()
	self := ok && t == "Patient" && id == pat.ID
	if !self {
		dep := &Dependent{BirthDate: pat.BirthDate, Gender: pat.Gender, Relationship: cov.Relationship}
		if n, ok := pat.LegalNameAt(a.now()); ok {
			dep.LastName = n.Family
			if len(n.Given) > 0 {
				dep.FirstName = n.Given[0]
			}
		}
		if dep.Relationship == "" || dep.Relationship == "self" {
			dep.Relationship = "other"
		}
		cov.Dependent = dep
	}
	if !ok || (t != "Patient" && t != "RelatedPerson") {
		cov.Problem = ProblemSubscriberUnreadable
		return cov, nil
	}
	res, err := known.read(ctx, a.FHIR, t, id)
	if err != nil {
		if fhir.IsNotFound(err) {
			cov.Problem = ProblemSubscriberUnreadable
			return cov, nil
		}
		return nil, err
	}
	var person struct {
		Name      []fhir.HumanName `json:"name"`
		BirthDate string           `json:"birthDate"`
		Gender    string           `json:"gender"`
	}
	if err := json.Unmarshal(res.Raw, &person); err != nil || len(person.Name) == 0 || person.Name[0].Family == "" {
		cov.Problem = ProblemSubscriberUnreadable
		return cov, nil
	}
	cov.SubscriberLastName = person.Name[0].Family
	if len(person.Name[0].Given) > 0 {
		cov.SubscriberFirstName = person.Name[0].Given[0]
	}
	cov.SubscriberBirthDate, cov.SubscriberGender = person.BirthDate, person.Gender
	return cov, nil
}

// relationshipSystem is the code system of Coverage.relationship.
const relationshipSystem = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"

// PayerCrosswalk maps a payer Organization to the clearinghouse's payer id through the
// organization's identifiers, never its display name.
type PayerCrosswalk struct {
	// IDSystem is the identifier system whose value is the clearinghouse payer id itself.
	IDSystem string
	// IDs maps other identifiers, as "system|value", to clearinghouse payer ids.
	IDs map[string]string
}

// PayerID returns the clearinghouse payer id for an organization's identifiers: an explicit
// IDs entry first, then an identifier in IDSystem. A zero crosswalk takes the first
// identifier's value, as engines configured before the crosswalk did.
func (x PayerCrosswalk) PayerID(ids []fhir.Identifier) (string, bool) {
	for _, id := range ids {
		if v, ok := x.IDs[id.System+"|"+id.Value]; ok && id.Value != "" {
			return v, true
		}
	}
	for _, id := range ids {
		if x.IDSystem != "" && id.System == x.IDSystem && id.Value != "" {
			return id.Value, true
		}
	}
	if x.IDSystem == "" && len(x.IDs) == 0 && len(ids) > 0 && ids[0].Value != "" {
		return ids[0].Value, true
	}
	return "", false
}

// payer fills the payer's clearinghouse id and name from the Coverage's payor: the reference's
// own identifier or the Organization's identifiers, through the crosswalk.
func (a *Activities) payer(ctx context.Context, ref fhir.Reference, cov *Coverage, known resources) error {
	cov.PayerName = ref.Display
	var ids []fhir.Identifier
	if ref.Identifier != nil {
		ids = append(ids, *ref.Identifier)
	}
	t, id, ok := ref.Target()
	if ok && t == "Organization" {
		res, err := known.read(ctx, a.FHIR, "Organization", id)
		if err != nil && !fhir.IsNotFound(err) {
			return err
		}
		if err == nil {
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
			ids = append(ids, org.Identifier...)
		}
	}
	cov.PayerID, _ = a.Payers.PayerID(ids)
	return nil
}

// MarkArrivedName is the activity type name MarkArrived is registered under.
const MarkArrivedName = "MarkArrived"

// MarkArrived sets the appointment's status to arrived. It re-reads the appointment and applies
// the check-in guards to it as read (it may have been cancelled or rescheduled since the
// check-in began), then writes with If-Match on the version read, so no concurrent change is
// overwritten; a lost race (412) is a transient error, and Temporal's retry reads again. The
// written resource keeps every field except cancelationReason, which R4 (app-4) allows only on
// cancelled and noshow appointments.
func (a *Activities) MarkArrived(ctx context.Context, in MarkArrivedInput) (MarkArrivedResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.mark-arrived", "ehr", "Appointment/"+in.AppointmentID)
	out, err := a.markArrived(ctx, in)
	ex.Finish(outcomeOf(err))
	var ref *Refusal
	if errors.As(err, &ref) {
		return MarkArrivedResult{}, temporal.NewNonRetryableApplicationError("appointment refused at write-back: "+ref.Code,
			ErrTypeRefused, nil, *ref)
	}
	var fe *fhir.Error
	if errors.As(err, &fe) && fe.Status == http.StatusPreconditionFailed {
		return MarkArrivedResult{}, fmt.Errorf("ehr: appointment changed during the write-back: %w", err)
	}
	return out, classify(err)
}

func (a *Activities) markArrived(ctx context.Context, in MarkArrivedInput) (MarkArrivedResult, error) {
	res, err := a.FHIR.Read(ctx, "Appointment", in.AppointmentID)
	if err != nil {
		return MarkArrivedResult{}, err
	}
	appt, err := fhir.Decode[fhir.Appointment](res)
	if err != nil {
		return MarkArrivedResult{}, unusable(err)
	}
	facts := AppointmentFacts{Status: appt.Status, Start: string(appt.Start), PatientStatus: patientStatus(appt)}
	// Without a guard (check-ins begun before the window existed) only status and
	// participant are re-checked.
	at, w, overridden := time.Time{}, Window{}, true
	if in.Guard != nil {
		at, w, overridden = in.Guard.CheckedInAt, in.Guard.Window, in.Guard.WindowOverridden
	}
	if r := Guard(facts, at, w, overridden); r != nil {
		return MarkArrivedResult{}, r
	}
	if appt.Status == "arrived" {
		return MarkArrivedResult{VersionID: res.VersionID}, nil
	}
	body, err := arrivedBody(res.Raw)
	if err != nil {
		return MarkArrivedResult{}, unusable(err)
	}
	if res.ETag == "" {
		// Without a version the write would be unconditional and could overwrite a change.
		return MarkArrivedResult{}, unusable(errors.New("appointment without a version"))
	}
	updated, err := a.FHIR.Update(ctx, "Appointment", in.AppointmentID, body, res.ETag)
	if err != nil {
		return MarkArrivedResult{}, err
	}
	return MarkArrivedResult{VersionID: updated.VersionID}, nil
}

// arrivedBody sets status arrived in the raw appointment and drops cancelationReason (app-4).
// It decodes with UseNumber so unknown fields survive and decimals keep their text.
func arrivedBody(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	m["status"] = "arrived"
	delete(m, "cancelationReason")
	return json.Marshal(m)
}

// Error makes a Refusal an error inside the activity.
func (r *Refusal) Error() string { return "check-in refused: " + r.Code }

// CreateEncounterName is the activity type name CreateEncounter is registered under.
const CreateEncounterName = "CreateEncounter"

// CreateEncounter opens the Encounter with a conditional create keyed by IdempotencyKey.
func (a *Activities) CreateEncounter(ctx context.Context, in CreateEncounterInput) (CreateEncounterResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.create-encounter", "ehr", "Encounter")
	ident := fhir.Identifier{System: IdentifierSystem, Value: in.IdempotencyKey}
	enc, err := fhir.NewEncounter(fhir.EncounterSpec{PatientID: in.PatientID, AppointmentID: in.AppointmentID,
		Start: a.now(), Identifier: []fhir.Identifier{ident}})
	if err != nil {
		return CreateEncounterResult{}, temporal.NewNonRetryableApplicationError("invalid encounter: "+err.Error(), ErrTypeRejected, nil)
	}
	res, err := a.FHIR.Create(ctx, "Encounter", enc, fhir.IdentifierQuery(ident))
	if res != nil {
		ex.Exchange = "Encounter/" + res.ID
	}
	ex.Finish(outcomeOf(err))
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

// outcomeOf is the audit outcome and code of an exchange that ended with err: the FHIR
// server's status, rejected when retrying cannot help.
func outcomeOf(err error) (outcome, code string) {
	var fe *fhir.Error
	switch {
	case errors.As(err, &fe):
		if !fe.Retryable {
			return audit.OutcomeRejected, fmt.Sprint(fe.Status)
		}
		return audit.OutcomeError, fmt.Sprint(fe.Status)
	case err != nil:
		return audit.OutcomeError, ""
	}
	return audit.OutcomeOK, ""
}

// now is the injected clock, or the wall clock when none is set.
func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
