package appointments_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/vendorrate"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type ehrRec struct {
	ver    int
	snap   apptsync.Snapshot
	marked bool
	at     time.Time
}

// world is an in-memory EHR and PMS behind the activity names the workflow calls.
type world struct {
	mu  sync.Mutex
	ehr map[string]*ehrRec
	pms map[string]pms.Appointment
	// beforePMSWrite runs once before the next PMS write (a human edit racing the engine).
	beforePMSWrite func()
	// deferLocalPMSWrites answers every local PMS write as the vendor rate limit would when
	// the turn is too far off (vendorrate.ErrTypeDeferred).
	deferLocalPMSWrites bool
	ehrWrites           int
	pmsWrites           int
	clock               time.Time
	// xw is the participant crosswalk, keyed by kind + "|" + id.
	xw map[string]string
}

func newWorld() *world {
	return &world{ehr: map[string]*ehrRec{}, pms: map[string]pms.Appointment{}, clock: t0, xw: map[string]string{}}
}

// mapParticipant puts a patient or provider pair into the crosswalk both ways.
func (w *world) mapParticipant(pmsKind, fhirKind, pmsID, fhirID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.xw[pmsKind+"|"+pmsID], w.xw[fhirKind+"|"+fhirID] = fhirID, pmsID
}

func (w *world) tick() time.Time { w.clock = w.clock.Add(time.Second); return w.clock }

func (w *world) ehrView(id string) ehr.SyncAppointment {
	r := w.ehr[id]
	return ehr.SyncAppointment{ID: id, Version: strconv.Itoa(r.ver), UpdatedAt: r.at, Marked: r.marked, Snapshot: r.snap}
}

// humanEHR edits the EHR side as a person would (unmarked, new version).
func (w *world) humanEHR(id string, f func(*apptsync.Snapshot)) appointments.ChangeSignal {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.ehr[id]
	f(&r.snap)
	r.ver++
	r.marked = false
	r.at = w.tick()
	return appointments.ChangeSignal{Source: appointments.SourceEHR, ID: id, Version: strconv.Itoa(r.ver), UpdatedAt: r.at}
}

func (w *world) humanPMS(id string, f func(*pms.Appointment)) appointments.ChangeSignal {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.humanPMSLocked(id, f)
}

func (w *world) humanPMSLocked(id string, f func(*pms.Appointment)) appointments.ChangeSignal {
	a := w.pms[id]
	f(&a)
	a.Version++
	a.UpdatedBy = "front-desk"
	a.UpdatedAt = w.tick()
	w.pms[id] = a
	return appointments.ChangeSignal{Source: appointments.SourcePMS, EventID: "evt_" + id + "_v" + strconv.Itoa(a.Version),
		ID: id, Version: strconv.Itoa(a.Version), UpdatedAt: a.UpdatedAt}
}

var conflictPMS = temporal.NewNonRetryableApplicationError("stale", pmsact.ErrTypeVersionConflict, nil)
var conflictEHR = temporal.NewNonRetryableApplicationError("stale", ehr.ErrTypeVersionConflict, nil)

func (w *world) register(env *testsuite.TestWorkflowEnvironment) {
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(func(_ context.Context, in ehr.ReadAppointmentInput) (ehr.SyncAppointment, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.ehr[in.ID] == nil {
			return ehr.SyncAppointment{}, temporal.NewNonRetryableApplicationError("nf", ehr.ErrTypeNotFound, nil)
		}
		return w.ehrView(in.ID), nil
	}, ehr.ReadAppointmentName)
	reg(func(_ context.Context, in ehr.WriteAppointmentInput) (ehr.SyncAppointment, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		r := w.ehr[in.ID]
		if strconv.Itoa(r.ver) != in.Version {
			return ehr.SyncAppointment{}, conflictEHR
		}
		r.snap, r.marked, r.at = in.Target, true, w.tick()
		r.ver++
		w.ehrWrites++
		return w.ehrView(in.ID), nil
	}, ehr.WriteAppointmentName)
	reg(func(_ context.Context, in ehr.CreateAppointmentInput) (ehr.SyncAppointment, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		id := "fhir-" + strconv.Itoa(len(w.ehr)+1)
		w.ehr[id] = &ehrRec{ver: 1, snap: in.Target, marked: true, at: w.tick()}
		w.ehrWrites++
		return w.ehrView(id), nil
	}, ehr.CreateAppointmentName)
	reg(func(_ context.Context, in pmsact.ReadInput) (pmsact.AppointmentResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		a, ok := w.pms[in.ID]
		if !ok {
			return pmsact.AppointmentResult{}, temporal.NewNonRetryableApplicationError("nf", pmsact.ErrTypeNotFound, nil)
		}
		return pmsact.AppointmentResult{Appointment: a}, nil
	}, pmsact.ReadAppointmentName)
	reg(func(ctx context.Context, in pmsact.WriteInput) (pmsact.AppointmentResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.deferLocalPMSWrites && activity.GetInfo(ctx).IsLocalActivity {
			return pmsact.AppointmentResult{}, temporal.NewApplicationError("rate", vendorrate.ErrTypeDeferred)
		}
		if f := w.beforePMSWrite; f != nil {
			w.beforePMSWrite = nil
			f()
		}
		cur := w.pms[in.Appointment.AppointmentID]
		if cur.Version != in.Appointment.Version {
			return pmsact.AppointmentResult{}, conflictPMS
		}
		a := in.Appointment
		a.Version++
		a.UpdatedBy = pms.EngineWriter
		a.UpdatedAt = w.tick()
		w.pms[a.AppointmentID] = a
		w.pmsWrites++
		return pmsact.AppointmentResult{Appointment: a}, nil
	}, pmsact.WriteAppointmentName)
	reg(func(_ context.Context, in pmsact.ParticipantsInput) (pmsact.ParticipantsResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		patientKind, providerKind := crosswalk.PMSPatient, crosswalk.PMSProvider
		if in.ToPMS {
			patientKind, providerKind = crosswalk.FHIRPatient, crosswalk.FHIRPractitioner
		}
		var out pmsact.ParticipantsResult
		for _, q := range []struct {
			kind, id string
			dst      *string
		}{{patientKind, in.Patient, &out.Patient}, {providerKind, in.Provider, &out.Provider}} {
			if q.id == "" {
				continue
			}
			if v, ok := w.xw[q.kind+"|"+q.id]; ok {
				*q.dst = v
			} else {
				out.Unmapped = append(out.Unmapped, q.kind)
			}
		}
		return out, nil
	}, pmsact.MapParticipantsName)
	reg(func(_ context.Context, in pmsact.ParticipantPair) (pmsact.RecordResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		for k, v := range map[string]string{crosswalk.PMSPatient + "|" + in.PMSPatient: in.FHIRPatient,
			crosswalk.FHIRPatient + "|" + in.FHIRPatient: in.PMSPatient, crosswalk.PMSProvider + "|" + in.PMSProvider: in.FHIRProvider,
			crosswalk.FHIRPractitioner + "|" + in.FHIRProvider: in.PMSProvider} {
			if _, ok := w.xw[k]; !ok {
				w.xw[k] = v
			}
		}
		return pmsact.RecordResult{}, nil
	}, pmsact.RecordParticipantsName)
	reg(func(_ context.Context, in pmsact.CreateInput) (pmsact.AppointmentResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		a := in.Appointment
		a.Version, a.UpdatedBy, a.UpdatedAt = 1, pms.EngineWriter, w.tick()
		w.pms[a.AppointmentID] = a
		w.pmsWrites++
		return pmsact.AppointmentResult{Appointment: a}, nil
	}, pmsact.CreateAppointmentName)
}

func baseSnap() apptsync.Snapshot {
	return apptsync.Snapshot{Start: t0.Add(24 * time.Hour), Duration: 30, Provider: "prac-1", Patient: "pat-1",
		Type: "FOLLOWUP", Status: apptsync.FHIRBooked, Department: "cardiology"}
}

func pmsAppt(id string) pms.Appointment {
	return pms.Appointment{AppointmentID: id, PatientID: "pms-pat-1", ProviderID: "pms-prov-1", ScheduledTime: t0.Add(24 * time.Hour),
		Duration: 30, AppointmentType: "FOLLOWUP", Status: pms.StatusConfirmed, Department: "cardiology", Version: 3,
		UpdatedAt: t0.Add(-time.Hour), UpdatedBy: "front-desk"}
}

// linked starts a world with one EHR and one PMS appointment linked by the workflow.
func linked(t *testing.T) (*testsuite.TestWorkflowEnvironment, *world) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	w := newWorld()
	w.ehr["e1"] = &ehrRec{ver: 2, snap: baseSnap(), at: t0.Add(-time.Hour)}
	w.pms["p1"] = pmsAppt("p1")
	w.register(env)
	appointments.Register(env)
	return env, w
}

func query(t *testing.T, env *testsuite.TestWorkflowEnvironment) appointments.State {
	t.Helper()
	v, err := env.QueryWorkflow(appointments.StatusQuery)
	require.NoError(t, err)
	var st appointments.State
	require.NoError(t, v.Get(&st))
	return st
}

func signal(env *testsuite.TestWorkflowEnvironment, at time.Duration, f func() appointments.ChangeSignal) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(appointments.ChangeSignalName, f()) }, at)
}

func start(env *testsuite.TestWorkflowEnvironment, in appointments.Input) {
	env.ExecuteWorkflow(appointments.WorkflowName, in)
}

func TestLinkThenEditsFlowBothWaysWithoutEchoes(t *testing.T) {
	env, w := linked(t)
	asked := baselinetest.Asked(env)
	// The EHR cancellation below also asks the appointment's check-in to stop.
	env.OnRequestCancelExternalWorkflow(mock.Anything, "checkin:e1", "").Return(nil).Once()
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanPMS("p1", func(a *pms.Appointment) { a.Note = "bring referral" })
	})
	// The engine's own EHR write comes back marked: an echo, nothing written.
	env.RegisterDelayedCallback(func() {
		w.mu.Lock()
		sig := appointments.ChangeSignal{Source: appointments.SourceEHR, ID: "e1", Version: strconv.Itoa(w.ehr["e1"].ver), Marked: true}
		w.mu.Unlock()
		env.SignalWorkflow(appointments.ChangeSignalName, sig)
	}, 2*time.Minute)
	signal(env, 3*time.Minute, func() appointments.ChangeSignal {
		return w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Status = apptsync.FHIRCancelled })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, appointments.StatusInSync, st.Status)
		assert.Equal(t, "bring referral", w.ehr["e1"].snap.Note, "PMS note reached the EHR")
		assert.Equal(t, pms.StatusCancelled, w.pms["p1"].Status, "EHR cancellation reached the PMS")
		assert.Equal(t, "pat-1", st.Merged.Patient, "PMS patient mapped through the crosswalk")
		assert.Equal(t, "pms-pat-1", w.pms["p1"].PatientID, "crosswalk maps back")
		assert.Equal(t, 1, st.Echoes)
		assert.Equal(t, 1, w.ehrWrites, "one PMS edit, one EHR write")
		assert.Equal(t, 1, w.pmsWrites, "one EHR edit, one PMS write")
		env.CancelWorkflow()
	}, 4*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
	require.True(t, env.IsWorkflowCompleted())
	// A new appointment records its baseline's version marker and asks nothing else.
	require.Equal(t, []string{appointments.Baseline.ID}, *asked)
}

func TestCreatesPMSSideFromEHR(t *testing.T) {
	env, w := linked(t)
	w.mapParticipant(crosswalk.PMSPatient, crosswalk.FHIRPatient, "P-1", "pat-1")
	w.mapParticipant(crosswalk.PMSProvider, crosswalk.FHIRPractitioner, "DR-1", "prac-1")
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		a, ok := w.pms["a9"]
		require.True(t, ok, "PMS appointment created under the engine's id")
		assert.Equal(t, pms.StatusConfirmed, a.Status, "booked maps to confirmed")
		assert.Equal(t, "P-1", a.PatientID, "the patient through the crosswalk")
		assert.Equal(t, "DR-1", a.ProviderID, "the provider through the crosswalk")
		assert.Equal(t, "a9", st.PMS.ID)
		assert.Equal(t, "1", st.PMS.Written)
		env.CancelWorkflow()
	}, time.Minute)
	// The PMS webhook of the engine's own create is an echo.
	signal(env, 30*time.Second, func() appointments.ChangeSignal {
		return appointments.ChangeSignal{Source: appointments.SourcePMS, ID: "a9", Version: "1", Marked: true}
	})
	start(env, appointments.Input{AppointmentID: "a9", EHRID: "e1"})
	assert.Equal(t, 0, w.ehrWrites)
	assert.Equal(t, 1, w.pmsWrites)
}

func TestManualConflictWaitsForResolve(t *testing.T) {
	env, w := linked(t)
	later := t0.Add(26 * time.Hour)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Start = t0.Add(25 * time.Hour) })
		return w.humanPMS("p1", func(a *pms.Appointment) { a.ScheduledTime = later; a.Note = "moved by phone" })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		require.Equal(t, appointments.StatusConflict, st.Status)
		require.Len(t, st.Conflicts, 1)
		assert.Equal(t, apptsync.FieldStart, st.Conflicts[0].Field)
		assert.Equal(t, t0.Add(25*time.Hour), w.ehr["e1"].snap.Start, "nothing overwritten")
		assert.Equal(t, later, w.pms["p1"].ScheduledTime, "nothing overwritten")
		assert.Equal(t, "moved by phone", w.ehr["e1"].snap.Note, "the non-conflicting field still synced")
		// A field without a conflict is refused by the validator.
		env.UpdateWorkflow(appointments.ResolveUpdateName, "bad", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { assert.Error(t, err) },
			OnAccept:   func() { t.Error("resolve of a field without conflict accepted") },
			OnComplete: func(any, error) {},
		}, appointments.ResolveUpdate{Field: "duration", Side: "pms"})
		env.UpdateWorkflow(appointments.ResolveUpdateName, "ok", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("rejected: %v", err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				assert.NoError(t, err)
			},
		}, appointments.ResolveUpdate{Field: "start", Side: "pms"})
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Empty(t, st.Conflicts)
		assert.Equal(t, appointments.StatusInSync, st.Status)
		assert.Equal(t, later, w.ehr["e1"].snap.Start, "PMS time taken")
		assert.Equal(t, later, st.Merged.Start)
		env.CancelWorkflow()
	}, 3*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}

func TestEHRWinsClinicalStatus(t *testing.T) {
	env, w := linked(t)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Status = apptsync.FHIRArrived })
		return w.humanPMS("p1", func(a *pms.Appointment) { a.Status = pms.StatusCancelled })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Empty(t, st.Conflicts)
		require.Len(t, st.Decided, 1, "the decided conflict is listed, not silent")
		assert.Equal(t, pms.StatusCheckedIn, w.pms["p1"].Status, "arrived flows to the PMS as checked-in")
		env.CancelWorkflow()
	}, 2*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}

func TestStaleVersionConflictReReadsAndReMerges(t *testing.T) {
	env, w := linked(t)
	w.beforePMSWrite = func() {
		// A front-desk edit lands between the engine's read and its write: 412.
		w.humanPMSLocked("p1", func(a *pms.Appointment) { a.Department = "cardiology-west" })
	}
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Note = "fasting" })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, appointments.StatusInSync, st.Status)
		assert.Equal(t, "fasting", w.pms["p1"].Note, "EHR edit written after the re-read")
		assert.Equal(t, "cardiology-west", w.pms["p1"].Department, "the racing PMS edit kept")
		assert.Equal(t, "cardiology-west", w.ehr["e1"].snap.Department, "and synced to the EHR")
		env.CancelWorkflow()
	}, 2*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}

func TestDuplicateAndStaleNotificationsHaveOneEffect(t *testing.T) {
	env, w := linked(t)
	var sig appointments.ChangeSignal
	signal(env, time.Minute, func() appointments.ChangeSignal {
		sig = w.humanPMS("p1", func(a *pms.Appointment) { a.Note = "x" })
		return sig
	})
	signal(env, 2*time.Minute, func() appointments.ChangeSignal { return sig })
	signal(env, 3*time.Minute, func() appointments.ChangeSignal {
		old := sig
		old.EventID, old.Version = "evt_old", "2"
		return old
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, 1, w.ehrWrites)
		assert.Equal(t, 1, st.Stale, "older version ignored")
		env.CancelWorkflow()
	}, 4*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}

func TestContinueAsNewCarriesState(t *testing.T) {
	env, w := linked(t)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanPMS("p1", func(a *pms.Appointment) { a.Note = "carried" })
	})
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 2*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1", ConflictSearchAttribute: ""})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "continued as new: %v", err)
	assert.Equal(t, appointments.WorkflowName, can.WorkflowType.Name)
	var in appointments.Input
	require.NoError(t, converterGet(can, &in))
	require.NotNil(t, in.Carry)
	assert.Equal(t, "carried", in.Carry.Merged.Note)
	assert.Equal(t, "p1", in.Carry.PMS.ID)
	assert.Equal(t, "e1", in.Carry.EHR.ID)
}

func TestInvalidInputFails(t *testing.T) {
	env, _ := linked(t)
	start(env, appointments.Input{AppointmentID: "a1"})
	var ae *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &ae))
	assert.Equal(t, appointments.ErrTypeInvalidInput, ae.Type())
}
