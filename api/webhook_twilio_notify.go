package api

import (
	"net/http"

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
	return s.signalSender(r, a, notifications.WorkflowID(""), crosswalk.NotifySMSSID, sid,
		notifications.DeliveryStatusSignalName, notifications.DeliveryStatus{SID: sid, Status: status})
}
