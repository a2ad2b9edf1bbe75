package api

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

// reqInfo is per-request data shared between the outer middleware and the handlers. It is a
// pointer in the context so handlers deeper down (after r.WithContext copies) can fill it in.
type reqInfo struct {
	id      string
	actor   string
	pattern string
	// problem is the type of the problem the handler answered, if any.
	problem string
}

type ctxKey struct{}

// infoFrom returns the request's info; requests that did not pass New's middleware get a blank
// one so handlers never need nil checks.
func infoFrom(ctx context.Context) *reqInfo {
	if in, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return in
	}
	return &reqInfo{}
}

// RequestID returns the request ID New assigned to the request carrying ctx, or "".
func RequestID(ctx context.Context) string { return infoFrom(ctx).id }

// Actor returns the authenticated token name of the request carrying ctx, or "".
func Actor(ctx context.Context) string { return infoFrom(ctx).actor }

// requestIDPattern bounds client-chosen request IDs: they end up in logs and headers.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// newID returns 128 random bits formatted as a version 4 UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// statusWriter remembers the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// outer assigns the request ID, sets common headers, recovers panics and logs one line per
// request: method, route pattern, status, duration, request ID and token name. It never logs
// bodies, paths with IDs or query strings.
func (s *server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		in := &reqInfo{id: r.Header.Get("X-Request-Id")}
		if !requestIDPattern.MatchString(in.id) {
			in.id = newID()
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, in))
		w.Header().Set("X-Request-Id", in.id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("http handler panic", "request_id", in.id, "route", in.pattern, "panic", fmt.Sprint(v))
				if sw.status == 0 {
					s.problem(sw, r, Problem{Status: http.StatusInternalServerError, Detail: "internal error"})
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			s.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("route", in.pattern),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", in.id),
				slog.String("token", in.actor))
		}()
		next.ServeHTTP(sw, r)
	})
}
