package pms

import (
	"context"
	"errors"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Registered names of the participant crosswalk activities.
const (
	MapParticipantsName    = "MapPMSParticipants"
	RecordParticipantsName = "RecordPMSParticipants"
)

// ParticipantsInput names an appointment's patient and provider in one system's terms.
// ToPMS says they are FHIR Patient and Practitioner ids wanted as PMS ids; otherwise they are
// PMS patientId and providerId wanted as FHIR ids. Empty ids are not looked up.
type ParticipantsInput struct {
	ToPMS    bool   `json:"toPms,omitempty"`
	Patient  string `json:"patient,omitempty"`
	Provider string `json:"provider,omitempty"`
}

// ParticipantsResult holds the mapped ids ("" when unmapped) and the crosswalk kinds that had
// no entry, which say why nothing can be written (kinds, never the ids: they may be PHI).
type ParticipantsResult struct {
	Patient  string   `json:"patient,omitempty"`
	Provider string   `json:"provider,omitempty"`
	Unmapped []string `json:"unmapped,omitempty"`
}

// ParticipantPair is one patient and one provider as both systems name them; empty ids are
// skipped.
type ParticipantPair struct {
	PMSPatient   string `json:"pmsPatient,omitempty"`
	FHIRPatient  string `json:"fhirPatient,omitempty"`
	PMSProvider  string `json:"pmsProvider,omitempty"`
	FHIRProvider string `json:"fhirProvider,omitempty"`
}

// RecordResult lists the crosswalk kinds whose existing entry names another id: the
// existing mapping is kept (first writer wins) and the caller reports the disagreement.
type RecordResult struct {
	Conflicts []string `json:"conflicts,omitempty"`
}

// MapPMSParticipants looks the patient and provider up in the participant crosswalk.
func (a *Activities) MapPMSParticipants(ctx context.Context, in ParticipantsInput) (ParticipantsResult, error) {
	patientKind, providerKind := crosswalk.PMSPatient, crosswalk.PMSProvider
	if in.ToPMS {
		patientKind, providerKind = crosswalk.FHIRPatient, crosswalk.FHIRPractitioner
	}
	var out ParticipantsResult
	for _, q := range []struct {
		kind, id string
		dst      *string
	}{{patientKind, in.Patient, &out.Patient}, {providerKind, in.Provider, &out.Provider}} {
		if q.id == "" {
			continue
		}
		got, err := a.Crosswalk.LookupCrosswalk(ctx, q.kind, q.id)
		switch {
		case errors.Is(err, audit.ErrNotFound):
			out.Unmapped = append(out.Unmapped, q.kind)
		case err != nil:
			// The record store is down: Temporal retries.
			return ParticipantsResult{}, err
		default:
			*q.dst = got
		}
	}
	return out, nil
}

// RecordPMSParticipants records a linked pair's participants in both directions, so other
// appointments of the same patient and provider find them.
func (a *Activities) RecordPMSParticipants(ctx context.Context, in ParticipantPair) (RecordResult, error) {
	var out RecordResult
	for _, m := range []struct{ kind, from, to string }{
		{crosswalk.PMSPatient, in.PMSPatient, in.FHIRPatient}, {crosswalk.FHIRPatient, in.FHIRPatient, in.PMSPatient},
		{crosswalk.PMSProvider, in.PMSProvider, in.FHIRProvider}, {crosswalk.FHIRPractitioner, in.FHIRProvider, in.PMSProvider},
	} {
		if m.from == "" || m.to == "" {
			continue
		}
		err := a.Records.PutCrosswalk(ctx, m.kind, m.from, m.to)
		switch {
		case errors.Is(err, crosswalk.ErrConflict):
			out.Conflicts = append(out.Conflicts, m.kind)
		case err != nil:
			return RecordResult{}, err
		}
	}
	return out, nil
}
