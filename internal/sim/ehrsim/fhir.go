package ehrsim

import (
	"crypto/rand"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBodyBytes bounds request bodies; FHIR resources the engine writes are
// a few kilobytes.
const maxBodyBytes = 1 << 20

// fhirCall is what a FHIR interaction needs from its request.
type fhirCall struct {
	typ string
	id  string
	tok *accessToken
}

// fhirOp executes one FHIR interaction.
type fhirOp func(w http.ResponseWriter, r *http.Request, c *fhirCall)

// opPerms maps fault operations to the SMART permission they need.
var opPerms = map[string]rune{
	OpRead: permRead, OpSearch: permSearch, OpCreate: permCreate, OpUpdate: permUpdate,
}

// fhir wraps an interaction with the server's request pipeline: bearer
// authentication, type and id checks, scope enforcement and faults.
func (s *Sim) fhir(op string, fn fhirOp) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.authenticate(r)
		if err != nil {
			s.bump(func(st *Stats) { st.Unauthorized++ })
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeOutcome(w, http.StatusUnauthorized, codeSecurity, err.Error())
			return
		}
		c := &fhirCall{typ: r.PathValue("type"), id: r.PathValue("id"), tok: tok}
		s.mu.Lock()
		served := validType(c.typ) && s.typeServed(c.typ)
		s.mu.Unlock()
		if !served {
			writeOutcome(w, http.StatusNotFound, codeNotSupported, "resource type is not supported")
			return
		}
		if c.id != "" && !validID(c.id) {
			writeOutcome(w, http.StatusBadRequest, codeInvalid, "malformed resource id")
			return
		}
		if !tok.permits(c.typ, opPerms[op]) {
			s.bump(func(st *Stats) { st.Forbidden++ })
			writeOutcome(w, http.StatusForbidden, codeForbidden,
				fmt.Sprintf("token scope does not permit %s on %s", op, c.typ))
			return
		}
		if f, ok := s.takeFault(op); ok && !s.applyFHIRFault(w, r, f) {
			return
		}
		fn(w, r, c)
	})
}

// applyFHIRFault acts out an injected fault on a FHIR interaction; it
// reports whether the request should still be handled normally.
func (s *Sim) applyFHIRFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	s.countFault()
	switch f.Kind {
	case FaultSlow:
		if s.sleep(r.Context(), f.Delay) {
			return true
		}
		writeOutcome(w, http.StatusInternalServerError, codeException, "request interrupted")
	case FaultRateLimit:
		w.Header().Set("Retry-After", "1")
		writeOutcome(w, http.StatusTooManyRequests, codeThrottled, "rate limit exceeded (injected fault)")
	case FaultUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeOutcome(w, http.StatusUnauthorized, codeSecurity, "token rejected (injected fault)")
	case FaultConflict:
		s.bump(func(st *Stats) { st.Conflicts++ })
		writeOutcome(w, http.StatusPreconditionFailed, codeConflict,
			"resource was modified concurrently (injected fault)")
	default:
		writeOutcome(w, http.StatusInternalServerError, codeException, "internal error (injected fault)")
	}
	return false
}

// read serves GET [base]/{type}/{id}.
func (s *Sim) read(w http.ResponseWriter, r *http.Request, c *fhirCall) {
	s.mu.Lock()
	var v *version
	if rec := s.lookup(c.typ, c.id); rec != nil {
		// The version is taken under the lock: a concurrent update
		// appends to the same history.
		v = rec.current()
		s.counts.Reads++
		s.counts.ReadsByType[c.typ]++
	}
	s.mu.Unlock()
	if v == nil {
		writeOutcome(w, http.StatusNotFound, codeNotFound, c.typ+"/"+c.id+" is not known")
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if n, ok := parseETag(inm); ok && n == strconv.Itoa(v.n) {
			setVersionHeaders(w, v)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	writeVersion(w, r, http.StatusOK, c.typ, c.id, v, false)
}

// vread serves GET [base]/{type}/{id}/_history/{vid}.
func (s *Sim) vread(w http.ResponseWriter, r *http.Request, c *fhirCall) {
	n, err := strconv.Atoi(r.PathValue("vid"))
	s.mu.Lock()
	rec := s.lookup(c.typ, c.id)
	var v *version
	if rec != nil && err == nil && n >= 1 && n <= len(rec.versions) {
		v = rec.versions[n-1]
		s.counts.Reads++
		s.counts.ReadsByType[c.typ]++
	}
	s.mu.Unlock()
	if v == nil {
		writeOutcome(w, http.StatusNotFound, codeNotFound, "version is not known")
		return
	}
	writeVersion(w, r, http.StatusOK, c.typ, c.id, v, false)
}

// create serves POST [base]/{type}, with conditional create when the
// request carries If-None-Exist.
func (s *Sim) create(w http.ResponseWriter, r *http.Request, c *fhirCall) {
	data, ok := readResource(w, r, c.typ)
	if !ok {
		return
	}
	// The server assigns the id; FHIR says a client-sent one is ignored.
	delete(data, "id")
	if code, msg := validateResource(c.typ, data); code != "" {
		writeOutcome(w, http.StatusBadRequest, code, msg)
		return
	}
	var crit []criterion
	if ine := strings.TrimSpace(r.Header.Get("If-None-Exist")); ine != "" {
		q, err := url.ParseQuery(strings.TrimPrefix(ine, "?"))
		if err == nil {
			crit, err = parseCriteria(c.typ, q)
		}
		if err == nil && len(crit) == 0 {
			err = fmt.Errorf("If-None-Exist has no search criteria")
		}
		if err != nil {
			writeOutcome(w, http.StatusBadRequest, codeInvalid, err.Error())
			return
		}
	}

	s.mu.Lock()
	if crit != nil {
		// Matching and inserting under one lock makes the conditional
		// create atomic, so two racing creates yield one resource.
		found := s.matchAll(c.typ, crit)
		switch len(found) {
		case 0:
		case 1:
			s.counts.ConditionalCreateMatches++
			v := found[0].rec.current()
			s.mu.Unlock()
			writeVersion(w, r, http.StatusOK, c.typ, found[0].id, v, true)
			return
		default:
			s.mu.Unlock()
			writeOutcome(w, http.StatusPreconditionFailed, codeDuplicate,
				"If-None-Exist criteria match more than one resource")
			return
		}
	}
	id := newID()
	v, err := s.putVersion(c.typ, id, data)
	if err == nil {
		s.changed(c.typ, id, v)
		s.counts.Creates++
		s.counts.CreatesByType[c.typ]++
		s.received = append(s.received, v)
	}
	s.mu.Unlock()
	if err != nil {
		writeOutcome(w, http.StatusInternalServerError, codeException, "could not store the resource")
		return
	}
	writeVersion(w, r, http.StatusCreated, c.typ, id, v, true)
}

// update serves PUT [base]/{type}/{id}; with If-Match it is a version-aware
// update that fails with 412 when the resource changed since the read.
func (s *Sim) update(w http.ResponseWriter, r *http.Request, c *fhirCall) {
	data, ok := readResource(w, r, c.typ)
	if !ok {
		return
	}
	if id, _ := data["id"].(string); id != c.id {
		writeOutcome(w, http.StatusBadRequest, codeInvalid, "resource id must equal the id in the URL")
		return
	}
	if code, msg := validateResource(c.typ, data); code != "" {
		writeOutcome(w, http.StatusBadRequest, code, msg)
		return
	}
	ifMatch := strings.TrimSpace(r.Header.Get("If-Match"))
	want, wantOK := parseETag(ifMatch)
	if ifMatch != "" && !wantOK {
		writeOutcome(w, http.StatusBadRequest, codeInvalid, `If-Match must be an ETag such as W/"3"`)
		return
	}

	s.mu.Lock()
	rec := s.lookup(c.typ, c.id)
	if ifMatch != "" {
		var conflict string
		switch {
		case rec == nil:
			conflict = c.typ + "/" + c.id + " does not exist"
		case want != "*" && want != strconv.Itoa(rec.current().n):
			conflict = "version conflict: current version is " + rec.current().etag()
		}
		if conflict != "" {
			s.counts.Conflicts++
			s.mu.Unlock()
			writeOutcome(w, http.StatusPreconditionFailed, codeConflict, conflict)
			return
		}
	} else {
		s.counts.UnconditionalUpdates++
	}
	status := http.StatusOK
	if rec == nil {
		// Update-as-create with a client-chosen id, as FHIR permits.
		status = http.StatusCreated
	}
	v, err := s.putVersion(c.typ, c.id, data)
	if err == nil {
		s.changed(c.typ, c.id, v)
		s.counts.Updates++
		s.counts.UpdatesByType[c.typ]++
		s.received = append(s.received, v)
	}
	s.mu.Unlock()
	if err != nil {
		writeOutcome(w, http.StatusInternalServerError, codeException, "could not store the resource")
		return
	}
	writeVersion(w, r, status, c.typ, c.id, v, true)
}

// readResource decodes the request body as a resource of type typ; it
// answers the error itself and returns false on failure.
func readResource(w http.ResponseWriter, r *http.Request, typ string) (map[string]any, bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/fhir+json" && ct != "application/json" {
		writeOutcome(w, http.StatusUnsupportedMediaType, codeNotSupported,
			"Content-Type must be application/fhir+json")
		return nil, false
	}
	b, err := readBody(w, r)
	if err != nil {
		writeOutcome(w, http.StatusBadRequest, codeInvalid, "unreadable or oversized body")
		return nil, false
	}
	data, err := decodeObject(b)
	if err != nil {
		writeOutcome(w, http.StatusBadRequest, codeInvalid, err.Error())
		return nil, false
	}
	if rt, _ := data["resourceType"].(string); rt != typ {
		writeOutcome(w, http.StatusBadRequest, codeInvalid, "resourceType must be "+typ)
		return nil, false
	}
	return data, true
}

// writeVersion answers with a stored version and its ETag, Last-Modified
// and (for writes) Location headers. Prefer: return=minimal drops the body.
func writeVersion(w http.ResponseWriter, r *http.Request, status int, typ, id string, v *version, write bool) {
	setVersionHeaders(w, v)
	if write {
		w.Header().Set("Location", fmt.Sprintf("%s/%s/%s/_history/%d", fhirBase(r), typ, id, v.n))
	}
	w.Header().Set("Content-Type", fhirContentType)
	if write && strings.Contains(r.Header.Get("Prefer"), "return=minimal") {
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(v.body)
}

// setVersionHeaders sets the headers FHIR derives from a version.
func setVersionHeaders(w http.ResponseWriter, v *version) {
	w.Header().Set("ETag", v.etag())
	w.Header().Set("Last-Modified", v.updated.UTC().Format(http.TimeFormat))
}

// parseETag extracts the version from W/"3", "3" or 3; "*" passes through.
func parseETag(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return s, true
	}
	s = strings.TrimPrefix(s, "W/")
	s = strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
	if n, err := strconv.Atoi(s); err != nil || n < 1 {
		return "", false
	}
	return s, true
}

// fhirBase is the FHIR base URL as the request reached the simulator.
func fhirBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

// newID returns a fresh server-assigned logical id.
func newID() string {
	// 26 base32 characters: unguessable and within FHIR's 64-char limit.
	return strings.ToLower(rand.Text())
}
