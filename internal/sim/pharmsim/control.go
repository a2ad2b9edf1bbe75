package pharmsim

import (
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// control answers the /_sim/ routes.
var control = simkit.Control{MaxBody: 64 << 10}

// WebhookRequest is the body of PUT /_sim/webhook.
type WebhookRequest struct {
	URL string `json:"url"`
}

// controlRoutes exposes the test controls to other processes; they exist
// only on the simulator's own listener.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	simkit.FaultRoutes(m, control, s)
	m.HandleFunc("GET /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		control.JSON(w, http.StatusOK, s.Messages())
	})
	m.HandleFunc("PUT /_sim/webhook", func(w http.ResponseWriter, r *http.Request) {
		var req WebhookRequest
		if !control.Decode(w, r, &req) {
			return
		}
		s.SetWebhookURL(req.URL)
		w.WriteHeader(http.StatusNoContent)
	})
}
