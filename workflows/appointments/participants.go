package appointments

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/apptsync"
)

// changeParticipants (version 1): patient and provider ids reach the other side only through
// the participant crosswalk (internal/crosswalk PMSPatient, FHIRPatient, PMSProvider,
// FHIRPractitioner): a linked pair records its participants, a create or a sync looks up the
// ids it has not learnt, and an id without a mapping stops the write with the reason in
// State.Error. Before it, unknown ids passed to the other side unchanged.
const changeParticipants = "appointment-participant-crosswalk"

// ErrTypeUnmapped fails a link, or stops a sync, whose patient or provider has no crosswalk
// mapping; its message names the crosswalk kinds, never the ids.
const ErrTypeUnmapped = "AppointmentParticipantUnmapped"

// recordParticipants records a linked pair's patient and provider in the crosswalk; a
// disagreeing existing mapping is kept and reported in State.Error.
func (w *impl) recordParticipants(ctx workflow.Context, p pms.Appointment, e apptsync.Snapshot) error {
	res, err := callRecordParticipants(ctx, pmsact.ParticipantPair{PMSPatient: p.PatientID, FHIRPatient: e.Patient,
		PMSProvider: p.ProviderID, FHIRProvider: e.Provider})
	if err != nil {
		return err
	}
	if len(res.Conflicts) > 0 {
		w.state.Error = "the crosswalk maps this pair's participants elsewhere (kept): " + strings.Join(res.Conflicts, ", ")
	}
	return nil
}

// mapParticipants learns the crosswalk entries of the PMS appointment's (p) and the EHR
// snapshot's (e) participants not learnt yet; either may be nil. An id without an entry is an
// ErrTypeUnmapped error naming the crosswalk kinds.
func (w *impl) mapParticipants(ctx workflow.Context, p *pms.Appointment, e *apptsync.Snapshot) error {
	var unmapped []string
	if p != nil {
		in := pmsact.ParticipantsInput{}
		if p.PatientID != "" && !knownPMS(w.state.Patients, p.PatientID) {
			in.Patient = p.PatientID
		}
		if p.ProviderID != "" && !knownPMS(w.state.Providers, p.ProviderID) {
			in.Provider = p.ProviderID
		}
		if in.Patient != "" || in.Provider != "" {
			res, err := callMapParticipants(ctx, in)
			if err != nil {
				return err
			}
			w.learn(in.Patient, res.Patient, &w.state.Patients)
			w.learn(in.Provider, res.Provider, &w.state.Providers)
			unmapped = append(unmapped, res.Unmapped...)
		}
	}
	if e != nil {
		in := pmsact.ParticipantsInput{ToPMS: true}
		if e.Patient != "" && !knownEHR(w.state.Patients, e.Patient) {
			in.Patient = e.Patient
		}
		if e.Provider != "" && !knownEHR(w.state.Providers, e.Provider) {
			in.Provider = e.Provider
		}
		if in.Patient != "" || in.Provider != "" {
			res, err := callMapParticipants(ctx, in)
			if err != nil {
				return err
			}
			w.learn(res.Patient, in.Patient, &w.state.Patients)
			w.learn(res.Provider, in.Provider, &w.state.Providers)
			unmapped = append(unmapped, res.Unmapped...)
		}
	}
	if len(unmapped) > 0 {
		return temporal.NewNonRetryableApplicationError("no crosswalk mapping for the appointment's "+strings.Join(unmapped, ", "),
			ErrTypeUnmapped, nil)
	}
	return nil
}

func knownPMS(pairs []Pair, id string) bool {
	return slices.ContainsFunc(pairs, func(p Pair) bool { return p.PMS == id })
}

func knownEHR(pairs []Pair, id string) bool {
	return slices.ContainsFunc(pairs, func(p Pair) bool { return p.EHR == id })
}
