// Package pms holds the activities that read and write appointments in the
// practice-management system through clients/pms, with errors classified for
// Temporal: a stale version (412) is a typed non-retryable error the sync
// workflow handles by re-reading and re-merging; other 4xx are permanent;
// timeouts, 429 and 5xx stay plain errors so Temporal retries them.
package pms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/vendorrate"
)

// Registered activity names (the methods of Activities).
const (
	ReadAppointmentName   = "ReadPMSAppointment"
	WriteAppointmentName  = "WritePMSAppointment"
	CreateAppointmentName = "CreatePMSAppointment"
	ListChangesName       = "ListPMSChanges"
)

// Error types the activities raise.
const (
	// ErrTypeVersionConflict is a write refused with 412: the PMS holds a newer version.
	ErrTypeVersionConflict = "PMSVersionConflict"
	// ErrTypeNotFound means the appointment does not exist in the PMS.
	ErrTypeNotFound = "PMSNotFound"
	// ErrTypeRejected is any other permanent PMS refusal (4xx).
	ErrTypeRejected = "PMSRejected"
	// ErrTypeLinked means the PMS appointment is already linked to another engine appointment.
	ErrTypeLinked = "PMSAlreadyLinked"
)

// Client is the part of clients/pms the activities use, so tests can inject a fake.
type Client interface {
	Get(ctx context.Context, id string) (pms.Appointment, error)
	Update(ctx context.Context, a pms.Appointment) (pms.Appointment, error)
	Create(ctx context.Context, a pms.Appointment) (pms.Appointment, error)
	List(ctx context.Context, opts pms.ListOptions) (pms.Page, error)
}

// Activities reads and writes PMS appointments; Records gets one audit record per
// exchange (ids and status codes only) and holds the appointment crosswalk.
type Activities struct {
	PMS     Client
	Records audit.ActivityStore
	// Crosswalk looks up the participant crosswalk (patients, providers).
	Crosswalk crosswalk.Reader
	// Now is the clock that times each exchange; nil means the wall clock.
	Now func() time.Time
	// Limit paces the PMS calls of this process (nil: unpaced), including those run as local
	// activities, which the task queue's rate limit does not see.
	Limit *vendorrate.Limiter
}

// ReadInput names the PMS appointment to read; LinkTo, when set, records the crosswalk
// entry from its id to that workflow ID (refused when it is linked elsewhere).
type ReadInput struct {
	ID     string `json:"id"`
	LinkTo string `json:"linkTo,omitempty"`
}

// AppointmentResult is a PMS appointment as the PMS returned it.
type AppointmentResult struct {
	Appointment pms.Appointment `json:"appointment"`
}

// WriteInput is a full PMS appointment to PUT; Appointment.Version is the If-Match version.
type WriteInput struct {
	Appointment pms.Appointment `json:"appointment"`
}

// CreateInput is a new PMS appointment; its AppointmentID is chosen by the engine, so a
// retried create finds its first try (the PMS answers 409) instead of making a second one.
type CreateInput struct {
	Appointment pms.Appointment `json:"appointment"`
	LinkTo      string          `json:"linkTo,omitempty"`
}

// ListInput asks for the appointments changed since a watermark, one page at a time.
type ListInput struct {
	UpdatedSince time.Time `json:"updatedSince"`
	Cursor       string    `json:"cursor,omitempty"`
	Limit        int       `json:"limit,omitempty"`
}

// ListResult is one page of the PMS change feed.
type ListResult struct {
	Appointments []pms.Appointment `json:"appointments"`
	NextCursor   string            `json:"nextCursor,omitempty"`
}

// ReadPMSAppointment reads one appointment.
func (a *Activities) ReadPMSAppointment(ctx context.Context, in ReadInput) (AppointmentResult, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return AppointmentResult{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "pms.read", "pms", "appointment/"+in.ID)
	out, err := a.PMS.Get(ctx, in.ID)
	ex.Finish(outcomeOf(err))
	if err != nil {
		return AppointmentResult{}, classify(err)
	}
	if err := a.link(ctx, in.ID, in.LinkTo); err != nil {
		return AppointmentResult{}, err
	}
	return AppointmentResult{Appointment: out}, nil
}

// WritePMSAppointment PUTs the appointment with If-Match on its Version; a 412 is
// ErrTypeVersionConflict (non-retryable: the workflow re-reads and re-merges).
func (a *Activities) WritePMSAppointment(ctx context.Context, in WriteInput) (AppointmentResult, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return AppointmentResult{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "pms.update", "pms", "appointment/"+in.Appointment.AppointmentID)
	out, err := a.PMS.Update(ctx, in.Appointment)
	ex.Finish(outcomeOf(err))
	if err != nil {
		return AppointmentResult{}, classify(err)
	}
	return AppointmentResult{Appointment: out}, nil
}

// CreatePMSAppointment creates the appointment under its engine-chosen id; a 409 (a
// retried create whose first try succeeded) reads the existing one back.
func (a *Activities) CreatePMSAppointment(ctx context.Context, in CreateInput) (AppointmentResult, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return AppointmentResult{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "pms.create", "pms", "appointment/"+in.Appointment.AppointmentID)
	out, err := a.PMS.Create(ctx, in.Appointment)
	var pe *pms.Error
	if errors.As(err, &pe) && pe.HTTPStatus == http.StatusConflict {
		out, err = a.PMS.Get(ctx, in.Appointment.AppointmentID)
	}
	ex.Finish(outcomeOf(err))
	if err != nil {
		return AppointmentResult{}, classify(err)
	}
	if err := a.link(ctx, out.AppointmentID, in.LinkTo); err != nil {
		return AppointmentResult{}, err
	}
	return AppointmentResult{Appointment: out}, nil
}

// ListPMSChanges reads one page of the change feed since the watermark.
func (a *Activities) ListPMSChanges(ctx context.Context, in ListInput) (ListResult, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return ListResult{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "pms.list", "pms", "appointment/"+"appointments")
	p, err := a.PMS.List(ctx, pms.ListOptions{UpdatedSince: in.UpdatedSince, Cursor: in.Cursor, Limit: in.Limit})
	ex.Finish(outcomeOf(err))
	if err != nil {
		return ListResult{}, classify(err)
	}
	return ListResult{Appointments: p.Appointments, NextCursor: p.NextCursor}, nil
}

// link records the crosswalk entry PMS id -> workflow ID.
func (a *Activities) link(ctx context.Context, id, wid string) error {
	if wid == "" || a.Records == nil {
		return nil
	}
	err := a.Records.PutCrosswalk(ctx, crosswalk.PMSAppointment, id, wid)
	if errors.Is(err, audit.ErrConflict) {
		return temporal.NewNonRetryableApplicationError("PMS appointment is linked to another appointment", ErrTypeLinked, nil)
	}
	if err != nil {
		return fmt.Errorf("pms: crosswalk: %w", err)
	}
	return nil
}

// classify turns a clients/pms error into Temporal's terms; the texts carry the operation
// and HTTP status only.
func classify(err error) error {
	var pe *pms.Error
	switch {
	case errors.Is(err, pms.ErrConflict):
		cur := 0
		if errors.As(err, &pe) {
			cur = pe.CurrentVersion
		}
		return temporal.NewNonRetryableApplicationError("PMS holds a newer version", ErrTypeVersionConflict, nil, cur)
	case errors.Is(err, pms.ErrNotFound):
		return temporal.NewNonRetryableApplicationError("PMS: not found", ErrTypeNotFound, nil)
	case errors.Is(err, pms.ErrTransient):
		return fmt.Errorf("pms: %w", err)
	}
	msg := "PMS rejected the request"
	if errors.As(err, &pe) {
		msg += ": " + pe.Error()
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeRejected, nil)
}

// outcomeOf is the audit outcome and code of a PMS exchange: its HTTP status, rejected when
// a retry would not help.
func outcomeOf(err error) (outcome, code string) {
	var pe *pms.Error
	switch {
	case errors.As(err, &pe):
		if !pe.Retryable() {
			return audit.OutcomeRejected, fmt.Sprint(pe.HTTPStatus)
		}
		return audit.OutcomeError, fmt.Sprint(pe.HTTPStatus)
	case err != nil:
		return audit.OutcomeError, ""
	}
	return audit.OutcomeOK, ""
}
