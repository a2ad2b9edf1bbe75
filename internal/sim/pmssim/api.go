package pmssim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/simkit"
)

// api answers the PMS routes and the controls.
var api = simkit.Control{MaxBody: maxBody}

func itoa(n int) string { return strconv.Itoa(n) }

// routes maps the PMS API and controls.
func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /appointments", s.withFault(OpList, s.list))
	m.HandleFunc("GET /appointments/{id}", s.withFault(OpGet, s.get))
	m.HandleFunc("PUT /appointments/{id}", s.withFault(OpUpdate, s.update))
	m.HandleFunc("POST /appointments", s.withFault(OpCreate, s.create))
	s.controlRoutes(m)
	return m
}

// withFault applies an injected fault for op before h.
func (s *Sim) withFault(op string, h func(http.ResponseWriter, *http.Request, Fault)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.takeFault(op)
		if ok {
			switch f.Kind {
			case FaultServerError:
				api.Error(w, http.StatusInternalServerError, "internal error")
				return
			case FaultRateLimit:
				w.Header().Set("Retry-After", "1")
				api.Error(w, http.StatusTooManyRequests, "rate limited")
				return
			case FaultUnavailable:
				api.Error(w, http.StatusServiceUnavailable, "service unavailable")
				return
			case FaultSlow:
				if !simkit.Sleep(r.Context(), s.ctx, f.Delay) {
					return
				}
			}
		}
		h(w, r, f)
	}
}

// cursor is the keyset position of the last appointment on a page.
type cursor struct {
	at time.Time
	id string
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at.UnixNano(), 10) + ":" + c.id))
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, err
	}
	ns, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return cursor{}, errors.New("bad cursor")
	}
	return cursor{at: time.Unix(0, n).UTC(), id: id}, nil
}

// precedes reports whether the cursor position comes before a in feed order.
func (c cursor) precedes(a pms.Appointment) bool {
	return a.UpdatedAt.After(c.at) || (a.UpdatedAt.Equal(c.at) && a.AppointmentID > c.id)
}

func (s *Sim) list(w http.ResponseWriter, r *http.Request, _ Fault) {
	q := r.URL.Query()
	var since time.Time
	if v := q.Get("updatedSince"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			s.reject(w, "updatedSince must be an RFC 3339 time")
			return
		}
		since = t
	}
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.reject(w, "limit must be 1.."+itoa(maxLimit))
			return
		}
		limit = n
	}
	var after *cursor
	if v := q.Get("cursor"); v != "" {
		c, err := decodeCursor(v)
		if err != nil {
			s.reject(w, "invalid cursor")
			return
		}
		after = &c
	}
	s.mu.Lock()
	s.counts.Lists++
	all := make([]pms.Appointment, 0, len(s.appts))
	for _, rec := range s.appts {
		a := rec.cur
		if a.UpdatedAt.Before(since) || (after != nil && !after.precedes(a)) {
			continue
		}
		all = append(all, a)
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b pms.Appointment) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.AppointmentID, b.AppointmentID)
	})
	page := pms.Page{Appointments: all}
	if len(all) > limit {
		page.Appointments = all[:limit]
		lastA := all[limit-1]
		page.NextCursor = cursor{at: lastA.UpdatedAt, id: lastA.AppointmentID}.encode()
	}
	api.JSON(w, http.StatusOK, page)
}

func (s *Sim) get(w http.ResponseWriter, r *http.Request, _ Fault) {
	a, ok := s.Appointment(r.PathValue("id"))
	s.mu.Lock()
	s.counts.Reads++
	s.mu.Unlock()
	if !ok {
		api.Error(w, http.StatusNotFound, "appointment not found")
		return
	}
	w.Header().Set("ETag", itoa(a.Version))
	api.JSON(w, http.StatusOK, a)
}

// decodeAppointment reads a strict JSON appointment body and validates it.
func (s *Sim) decodeAppointment(w http.ResponseWriter, r *http.Request) (pms.Appointment, bool) {
	var a pms.Appointment
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		s.reject(w, "invalid JSON body")
		return a, false
	}
	if err := a.Validate(); err != nil {
		s.reject(w, err.Error())
		return a, false
	}
	return a, true
}

// reject answers 400 and counts it.
func (s *Sim) reject(w http.ResponseWriter, msg string) {
	s.mu.Lock()
	s.counts.Rejected++
	s.mu.Unlock()
	api.Error(w, http.StatusBadRequest, msg)
}

// parseIfMatch reads a version from If-Match: 7, "7" or W/"7".
func parseIfMatch(v string) (int, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	n, err := strconv.Atoi(strings.Trim(v, `"`))
	return n, err == nil
}

func (s *Sim) update(w http.ResponseWriter, r *http.Request, f Fault) {
	id := r.PathValue("id")
	raw := r.Header.Get("If-Match")
	if raw == "" {
		api.Error(w, http.StatusPreconditionRequired, "If-Match: <version> is required")
		return
	}
	want, ok := parseIfMatch(raw)
	if !ok {
		s.reject(w, "If-Match must be a version number")
		return
	}
	a, ok := s.decodeAppointment(w, r)
	if !ok {
		return
	}
	if a.AppointmentID != "" && a.AppointmentID != id {
		s.reject(w, "appointmentId does not match the path")
		return
	}
	a.AppointmentID = id
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.appts[id]
	if !ok {
		api.Error(w, http.StatusNotFound, "appointment not found")
		return
	}
	if want != rec.cur.Version || f.Kind == FaultStale {
		s.counts.Conflicts++
		api.JSON(w, http.StatusPreconditionFailed, map[string]any{"error": "version mismatch", "currentVersion": rec.cur.Version})
		return
	}
	s.counts.Updates++
	out := s.commit(a, pms.EventUpdated)
	w.Header().Set("ETag", itoa(out.Version))
	api.JSON(w, http.StatusOK, out)
}

func (s *Sim) create(w http.ResponseWriter, r *http.Request, _ Fault) {
	a, ok := s.decodeAppointment(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.AppointmentID == "" {
		s.seq++
		a.AppointmentID = "appt-" + itoa(s.seq)
	}
	if _, dup := s.appts[a.AppointmentID]; dup {
		api.Error(w, http.StatusConflict, "appointment already exists")
		return
	}
	a.Version = 0
	s.counts.Creates++
	out := s.commit(a, pms.EventCreated)
	w.Header().Set("ETag", itoa(out.Version))
	w.Header().Set("Location", "/appointments/"+out.AppointmentID)
	api.JSON(w, http.StatusCreated, out)
}
