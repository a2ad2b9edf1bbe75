package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/careflow/engine/internal/audit"
)

// auditEntry collects one audit record while a request is handled. The guard opens it and
// appends it; handlers fill in what they learn (process, exchange, outcome).
type auditEntry struct {
	s     *server
	r     *http.Request
	start time.Time
	rec   audit.Record
	// appended is the record's ID once finish stored it.
	appended int64
}

// newAudit starts an audit record for action by actor.
func (s *server) newAudit(r *http.Request, actor, action string) *auditEntry {
	return &auditEntry{s: s, r: r, start: time.Now(), rec: audit.Record{Actor: actor, Action: action}}
}

// webhook marks the entry as a vendor's callback: the vendor is the actor.
func (a *auditEntry) webhook(vendor string) {
	a.rec.Actor, a.rec.Vendor = "webhook:"+vendor, vendor
}

// finish appends the record with the answer's status; the outcome follows from the status
// unless the handler set one (a webhook acknowledged with 200 but ignored). A failing store is
// logged and never changes the answer: the request's effect in Temporal has already happened.
func (a *auditEntry) finish(status int) {
	if a.s.d.Records == nil || a.rec.Action == "" {
		return
	}
	if a.rec.Outcome == "" {
		a.rec.Outcome = outcomeFor(status)
	}
	a.rec.Code = strconv.Itoa(status)
	a.rec.Latency = time.Since(a.start)
	// The client may already be gone; the record is still owed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(a.r.Context()), auditTimeout)
	defer cancel()
	got, err := a.s.d.Records.Append(ctx, a.rec)
	if err == nil {
		a.appended = got.ID
	}
	if err != nil {
		a.s.log.Error("audit append failed", "request_id", infoFrom(a.r.Context()).id,
			"action", a.rec.Action, "process", a.rec.Process, "error", err.Error())
	}
}

// outcomeFor maps an HTTP status to an audit outcome.
func outcomeFor(status int) string {
	switch {
	case status < 400:
		return audit.OutcomeOK
	case status < 500:
		return audit.OutcomeRejected
	default:
		return audit.OutcomeError
	}
}
