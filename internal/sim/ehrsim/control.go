package ehrsim

import (
	"encoding/json"
	"io"
	"net/http"
)

// maxControlBody bounds control-request bodies.
const maxControlBody = 1 << 20

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
		writeJSON(w, http.StatusCreated, "application/json", f)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, "application/json", s.Faults())
	})
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, "application/json", s.Stats())
	})
	m.HandleFunc("GET /_sim/resources/{type}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, "application/json", s.Resources(r.PathValue("type")))
	})
	m.HandleFunc("GET /_sim/resources/{type}/{id}", func(w http.ResponseWriter, r *http.Request) {
		res, ok := s.Resource(r.PathValue("type"), r.PathValue("id"))
		if !ok {
			writeControlError(w, http.StatusNotFound, "resource is not known")
			return
		}
		writeJSON(w, http.StatusOK, fhirContentType, res)
	})
	m.HandleFunc("PUT /_sim/resources/{type}/{id}", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
		if err != nil {
			writeControlError(w, http.StatusBadRequest, "unreadable body")
			return
		}
		typ, id := r.PathValue("type"), r.PathValue("id")
		if err := s.Put(typ, id, b); err != nil {
			writeControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		res, _ := s.Resource(typ, id)
		writeJSON(w, http.StatusOK, fhirContentType, res)
	})
	m.HandleFunc("POST /_sim/clients", func(w http.ResponseWriter, r *http.Request) {
		var req ClientRequest
		if !decodeControl(w, r, &req) {
			return
		}
		if err := s.RegisterClientJWKS(req.ClientID, req.JWKS); err != nil {
			writeControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("DELETE /_sim/tokens", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeTokens()
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

// writeControlError writes {"error": msg}; messages carry no request
// content beyond ids.
func writeControlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, "application/json", map[string]string{"error": msg})
}
