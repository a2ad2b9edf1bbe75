package ehrsim

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// maxControlBody bounds control-request bodies.
const maxControlBody = 1 << 20

// control answers the /_sim/ routes; its messages carry no request content
// beyond ids.
var control = simkit.Control{MaxBody: maxControlBody}

// ClientRequest is the body of POST /_sim/clients: a client_id and its
// JSON Web Key Set.
type ClientRequest struct {
	ClientID string          `json:"clientId"`
	JWKS     json.RawMessage `json:"jwks"`
}

// controlRoutes exposes test controls over HTTP for other processes (load
// generator, e2e scripts). They need no token: they exist only on the
// simulator's own loopback listener, never on a real EHR.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	simkit.FaultRoutes(m, control, s)
	m.HandleFunc("GET /_sim/resources/{type}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, "application/json", s.Resources(r.PathValue("type")))
	})
	m.HandleFunc("GET /_sim/resources/{type}/{id}", func(w http.ResponseWriter, r *http.Request) {
		res, ok := s.Resource(r.PathValue("type"), r.PathValue("id"))
		if !ok {
			control.Error(w, http.StatusNotFound, "resource is not known")
			return
		}
		writeJSON(w, http.StatusOK, fhirContentType, res)
	})
	m.HandleFunc("PUT /_sim/resources/{type}/{id}", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
		if err != nil {
			control.Error(w, http.StatusBadRequest, "unreadable body")
			return
		}
		typ, id := r.PathValue("type"), r.PathValue("id")
		if err := s.Put(typ, id, b); err != nil {
			control.Error(w, http.StatusBadRequest, err.Error())
			return
		}
		res, _ := s.Resource(typ, id)
		writeJSON(w, http.StatusOK, fhirContentType, res)
	})
	m.HandleFunc("POST /_sim/clients", func(w http.ResponseWriter, r *http.Request) {
		var req ClientRequest
		if !control.Decode(w, r, &req) {
			return
		}
		if err := s.RegisterClientJWKS(req.ClientID, req.JWKS); err != nil {
			control.Error(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("DELETE /_sim/tokens", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeTokens()
		w.WriteHeader(http.StatusNoContent)
	})
}
