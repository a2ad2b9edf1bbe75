package appointments

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// NotifyChangesName is the registered name of Notifier.NotifyAppointmentChanges.
const NotifyChangesName = "NotifyAppointmentChanges"

// Crosswalk looks up the workflow ID linked to a vendor id (audit.Store satisfies it).
type Crosswalk interface {
	LookupCrosswalk(ctx context.Context, kind, externalID string) (string, error)
}

// Notifier hands change notifications to their entity workflows. It is client code, not
// workflow code: the API's webhooks call Notify, and the reconciliation calls it through
// the NotifyAppointmentChanges activity.
type Notifier struct {
	Temporal  client.Client
	Crosswalk Crosswalk
	// SearchAttribute is the registered conflict search attribute ("" for none).
	SearchAttribute string
}

// Outcome of a notification.
const (
	// Delivered: Temporal accepted the signal (or the signal-with-start).
	Delivered = "delivered"
	// IgnoredOwnWrite: an engine-marked change of an appointment not linked yet is the
	// engine's own create coming back before its crosswalk entry; its workflow knows it.
	IgnoredOwnWrite = "own-write"
	// IgnoredClosed: the linked workflow has ended (it failed to link) and takes no changes.
	IgnoredClosed = "closed"
	// IgnoredEcho: a PMS version the engine wrote, coming back; its workflow wrote it.
	IgnoredEcho = "echo"
)

// Notify signals the workflow linked to the changed appointment, or signal-with-starts a
// new one for an appointment the engine has not seen (its id from IDForEHR / IDForPMS).
func (n *Notifier) Notify(ctx context.Context, s ChangeSignal) (string, error) {
	if ValidateID(s.ID) != nil || (s.Source != SourceEHR && s.Source != SourcePMS) {
		return "", errors.New("appointments: notification without a valid source and id")
	}
	if s.Source == SourcePMS && s.Marked {
		// The PMS stamps updatedBy on every version, so a marked version is one the engine
		// wrote: the workflow recorded the write, or, if its worker died before the task that
		// made it completed, replays to a sync that reads the PMS again. Signalling would wake
		// it only to classify an echo. A FHIR meta.tag may outlive the engine's version (servers
		// carry tags into later versions), so EHR notifications still go to the workflow, which
		// compares versions.
		return IgnoredEcho, nil
	}
	kind, in := crosswalk.FHIRAppointment, Input{AppointmentID: IDForEHR(s.ID), EHRID: s.ID}
	if s.Source == SourcePMS {
		kind, in = crosswalk.PMSAppointment, Input{AppointmentID: IDForPMS(s.ID), PMSID: s.ID}
	}
	wid, err := n.Crosswalk.LookupCrosswalk(ctx, kind, s.ID)
	switch {
	case err == nil:
		err = n.Temporal.SignalWorkflow(ctx, wid, "", ChangeSignalName, s)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return IgnoredClosed, nil
		}
		if err != nil {
			return "", err
		}
		return Delivered, nil
	case !errors.Is(err, audit.ErrNotFound):
		return "", err
	case s.Marked:
		return IgnoredOwnWrite, nil
	}
	in.ConflictSearchAttribute = n.SearchAttribute
	_, err = n.Temporal.SignalWithStartWorkflow(ctx, WorkflowID(in.AppointmentID), ChangeSignalName, s,
		client.StartWorkflowOptions{ID: WorkflowID(in.AppointmentID), TaskQueue: TaskQueue}, WorkflowName, in)
	if err != nil {
		return "", err
	}
	return Delivered, nil
}

// NotifyAppointmentChanges delivers the reconciliation's changes; it returns how many were
// delivered. A failure is retried by Temporal; deliveries are idempotent (the workflows
// deduplicate by event id and ignore versions already merged).
func (n *Notifier) NotifyAppointmentChanges(ctx context.Context, changes []ChangeSignal) (int, error) {
	delivered := 0
	for _, c := range changes {
		out, err := n.Notify(ctx, c)
		if err != nil {
			return delivered, err
		}
		if out == Delivered {
			delivered++
		}
	}
	return delivered, nil
}

// AppointmentIDFromWorkflowID is the inverse of WorkflowID ("" for another prefix).
func AppointmentIDFromWorkflowID(wid string) string {
	id, ok := strings.CutPrefix(wid, "appointment:")
	if !ok {
		return ""
	}
	return id
}
