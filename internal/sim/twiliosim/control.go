package twiliosim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxControlBody bounds control-request bodies.
const maxControlBody = 64 << 10

// ReplyRequest is the body of POST /_sim/reply.
type ReplyRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body"`
}

// InboundRequest is the body of PUT /_sim/inbound.
type InboundRequest struct {
	URL string `json:"url"`
}

// controlRoutes exposes the simulator's test controls over HTTP for other
// processes (load generator, e2e scripts). They need no Twilio credentials:
// they exist only on the simulator's own listener, never on a real Twilio.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if !decodeControl(w, r, &f) {
			return
		}
		if err := f.Validate(); err != nil {
			writeControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.InjectFault(f)
		writeControlJSON(w, http.StatusCreated, f)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, s.Stats())
	})
	// GET /_sim/messages lists messages; ?to= and ?direction= filter them.
	m.HandleFunc("GET /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		to, dir := r.URL.Query().Get("to"), r.URL.Query().Get("direction")
		out := []MessageView{}
		for _, v := range s.Messages() {
			if (to == "" || v.To == to) && (dir == "" || v.Direction == dir) {
				out = append(out, v)
			}
		}
		writeControlJSON(w, http.StatusOK, out)
	})
	m.HandleFunc("POST /_sim/reply", func(w http.ResponseWriter, r *http.Request) {
		var req ReplyRequest
		if !decodeControl(w, r, &req) {
			return
		}
		sid, err := s.reply(req.From, req.To, req.Body)
		switch {
		case errors.Is(err, ErrNoInboundURL), errors.Is(err, ErrClosed):
			writeControlError(w, http.StatusConflict, err.Error())
		case err != nil && sid == "":
			writeControlError(w, http.StatusBadRequest, err.Error())
		case err != nil:
			// The receiver refused or could not be reached.
			writeControlJSON(w, http.StatusBadGateway, map[string]string{"sid": sid, "error": err.Error()})
		default:
			writeControlJSON(w, http.StatusCreated, map[string]string{"sid": sid})
		}
	})
	m.HandleFunc("PUT /_sim/inbound", func(w http.ResponseWriter, r *http.Request) {
		var req InboundRequest
		if !decodeControl(w, r, &req) {
			return
		}
		s.SetInboundURL(req.URL)
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeControl reads a JSON control body; it answers 400 itself on error.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeControlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// writeControlJSON writes a control answer.
func writeControlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeControlError(w, http.StatusInternalServerError, "encode: "+err.Error())
		return
	}
	writeJSON(w, status, b)
}

// writeControlError writes {"error": msg}.
func writeControlError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	writeJSON(w, status, b)
}
