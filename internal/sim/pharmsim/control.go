package pharmsim

import (
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// control answers the /_sim/ routes.
var control = simkit.Control{MaxBody: 64 << 10}

// controlRoutes exposes the test controls to other processes; they exist
// only on the simulator's own listener.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	simkit.FaultRoutes(m, control, s)
	m.HandleFunc("GET /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		control.JSON(w, http.StatusOK, s.Messages())
	})
	simkit.URLRoute(m, control, "PUT /_sim/webhook", s.SetWebhookURL)
}
