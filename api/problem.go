package api

import (
	"encoding/json"
	"net/http"
)

// Problem is an RFC 9457 problem detail. Detail is always text the API wrote itself: never an
// error string from Temporal, a vendor or a decoder, since those may carry PHI or internals.
type Problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	InvalidParams []InvalidParam `json:"invalid-params,omitempty"`
	RequestID     string         `json:"requestId,omitempty"`
}

// InvalidParam names one rejected input and why; it never repeats the submitted value.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Problem type URIs for the cases clients may want to tell apart; others use about:blank,
// whose meaning is the HTTP status itself.
const (
	ProblemValidation     = "urn:careflow:problem:validation"
	ProblemMalformedJSON  = "urn:careflow:problem:malformed-json"
	ProblemUpdateRejected = "urn:careflow:problem:update-rejected"
	ProblemBadSignature   = "urn:careflow:problem:bad-signature"
)

// problem writes p as application/problem+json, filling type, title, instance and requestId.
func (s *server) problem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	// The path only, never the query string: it could carry anything a client typed.
	p.Instance = r.URL.Path
	p.RequestID = infoFrom(r.Context()).id
	infoFrom(r.Context()).problem = p.Type
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Del("Content-Length")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as application/json with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status is already sent; an encoding error can only mean the client went away.
	_ = json.NewEncoder(w).Encode(v)
}
