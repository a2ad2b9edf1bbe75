package appointments

import (
	"errors"
	"slices"
	"strconv"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/opsattr"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/workflows/internal/baseline"
)

// changeLocalSync (version 1): a sync that no resolve update waits on reads and writes both
// sides first as local activities, inside the workflow task that took the change (syncCall).
// Before it, each read and write was a regular activity with a workflow task of its own.
const changeLocalSync = "appointment-local-sync"

// Bounds that keep State small across continue-as-new.
const (
	maxEventIDs = 200
	maxDecided  = 20
	// maxRounds bounds the re-read/re-merge rounds of one sync after version conflicts (412);
	// a side edited faster than that is synced again at its next notification.
	maxRounds = 5
)

// resolution is an accepted resolve waiting for the next merge.
type resolution struct {
	seq   int
	field apptsync.Field
	value apptsync.Snapshot
}

// Baseline (change "appointment-baseline", version 1) stands for changeParticipants,
// changeLocalSync, changeCancelCheckIn and the operator attributes' change at the versions new
// appointments took: one version marker and one TemporalChangeVersion upsert instead of four
// (see workflows/internal/baseline). The reconcile workflow, a workflow of its own, still asks
// changeReconcileEHR itself.
var Baseline = baseline.Baseline{ID: "appointment-baseline", Covers: map[string]workflow.Version{
	changeParticipants: 1, changeLocalSync: 1, changeCancelCheckIn: 1, opsattr.ChangeID: 1,
}}

type impl struct {
	in      Input
	state   State
	changes workflow.ReceiveChannel
	// dirty says a change was accepted that the next sync must merge.
	dirty       bool
	resolutions []resolution
	nextSeq     int
	// doneSeq is the highest resolution sequence a sync has applied or dropped.
	doneSeq int
	// failed holds the sequences whose resolution did not apply (conflict gone).
	failed  map[int]bool
	saValue string
	// participants is the changeParticipants version this execution runs.
	participants workflow.Version
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
}

// Appointment is the long-lived entity workflow of one appointment kept in sync between the
// EHR and the PMS.
func Appointment(ctx workflow.Context, in Input) (State, error) {
	w := &impl{in: in, failed: map[int]bool{}}
	// First of all, in the first workflow task: runs begun before the baseline replay without
	// its marker and keep asking each change.
	w.ver = Baseline.Begin(ctx)
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	opsattr.Watch(ctx, w.ver, "appointment", w.ops)
	return w.run(ctx)
}

func (w *impl) setup(ctx workflow.Context) error {
	if err := w.in.Validate(); err != nil {
		return temporal.NewNonRetryableApplicationError("invalid input: "+err.Error(), ErrTypeInvalidInput, nil)
	}
	if w.in.Carry != nil {
		w.state = *w.in.Carry
		w.saValue = saValue(w.state)
	} else {
		w.state = State{AppointmentID: w.in.AppointmentID, Status: StatusLinking,
			EHR: SideState{ID: w.in.EHRID}, PMS: SideState{ID: w.in.PMSID}}
	}
	w.changes = workflow.GetSignalChannel(ctx, ChangeSignalName)
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) { return w.view(), nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, ResolveUpdateName, w.resolve,
		workflow.UpdateHandlerOptions{Validator: w.validateResolve})
}

// view is State with empty lists as [] for clients.
func (w *impl) view() State {
	st := w.state
	if st.Conflicts == nil {
		st.Conflicts = []apptsync.Conflict{}
	}
	if st.Decided == nil {
		st.Decided = []apptsync.Conflict{}
	}
	return st
}

func (w *impl) run(ctx workflow.Context) (State, error) {
	w.participants = w.ver.Version(ctx, changeParticipants, workflow.DefaultVersion, 1)
	if w.in.Carry == nil {
		if err := w.link(ctx); err != nil {
			return w.state, err
		}
	}
	for {
		err := workflow.Await(ctx, func() bool {
			return w.changes.Len() > 0 || len(w.resolutions) > 0 || w.dirty ||
				workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		})
		if err != nil {
			return w.state, err
		}
		w.drain(ctx)
		if w.dirty || len(w.resolutions) > 0 {
			w.dirty = false
			w.sync(ctx)
			continue
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			// Every update handler must have returned and every signal been merged, so
			// nothing accepted is lost across the boundary.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return w.state, err
			}
			if w.changes.Len() > 0 || len(w.resolutions) > 0 {
				continue
			}
			carry := w.state
			return w.state, workflow.NewContinueAsNewError(ctx, WorkflowName,
				Input{AppointmentID: w.in.AppointmentID, ConflictSearchAttribute: w.in.ConflictSearchAttribute, Carry: &carry})
		}
	}
}

// drain takes every buffered change signal, deduplicated by event id, and classifies it
// against the versions already merged or written: echoes of the engine's own writes and
// stale notifications change nothing.
func (w *impl) drain(ctx workflow.Context) {
	for {
		// A fresh value each time: decoding into the last one would keep its fields.
		var s ChangeSignal
		if !w.changes.ReceiveAsync(&s) {
			return
		}
		if s.EventID != "" {
			if slices.Contains(w.state.EventIDs, s.EventID) {
				continue
			}
			w.state.EventIDs = append(w.state.EventIDs, s.EventID)
			if n := len(w.state.EventIDs); n > maxEventIDs {
				w.state.EventIDs = slices.Clone(w.state.EventIDs[n-maxEventIDs:])
			}
		}
		side := &w.state.EHR
		if s.Source == SourcePMS {
			side = &w.state.PMS
		}
		if s.ID != side.ID {
			workflow.GetLogger(ctx).Warn("change for another id of this appointment ignored", "source", s.Source)
			continue
		}
		if s.Version == "" {
			w.dirty = true
			continue
		}
		switch apptsync.Classify(apptsync.Seen{Synced: side.Version, At: side.UpdatedAt, Written: side.Written},
			s.Version, s.UpdatedAt, s.Marked) {
		case apptsync.Echo:
			w.state.Echoes++
		case apptsync.Stale:
			w.state.Stale++
		default:
			w.dirty = true
		}
	}
}

// link reads the given sides, learns the participant crosswalk, and creates the
// appointment on the side that has none. A linked pair that differs takes the EHR's values
// (the clinical system of record) for the fields that differ.
func (w *impl) link(ctx workflow.Context) error {
	wid := workflow.GetInfo(ctx).WorkflowExecution.ID
	var e *ehr.SyncAppointment
	var p *pms.Appointment
	if w.in.EHRID != "" {
		got, err := callReadEHR(ctx, ehr.ReadAppointmentInput{ID: w.in.EHRID, LinkTo: wid})
		if err != nil {
			return w.fail(err)
		}
		e = &got
	}
	if w.in.PMSID != "" {
		got, err := callReadPMS(ctx, pmsact.ReadInput{ID: w.in.PMSID, LinkTo: wid})
		if err != nil {
			return w.fail(err)
		}
		p = &got.Appointment
	}
	switch {
	case e != nil && p != nil:
		w.learn(p.PatientID, e.Snapshot.Patient, &w.state.Patients)
		w.learn(p.ProviderID, e.Snapshot.Provider, &w.state.Providers)
		if w.participants >= 1 {
			if err := w.recordParticipants(ctx, *p, e.Snapshot); err != nil {
				return w.fail(err)
			}
		}
		ps := w.fromPMS(*p, e.Snapshot)
		base := e.Snapshot
		for _, f := range apptsync.Fields {
			if !base.Equal(ps, f) {
				// The PMS value as base makes the merge see an EHR change: the EHR wins.
				apptsync.Copy(&base, ps, f)
			}
		}
		w.state.Merged = base
	case e != nil:
		if w.participants >= 1 {
			if err := w.mapParticipants(ctx, nil, &e.Snapshot); err != nil {
				return w.fail(err)
			}
		} else {
			w.learn(e.Snapshot.Patient, e.Snapshot.Patient, &w.state.Patients)
			w.learn(e.Snapshot.Provider, e.Snapshot.Provider, &w.state.Providers)
		}
		target, err := w.toPMS(e.Snapshot, pms.Appointment{AppointmentID: w.in.AppointmentID})
		if err != nil {
			return w.fail(err)
		}
		got, err := callCreatePMS(ctx, pmsact.CreateInput{Appointment: target, LinkTo: wid})
		if err != nil {
			return w.fail(err)
		}
		p = &got.Appointment
		w.state.PMS.ID = p.AppointmentID
		w.state.PMS.Written = itoa(p.Version)
		w.state.Merged = e.Snapshot
		w.state.Writes++
	case p != nil:
		if w.participants >= 1 {
			if err := w.mapParticipants(ctx, p, nil); err != nil {
				return w.fail(err)
			}
		} else {
			w.learn(p.PatientID, p.PatientID, &w.state.Patients)
			w.learn(p.ProviderID, p.ProviderID, &w.state.Providers)
		}
		snap := w.fromPMS(*p, apptsync.Snapshot{})
		got, err := callCreateEHR(ctx, ehr.CreateAppointmentInput{Key: wid, Target: snap, LinkTo: wid})
		if err != nil {
			return w.fail(err)
		}
		e = &got
		w.state.EHR.ID = e.ID
		w.state.EHR.Written = e.Version
		w.state.Merged = snap
		w.state.Writes++
	}
	w.seen(e, p)
	// A linked pair still needs the first merge; a created side is already in sync.
	w.dirty = w.in.EHRID != "" && w.in.PMSID != ""
	w.state.Status = StatusInSync
	return nil
}

// fail records a failed link and returns the error (the workflow fails: nothing was linked).
func (w *impl) fail(err error) error {
	w.state.Status = StatusError
	w.state.Error = errorText(err)
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() == ErrTypeUnmapped {
		w.state.Error = ae.Message()
	}
	return err
}

// seen records the versions and contents last read or written.
func (w *impl) seen(e *ehr.SyncAppointment, p *pms.Appointment) {
	if e != nil {
		snap := e.Snapshot
		w.state.EHR.Version, w.state.EHR.UpdatedAt, w.state.EHR.Current = e.Version, e.UpdatedAt, &snap
	}
	if p != nil {
		snap := w.fromPMS(*p, w.state.Merged)
		w.state.PMS.Version, w.state.PMS.UpdatedAt, w.state.PMS.Current = itoa(p.Version), p.UpdatedAt, &snap
	}
}

// sync reads both sides, merges them against the last synced snapshot and writes each side
// that differs from its target with If-Match. A version conflict on a write re-reads and
// re-merges; the new base is committed only when every write succeeded.
func (w *impl) sync(ctx workflow.Context) {
	w.state.Syncs++
	pending := w.resolutions
	w.resolutions = nil
	defer func() {
		for _, r := range pending {
			w.doneSeq = max(w.doneSeq, r.seq)
		}
	}()
	local := len(pending) == 0 && w.ver.Version(ctx, changeLocalSync, workflow.DefaultVersion, 1) >= 1
	for round := 0; round < maxRounds; round++ {
		e, err := callSyncReadEHR(ctx, local, ehr.ReadAppointmentInput{ID: w.state.EHR.ID})
		if err != nil {
			w.syncFailed(err, pending)
			return
		}
		pr, err := callSyncReadPMS(ctx, local, pmsact.ReadInput{ID: w.state.PMS.ID})
		if err != nil {
			w.syncFailed(err, pending)
			return
		}
		p := pr.Appointment
		if w.participants >= 1 {
			// A participant without a mapping would be written to the other side as the
			// wrong id: nothing is written until the crosswalk knows it.
			if err := w.mapParticipants(ctx, &p, &e.Snapshot); err != nil {
				w.syncFailed(err, pending)
				var ae *temporal.ApplicationError
				if errors.As(err, &ae) && ae.Type() == ErrTypeUnmapped {
					w.state.Error = ae.Message()
				}
				return
			}
		}
		base := w.state.Merged
		r := apptsync.Merge(base, apptsync.Side{Snapshot: e.Snapshot, UpdatedAt: e.UpdatedAt},
			apptsync.Side{Snapshot: w.fromPMS(p, base), UpdatedAt: p.UpdatedAt})
		for _, res := range pending {
			if !apptsync.Resolve(&r, res.field, res.value) {
				w.failed[res.seq] = true
			}
		}
		if r.WriteEHR {
			out, err := callSyncWriteEHR(ctx, local, ehr.WriteAppointmentInput{ID: e.ID, Version: e.Version, Target: r.EHR})
			if isConflict(err) {
				continue
			}
			if err != nil {
				w.syncFailed(err, pending)
				return
			}
			w.state.EHR.Written = out.Version
			w.state.Writes++
			e = out
		}
		if r.WritePMS {
			target, err := w.toPMS(r.PMS, p)
			if err != nil {
				w.syncFailed(err, pending)
				return
			}
			out, err := callSyncWritePMS(ctx, local, pmsact.WriteInput{Appointment: target})
			if isConflict(err) {
				continue
			}
			if err != nil {
				w.syncFailed(err, pending)
				return
			}
			w.state.PMS.Written = itoa(out.Appointment.Version)
			w.state.Writes++
			p = out.Appointment
		}
		cancelled := !ending(w.state.Merged.Status) && ending(r.Base.Status)
		w.state.Merged = r.Base
		w.seen(&e, &p)
		if cancelled {
			w.cancelCheckIn(ctx)
		}
		w.state.Conflicts = r.Open
		w.state.Decided = append(w.state.Decided, r.Decided...)
		if n := len(w.state.Decided); n > maxDecided {
			w.state.Decided = slices.Clone(w.state.Decided[n-maxDecided:])
		}
		w.state.Error = ""
		w.state.Status = StatusInSync
		if len(r.Open) > 0 {
			w.state.Status = StatusConflict
		}
		w.publish(ctx)
		return
	}
	// Both sides kept moving; their next notifications sync again.
	w.state.Error = "the appointment kept changing during the sync"
	for _, r := range pending {
		w.failed[r.seq] = true
	}
}

func (w *impl) syncFailed(err error, pending []resolution) {
	w.state.Status = StatusError
	w.state.Error = errorText(err)
	for _, r := range pending {
		w.failed[r.seq] = true
	}
}

// publish upserts the conflict search attribute when its value changed.
func (w *impl) publish(ctx workflow.Context) {
	if w.in.ConflictSearchAttribute == "" {
		return
	}
	v := saValue(w.state)
	if v == w.saValue {
		return
	}
	key := temporal.NewSearchAttributeKeyKeyword(w.in.ConflictSearchAttribute)
	if err := workflow.UpsertTypedSearchAttributes(ctx, key.ValueSet(v)); err != nil {
		workflow.GetLogger(ctx).Warn("conflict search attribute not published")
		return
	}
	w.saValue = v
}

func saValue(st State) string {
	if len(st.Conflicts) > 0 {
		return ConflictOpen
	}
	return ConflictNone
}

// validateResolve refuses a resolve for a field without an open conflict or one naming no
// value; nothing is written to history for a refused update.
func (w *impl) validateResolve(u ResolveUpdate) error {
	var f apptsync.Field
	if err := f.UnmarshalText([]byte(u.Field)); err != nil {
		return temporal.NewApplicationError("unknown field", ErrTypeRejected)
	}
	if !slices.ContainsFunc(w.state.Conflicts, func(c apptsync.Conflict) bool { return c.Field == f }) {
		return temporal.NewApplicationError("no open conflict on this field", ErrTypeRejected)
	}
	switch {
	case u.Side == ResolveEHR || u.Side == ResolvePMS:
		if u.Value != nil {
			return temporal.NewApplicationError("give a side or a value, not both", ErrTypeRejected)
		}
	case u.Side == "" && u.Value != nil:
		if f == apptsync.FieldStart && u.Value.Start.IsZero() {
			return temporal.NewApplicationError("value has no start", ErrTypeRejected)
		}
		if f == apptsync.FieldDuration && u.Value.Duration <= 0 {
			return temporal.NewApplicationError("duration must be positive", ErrTypeRejected)
		}
	default:
		return temporal.NewApplicationError("side must be ehr or pms, or a value given", ErrTypeRejected)
	}
	return nil
}

// resolve queues the resolution for the next merge and answers once that merge ran.
func (w *impl) resolve(ctx workflow.Context, u ResolveUpdate) (State, error) {
	var f apptsync.Field
	_ = f.UnmarshalText([]byte(u.Field))
	var value apptsync.Snapshot
	for _, c := range w.state.Conflicts {
		if c.Field == f {
			switch u.Side {
			case ResolveEHR:
				value = c.EHR
			case ResolvePMS:
				value = c.PMS
			}
		}
	}
	if u.Value != nil {
		value = *u.Value
	}
	w.nextSeq++
	seq := w.nextSeq
	w.resolutions = append(w.resolutions, resolution{seq: seq, field: f, value: value})
	if err := workflow.Await(ctx, func() bool { return w.doneSeq >= seq }); err != nil {
		return w.view(), err
	}
	if w.failed[seq] {
		delete(w.failed, seq)
		return w.view(), temporal.NewApplicationError("the resolution could not be applied: "+w.state.Error, ErrTypeRejected)
	}
	return w.view(), nil
}

// learn adds a participant pair to the crosswalk unless the PMS id is known.
func (w *impl) learn(pmsID, ehrID string, pairs *[]Pair) {
	if pmsID == "" || ehrID == "" {
		return
	}
	for _, p := range *pairs {
		if p.PMS == pmsID {
			return
		}
	}
	*pairs = append(*pairs, Pair{PMS: pmsID, EHR: ehrID})
}

// ehrFor maps a PMS participant id through the crosswalk; unknown ids pass unchanged.
func ehrFor(pairs []Pair, pmsID string) string {
	for _, p := range pairs {
		if p.PMS == pmsID {
			return p.EHR
		}
	}
	return pmsID
}

// pmsFor maps an EHR participant id through the crosswalk; unknown ids pass unchanged.
func pmsFor(pairs []Pair, ehrID string) string {
	for _, p := range pairs {
		if p.EHR == ehrID {
			return p.PMS
		}
	}
	return ehrID
}

// fromPMS is the PMS appointment as a Snapshot in EHR terms; the status enters through
// FHIRStatusFor with the base status, so lossy rows do not look like changes.
func (w *impl) fromPMS(p pms.Appointment, base apptsync.Snapshot) apptsync.Snapshot {
	st, err := apptsync.FHIRStatusFor(p.Status, base.Status)
	if err != nil {
		st = p.Status
	}
	return apptsync.Snapshot{Start: p.ScheduledTime.UTC(), Duration: p.Duration,
		Provider: ehrFor(w.state.Providers, p.ProviderID), Patient: ehrFor(w.state.Patients, p.PatientID),
		Type: p.AppointmentType, Status: st, Department: p.Department, Note: p.Note}
}

// toPMS writes target into the PMS appointment cur (keeping its id and version).
func (w *impl) toPMS(t apptsync.Snapshot, cur pms.Appointment) (pms.Appointment, error) {
	st, err := apptsync.PMSStatusFor(t.Status, cur.Status)
	if err != nil {
		return pms.Appointment{}, temporal.NewNonRetryableApplicationError("status has no PMS mapping", ErrTypeInvalidInput, nil)
	}
	out := cur
	out.ScheduledTime, out.Duration = t.Start.UTC(), t.Duration
	out.ProviderID, out.PatientID = pmsFor(w.state.Providers, t.Provider), pmsFor(w.state.Patients, t.Patient)
	out.AppointmentType, out.Status, out.Department, out.Note = t.Type, st, t.Department, t.Note
	return out, nil
}

func isConflict(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && (ae.Type() == pmsact.ErrTypeVersionConflict || ae.Type() == ehr.ErrTypeVersionConflict)
}

// errorText is a PHI-free description of a failed call: the activity error's type.
func errorText(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() != "" {
		return ae.Type()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "timeout"
	}
	return "vendor call failed"
}

func itoa(n int) string { return strconv.Itoa(n) }
