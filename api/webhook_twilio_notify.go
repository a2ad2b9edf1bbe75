package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/clients/twilio"
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

// routeNotificationStatus signals the notification whose text had this SID. The callback URL
// names the notification (twilio.CallbackRefParam, covered by the signature), so a status that
// arrives before the SMS activity has recorded the SID still reaches it; callbacks of texts
// sent without it are routed by the SID's crosswalk entry. A message that is no notification's,
// or a notification already finished, is only recorded.
func (s *server) routeNotificationStatus(r *http.Request, a *auditEntry, sid, status string) error {
	if sid == "" {
		return nil
	}
	arg := notifications.DeliveryStatus{SID: sid, Status: status}
	if wid := r.URL.Query().Get(twilio.CallbackRefParam); strings.HasPrefix(wid, notifications.WorkflowID("")) {
		a.rec.Process = wid
		ctx, cancel := context.WithTimeout(r.Context(), signalTimeout)
		defer cancel()
		err := s.d.Temporal.SignalWorkflow(ctx, wid, "", notifications.DeliveryStatusSignalName, arg)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil
		}
		return err
	}
	if s.d.Records == nil {
		return nil
	}
	return s.signalBySID(r, a, crosswalk.NotifySMSSID, sid, notifications.DeliveryStatusSignalName, arg)
}
