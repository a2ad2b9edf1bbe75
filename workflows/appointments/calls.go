package appointments

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/workflows/internal/call"
)

// vendorRetry is shared by every PMS and EHR call: quick first retries for blips, capped at
// a minute so a recovering vendor is noticed soon. Version conflicts are not retried here:
// the workflow re-reads and re-merges instead of sending the same stale write again.
func vendorRetry() *temporal.RetryPolicy {
	return call.Doubling(time.Second, time.Minute,
		pmsact.ErrTypeVersionConflict, pmsact.ErrTypeNotFound, pmsact.ErrTypeRejected, pmsact.ErrTypeLinked,
		ehr.ErrTypeVersionConflict, ehr.ErrTypeNotFound, ehr.ErrTypeRejected, ehr.ErrTypeLinked)
}

// vendorCall bounds one vendor call: 30 s per attempt is far above a healthy PMS or EHR
// answer yet frees the worker slot from a hung connection; an hour of retries rides out a
// vendor outage, after which the sync records the error and the next notification or the
// reconciliation Schedule tries again (nothing is lost, both sides keep their data).
func vendorCall() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            vendorRetry(),
	}
}

// localSyncBudget bounds a sync call's local attempts (changeLocalSync): a healthy PMS or EHR
// answers in milliseconds; a slower one, or a call its vendor rate limit defers, goes on as
// the regular activity, with the task queue's rate limit and an hour of retries.
const localSyncBudget = 5 * time.Second

// syncCall runs one of a sync's reads or writes: local first when the execution runs
// changeLocalSync and no resolve update waits on the sync, else as the regular activity. A
// local call leaves no record of its attempts and runs again if the worker dies before its
// workflow task completes: a read changes nothing, and a write carries If-Match on the version
// the merge read, so its repeat is refused (412) and the sync reads and merges again, finding
// both sides equal. A signal that starts the sync is in the history before the task runs, so
// the repeat is the same sync; a resolve update is recorded only when its task completes,
// which is why a sync that carries one calls the regular activities.
func syncCall[O any](ctx workflow.Context, local bool, name string, in any) (O, error) {
	if local {
		return call.LocalFirst[O](ctx, vendorCall(), localSyncBudget, name, in)
	}
	return call.Activity[O](ctx, vendorCall(), name, in)
}

func callReadPMS(ctx workflow.Context, in pmsact.ReadInput) (pmsact.AppointmentResult, error) {
	return call.Activity[pmsact.AppointmentResult](ctx, vendorCall(), pmsact.ReadAppointmentName, in)
}

func callSyncReadPMS(ctx workflow.Context, local bool, in pmsact.ReadInput) (pmsact.AppointmentResult, error) {
	return syncCall[pmsact.AppointmentResult](ctx, local, pmsact.ReadAppointmentName, in)
}

func callSyncWritePMS(ctx workflow.Context, local bool, in pmsact.WriteInput) (pmsact.AppointmentResult, error) {
	return syncCall[pmsact.AppointmentResult](ctx, local, pmsact.WriteAppointmentName, in)
}

// callCreatePMS is safe to retry: the appointment id is the engine's, so a second try gets
// 409 and reads the first one back.
func callCreatePMS(ctx workflow.Context, in pmsact.CreateInput) (pmsact.AppointmentResult, error) {
	return call.Activity[pmsact.AppointmentResult](ctx, vendorCall(), pmsact.CreateAppointmentName, in)
}

func callReadEHR(ctx workflow.Context, in ehr.ReadAppointmentInput) (ehr.SyncAppointment, error) {
	return call.Activity[ehr.SyncAppointment](ctx, vendorCall(), ehr.ReadAppointmentName, in)
}

func callSyncReadEHR(ctx workflow.Context, local bool, in ehr.ReadAppointmentInput) (ehr.SyncAppointment, error) {
	return syncCall[ehr.SyncAppointment](ctx, local, ehr.ReadAppointmentName, in)
}

func callSyncWriteEHR(ctx workflow.Context, local bool, in ehr.WriteAppointmentInput) (ehr.SyncAppointment, error) {
	return syncCall[ehr.SyncAppointment](ctx, local, ehr.WriteAppointmentName, in)
}

// callCreateEHR is safe to retry: the create is conditional on the engine identifier.
func callCreateEHR(ctx workflow.Context, in ehr.CreateAppointmentInput) (ehr.SyncAppointment, error) {
	return call.Activity[ehr.SyncAppointment](ctx, vendorCall(), ehr.CreateAppointmentName, in)
}

// callListPMS reads one page of the PMS change feed for the reconciliation; five minutes of
// retries are enough, since the next scheduled run starts from the same watermark.
func callListPMS(ctx workflow.Context, in pmsact.ListInput) (pmsact.ListResult, error) {
	return call.Activity[pmsact.ListResult](ctx, listCall(), pmsact.ListChangesName, in)
}

func listCall() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            vendorRetry(),
	}
}

// callListEHR reads one slice of the EHR's Appointment changes for the reconciliation; the
// same bounds as callListPMS, for the same reason.
func callListEHR(ctx workflow.Context, in ehr.ListChangesInput) (ehr.ListChangesResult, error) {
	return call.Activity[ehr.ListChangesResult](ctx, listCall(), ehr.ListAppointmentChangesName, in)
}

// callMapParticipants reads the record store, not a vendor: 10 s is ample, and a minute of
// retries covers a store restart before the sync records the error.
func callMapParticipants(ctx workflow.Context, in pmsact.ParticipantsInput) (pmsact.ParticipantsResult, error) {
	return call.Activity[pmsact.ParticipantsResult](ctx, storeCall(), pmsact.MapParticipantsName, in)
}

// callRecordParticipants writes the record store; the same bounds as callMapParticipants.
func callRecordParticipants(ctx workflow.Context, in pmsact.ParticipantPair) (pmsact.RecordResult, error) {
	return call.Activity[pmsact.RecordResult](ctx, storeCall(), pmsact.RecordParticipantsName, in)
}

func storeCall() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy:            call.Doubling(time.Second, 10*time.Second),
	}
}
