package stack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/vendorrate"
	"github.com/careflow/engine/workers"
	"github.com/careflow/engine/workflows/appointments"
)

// startAppointments starts the appointment sync: its activities, worker and API settings.
func (s *Stack) startAppointments() error {
	acts, err := s.appointmentActivities(context.Background())
	if err != nil {
		return err
	}
	s.instrument(acts.PMS, acts.EHR, acts.Notify)
	s.addWorker(func() worker.Worker {
		opts := s.wopts
		opts.TaskQueueActivitiesPerSecond = s.appointmentCallsPerSecond()
		return workers.NewAppointmentWorker(s.Temporal, acts, opts)
	})
	a := s.Config.Appointments
	s.deps.Appointments = api.AppointmentDefaults{PMSWebhookSecret: a.PMSWebhookSecret, FHIRWebhookSecret: a.FHIRWebhookSecret,
		ConflictSearchAttribute: s.apptSearchAttribute}
	return nil
}

// appointmentActivities connects to the PMS (the simulator when PMS_BASE_URL is unset, see
// simulatePMS), registers the conflict search attribute, and returns the appointment-sync
// activities.
func (s *Stack) appointmentActivities(ctx context.Context) (workers.AppointmentActivities, error) {
	cfg := &s.Config.Appointments
	var acts workers.AppointmentActivities
	if s.PMSSim == nil {
		s.logger.Info("pms: vendor endpoint from PMS_BASE_URL", "url", cfg.PMSBaseURL)
	}
	pc, err := pms.New(cfg.PMSBaseURL, &http.Client{Timeout: 25 * time.Second})
	if err != nil {
		return acts, err
	}
	// One pace for both vendors' sync calls, as the task queue's limit has been: the sync's
	// local calls pass no task queue.
	limit := vendorrate.New(s.appointmentCallsPerSecond())
	acts.PMS = &pmsact.Activities{PMS: pc, Records: s.Store, Crosswalk: s.Store, Limit: limit}
	// Both vendors simulated.
	if s.PMSSim != nil && s.EHRSim != nil {
		if err := s.mapSimulatedParticipants(ctx); err != nil {
			return acts, err
		}
	}
	acts.EHR = &ehr.AppointmentSync{FHIR: s.fhirClient, Records: s.Store, Limit: limit}
	s.apptSearchAttribute = s.keywordAttribute(appointments.ConflictSearchAttribute,
		"search attribute unavailable; register it to list appointments with conflicts")
	acts.Notify = &appointments.Notifier{Temporal: s.Temporal, Crosswalk: s.Store, SearchAttribute: s.apptSearchAttribute}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.ensureReconcileSchedule(sctx); err != nil {
		// A namespace that refuses schedules still syncs by webhook; say so instead of failing.
		s.logger.Warn("appointments: reconciliation schedule unavailable", "schedule", appointments.ScheduleID, "error", err.Error())
	}
	return acts, nil
}

// appointmentCallsPerSecond is APPOINTMENT_CALLS_PER_SECOND, or the worker's default for a
// configuration built without it.
func (s *Stack) appointmentCallsPerSecond() float64 {
	if r := s.Config.Appointments.CallsPerSecond; r > 0 {
		return r
	}
	return workers.AppointmentActivitiesPerSecond
}

// ensureReconcileSchedule creates the reconciliation Schedule, or sets the interval of the
// existing one (APPOINTMENT_RECONCILE_INTERVAL), so every worker start leaves exactly one.
func (s *Stack) ensureReconcileSchedule(ctx context.Context) error {
	every := s.Config.Appointments.ReconcileInterval
	if every == 0 {
		every = appointments.DefaultReconcileInterval
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	// The first run looks back two intervals, so a webhook lost just before the start heals.
	action := &client.ScheduleWorkflowAction{ID: appointments.ReconcileWorkflowID,
		Workflow: appointments.ReconcileWorkflowName, TaskQueue: appointments.TaskQueue,
		Args: []any{appointments.ReconcileInput{Lookback: 2 * every}}, WorkflowRunTimeout: time.Hour}
	sc := s.Temporal.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:   appointments.ScheduleID,
		Spec: spec,
		// A run still listing when the next is due makes the next one redundant.
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action:  action,
	})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return err
	}
	return sc.GetHandle(ctx, appointments.ScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			in.Description.Schedule.Spec = &spec
			in.Description.Schedule.Action = action
			return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
		},
	})
}

// mapSimulatedParticipants records the simulated EHR's Patients and Practitioners in the
// participant crosswalk under the same ids on the PMS side: the simulated PMS shares the
// EHR's patient and provider ids, as a clinic's master patient index would map them. A real
// PMS's mappings come from linked pairs (or are loaded into the crosswalk by the clinic).
func (s *Stack) mapSimulatedParticipants(ctx context.Context) error {
	for _, m := range []struct{ typ, pmsKind, fhirKind string }{
		{"Patient", crosswalk.PMSPatient, crosswalk.FHIRPatient},
		{"Practitioner", crosswalk.PMSProvider, crosswalk.FHIRPractitioner},
	} {
		for _, r := range s.EHRSim.Sim.Resources(m.typ) {
			id, _ := r["id"].(string)
			if id == "" {
				continue
			}
			for _, kind := range []string{m.pmsKind, m.fhirKind} {
				if err := s.Store.PutCrosswalk(ctx, kind, id, id); err != nil && !errors.Is(err, crosswalk.ErrConflict) {
					return fmt.Errorf("participant crosswalk: %w", err)
				}
			}
		}
	}
	return nil
}
