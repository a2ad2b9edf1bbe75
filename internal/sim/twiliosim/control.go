package twiliosim

import (
	"errors"
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// control answers the /_sim/ routes with the API's own content type.
var control = simkit.Control{MaxBody: 64 << 10, ContentType: "application/json; charset=utf-8"}

// ReplyRequest is the body of POST /_sim/reply.
type ReplyRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body"`
}

// controlRoutes exposes the simulator's test controls over HTTP for other
// processes (load generator, e2e scripts). They need no Twilio credentials:
// they exist only on the simulator's own listener, never on a real Twilio.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	simkit.FaultRoutes(m, control, s)
	// GET /_sim/messages lists messages; ?to= and ?direction= filter them.
	m.HandleFunc("GET /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		to, dir := r.URL.Query().Get("to"), r.URL.Query().Get("direction")
		out := []MessageView{}
		for _, v := range s.Messages() {
			if (to == "" || v.To == to) && (dir == "" || v.Direction == dir) {
				out = append(out, v)
			}
		}
		control.JSON(w, http.StatusOK, out)
	})
	m.HandleFunc("POST /_sim/reply", func(w http.ResponseWriter, r *http.Request) {
		var req ReplyRequest
		if !control.Decode(w, r, &req) {
			return
		}
		sid, err := s.reply(req.From, req.To, req.Body)
		switch {
		case errors.Is(err, ErrNoInboundURL), errors.Is(err, ErrClosed):
			control.Error(w, http.StatusConflict, err.Error())
		case err != nil && sid == "":
			control.Error(w, http.StatusBadRequest, err.Error())
		case err != nil:
			// The receiver refused or could not be reached.
			control.JSON(w, http.StatusBadGateway, map[string]string{"sid": sid, "error": err.Error()})
		default:
			control.JSON(w, http.StatusCreated, map[string]string{"sid": sid})
		}
	})
	simkit.URLRoute(m, control, "PUT /_sim/inbound", s.SetInboundURL)
}
