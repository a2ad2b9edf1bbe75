package api

import "time"

// HTTP server timeouts for the API listener (internal/stack applies them). A slow or stalled
// client must not hold a connection and its goroutine forever.
const (
	// ReadHeaderTimeout bounds reading the request line and headers (slowloris).
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request; bodies are capped at maxBody.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds a whole exchange from the end of the headers: it outlasts the
	// longest handler (an update's updateTimeout, the fallback query and the audit write), so a
	// handler's own answer, never a cut connection, is what a waiting client gets.
	WriteTimeout = updateTimeout + queryTimeout + auditTimeout + 15*time.Second
	// IdleTimeout closes keep-alive connections nobody uses.
	IdleTimeout = 2 * time.Minute
)
