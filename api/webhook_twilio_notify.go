package api

import (
	"context"
	"errors"
	"net/http"

	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/notifications"
)

// routeStatus delivers a Twilio status callback to the process that sent the message: a lab
// order's page (undelivered, failed) or a notification (every status; delivered ends it,
// undelivered and failed move it to the fallback channel).
func (s *server) routeStatus(r *http.Request, a *auditEntry, sid, status string) error {
	if err := s.routePageStatus(r, a, sid, status); err != nil {
		return err
	}
	return s.routeNotificationStatus(r, a, sid, status)
}

// routeNotificationStatus signals the notification whose text had this SID. A message that is
// no notification's, or a notification already finished, is only recorded.
func (s *server) routeNotificationStatus(r *http.Request, a *auditEntry, sid, status string) error {
	if sid == "" || s.d.Records == nil {
		return nil
	}
	wid, err := s.d.Records.LookupCrosswalk(r.Context(), crosswalk.NotifySMSSID, sid)
	if errors.Is(err, audit.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	a.rec.Process = wid
	ctx, cancel := context.WithTimeout(r.Context(), signalTimeout)
	defer cancel()
	err = s.d.Temporal.SignalWorkflow(ctx, wid, "", notifications.DeliveryStatusSignalName,
		notifications.DeliveryStatus{SID: sid, Status: status})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}
