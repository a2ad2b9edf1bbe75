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

// routeNotificationStatus signals the notification whose text had this SID. A message that is
// no notification's, or a notification already finished, is only recorded.
func (s *server) routeNotificationStatus(r *http.Request, a *auditEntry, sid, status string) error {
	if sid == "" || s.d.Records == nil {
		return nil
	}
	return s.signalBySID(r, a, crosswalk.NotifySMSSID, sid, notifications.DeliveryStatusSignalName,
		notifications.DeliveryStatus{SID: sid, Status: status})
}
