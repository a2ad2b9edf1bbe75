package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/internal/loadgen"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/internal/stack"
	"github.com/careflow/engine/workflows/appointments"
)

// waitPMSTwins waits until each EHR appointment copy has its PMS twin: each copy's creation
// reaches the engine as an EHR notification, which starts its sync and creates the twin under
// the engine's id for an EHR-first appointment. Without a simulated PMS there is nothing to wait for.
func waitPMSTwins(st *stack.Stack, ids []string) error {
	if st.PMSSim == nil {
		return nil
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			if _, ok := st.PMSSim.Sim.Appointment(appointments.IDForEHR(id)); ok {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("loadgen: PMS twin of %s not created", id)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// appointmentLoad puts n copies of the simulated EHR's first appointment, whose notifications
// start their syncs, then runs loadgen.Appointments against the simulators (standalone only).
func appointmentLoad(ctx context.Context, st *stack.Stack, n, conc int, baseline client.Client) error {
	if st.PMSSim == nil || st.EHRSim == nil || n <= 0 {
		return nil
	}
	ids, err := seedCopies(st, "lg-sync-", n)
	if err != nil {
		return err
	}
	if err := waitPMSTwins(st, ids); err != nil {
		return err
	}
	hook := st.APIURL + "/webhooks/pms"
	rep, err := loadgen.Appointments(ctx, loadgen.AppointmentOptions{
		IDs: ids, Concurrency: conc, Temporal: baseline,
		EditPMS: func(id, note string) error {
			_, err := st.PMSSim.Sim.Edit(appointments.IDForEHR(id), pmssim.Edit{Note: &note})
			return err
		},
		EHRNote: func(id string) string {
			r, _ := st.EHRSim.Sim.Resource("Appointment", id)
			s, _ := r["comment"].(string)
			return s
		},
		SetWebhooks: func(on bool) {
			if on {
				st.PMSSim.Sim.SetWebhookURL(hook)
				return
			}
			st.PMSSim.Sim.SetWebhookURL("")
		},
		Reconcile: func(ctx context.Context) error {
			run, err := st.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: fmt.Sprintf("lg-reconcile-%x", time.Now().UnixNano()), TaskQueue: appointments.TaskQueue},
				appointments.ReconcileWorkflowName, appointments.ReconcileInput{Lookback: time.Hour})
			if err != nil {
				return err
			}
			return run.Get(ctx, nil)
		},
	})
	fmt.Print(rep.String())
	return err
}
