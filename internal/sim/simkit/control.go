package simkit

import (
	"encoding/json"
	"io"
	"net/http"
)

// Control writes the JSON answers of a simulator's /_sim/ control routes.
// Those routes exist only on the simulator's own loopback listener, never
// on the real vendor, so they need no credentials.
type Control struct {
	// MaxBody bounds request bodies, in bytes.
	MaxBody int64
	// ContentType is the answers' Content-Type; empty means
	// "application/json".
	ContentType string
	// Terse keeps decoder and encoder error text out of error answers.
	Terse bool
}

// Decode reads a JSON request body of at most MaxBody bytes into v,
// rejecting unknown fields; when it cannot, it answers 400 itself and
// returns false.
func (c Control) Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, c.MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "invalid JSON body"
		if !c.Terse {
			msg += ": " + err.Error()
		}
		c.Error(w, http.StatusBadRequest, msg)
		return false
	}
	return true
}

// JSON writes v as a JSON answer with the given status.
func (c Control) JSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		msg := "encode failed"
		if !c.Terse {
			msg = "encode: " + err.Error()
		}
		c.Error(w, http.StatusInternalServerError, msg)
		return
	}
	c.write(w, status, b)
}

// Error writes {"error": msg} with the given status. Callers keep request
// content (which may be PHI) out of msg.
func (c Control) Error(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	c.write(w, status, b)
}

// write sends an encoded answer.
func (c Control) write(w http.ResponseWriter, status int, b []byte) {
	ct := c.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Validator is a fault that can say whether it is well formed.
type Validator interface {
	Validate() error
}

// Controlled is what the shared control routes drive; every simulator's
// *Sim has these methods for its own Fault (F) and Stats (S) types.
type Controlled[F Validator, S any] interface {
	InjectFault(F)
	ClearFaults()
	Faults() []F
	Stats() S
}

// FaultRoutes registers on m the control routes every simulator has:
//
//	POST   /_sim/faults  body F; 400 unless it decodes and Validates; 201 echoing it
//	GET    /_sim/faults  200 with Faults()
//	DELETE /_sim/faults  204 after ClearFaults()
//	GET    /_sim/stats   200 with Stats()
func FaultRoutes[F Validator, S any](m *http.ServeMux, c Control, sim Controlled[F, S]) {
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f F
		if !c.Decode(w, r, &f) {
			return
		}
		if err := f.Validate(); err != nil {
			// Validate's messages name only the fault's own fields.
			c.Error(w, http.StatusBadRequest, err.Error())
			return
		}
		sim.InjectFault(f)
		c.JSON(w, http.StatusCreated, f)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		c.JSON(w, http.StatusOK, sim.Faults())
	})
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		sim.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		c.JSON(w, http.StatusOK, sim.Stats())
	})
}

// URLRequest is the body of a control route that sets where the simulator
// sends its own requests, such as PUT /_sim/webhook.
type URLRequest struct {
	URL string `json:"url"`
}

// URLRoute registers pattern (e.g. "PUT /_sim/webhook"): it decodes a
// URLRequest, passes its URL to set ("" stops the sending) and answers 204.
func URLRoute(m *http.ServeMux, c Control, pattern string, set func(url string)) {
	m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var req URLRequest
		if !c.Decode(w, r, &req) {
			return
		}
		set(req.URL)
		w.WriteHeader(http.StatusNoContent)
	})
}
