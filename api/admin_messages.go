package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
)

// Kept inbound messages are the audit records of this action; their Payload is the message.
const inboundAction = "mllp.inbound"

// reprocessPeer prefixes the peer of a re-driven message, so its new records' Actor is
// "mllp:reprocess:<original id>": the link back to the record it came from.
const reprocessPeer = "reprocess:"

// Bounds of GET /v1/admin/messages.
const (
	defaultMessageLimit = 100
	maxMessageLimit     = 1000
	// maxMessageScan bounds the records one listing reads while filtering by outcome.
	maxMessageScan = 20 * audit.DefaultLimit
)

// adminRoutes are the operators' routes; they append their own audit records, since a
// reprocess answers with the ID of its record.
func (s *server) adminRoutes() []routeEntry {
	return []routeEntry{
		{Route{http.MethodPost, "/v1/admin/hl7-batches", AuthBearer, "admin", ""}, s.postHL7Batch},
		{Route{http.MethodGet, "/v1/admin/messages", AuthBearer, "admin", ""}, s.listMessages},
		{Route{http.MethodPost, "/v1/admin/messages/{id}/reprocess", AuthBearer, "admin", ""}, s.reprocessMessage},
	}
}

// MessageView is one kept inbound message as GET /v1/admin/messages lists it: identifiers and
// codes only, never the message or anything taken from its content but MSH-10 or the vendor's
// event id.
type MessageView struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// Action is the audit action, "mllp.inbound" or a webhook's ("webhook.stripe", ...);
	// Channel is "mllp" or "webhook".
	Action  string `json:"action"`
	Channel string `json:"channel"`
	// Source is the record's actor: "mllp:<peer>", "mllp:admin:<token>", "webhook:<vendor>",
	// with ":reprocess:<id>" when it came from a reprocess.
	Source string `json:"source"`
	// Outcome is "accepted", "rejected" or "error" (not stored, the sender was asked to resend).
	Outcome string `json:"outcome"`
	// Code is the ACK code answered (AA, AE, AR), or a webhook's HTTP status.
	Code string `json:"code,omitempty"`
	// Exchange is the message control ID (MSH-10), or the vendor's event or message id.
	Exchange string `json:"exchange,omitempty"`
	// Process is the workflow the message reached or was refused for.
	Process string `json:"process,omitempty"`
	// HasPayload says whether the message itself is kept (encrypted) and can be reprocessed.
	HasPayload bool `json:"hasPayload"`
	// ReprocessOf is the original record's id when this record came from a reprocess.
	ReprocessOf int64 `json:"reprocessOf,omitempty"`
}

// MessageList is the answer of GET /v1/admin/messages.
type MessageList struct {
	Messages []MessageView `json:"messages"`
	// Next is the after= cursor for the following page; absent on the last page.
	Next int64 `json:"next,omitempty"`
}

// ReprocessResult is the answer of POST /v1/admin/messages/{id}/reprocess.
type ReprocessResult struct {
	// Original is the id of the record whose message was re-driven.
	Original int64 `json:"original"`
	// Ack is the acknowledgment code (MSA-1) of the message, or of its first message for a batch.
	Ack string `json:"ack"`
	// Acks are every MSA-1 of the acknowledgment (one per message of a batch).
	Acks []string `json:"acks"`
	// Status is the HTTP status the webhook route answered a re-driven delivery (webhooks only).
	Status int `json:"status,omitempty"`
	// Reason is the acknowledgment's text when it is not AA, or the problem's detail when a
	// re-driven webhook was refused.
	Reason string `json:"reason,omitempty"`
	// Records are the new inbound audit records the reprocess wrote (their source names the original).
	Records []int64 `json:"records"`
	// Audit is the id of the admin.reprocess record.
	Audit int64 `json:"audit"`
	// Duplicate is true when a lab order reported the MSH-10 as already stored: nothing was filed twice.
	Duplicate bool `json:"duplicate,omitempty"`
}

// listMessages lists kept inbound messages, metadata only.
func (s *server) listMessages(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	q := r.URL.Query()
	var bad []InvalidParam
	outcome := ""
	switch v := q.Get("outcome"); v {
	case "":
	case "accepted":
		outcome = audit.OutcomeOK
	case "rejected", "error":
		outcome = v
	default:
		bad = append(bad, InvalidParam{Name: "outcome", Reason: "must be accepted, rejected or error"})
	}
	actions := append([]string{inboundAction}, s.webhookActions()...)
	switch q.Get("channel") {
	case "":
	case "mllp":
		actions = actions[:1]
	case "webhook":
		actions = actions[1:]
	default:
		bad = append(bad, InvalidParam{Name: "channel", Reason: "must be mllp or webhook"})
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			bad = append(bad, InvalidParam{Name: "since", Reason: "must be an RFC 3339 time"})
		}
		since = t
	}
	limit := defaultMessageLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMessageLimit {
			bad = append(bad, InvalidParam{Name: "limit", Reason: "must be an integer from 1 to 1000"})
		}
		limit = n
	}
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			bad = append(bad, InvalidParam{Name: "after", Reason: "must be a record id"})
		}
		after = n
	}
	if len(bad) > 0 {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "invalid query parameters", InvalidParams: bad})
		return
	}
	if s.d.Records == nil {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "no audit store is configured"})
		return
	}
	out := MessageList{Messages: []MessageView{}}
	for scanned := 0; scanned < maxMessageScan; {
		page, err := s.d.Records.List(r.Context(), audit.Filter{Actions: actions, Since: since, AfterID: after, Limit: audit.DefaultLimit})
		if err != nil {
			s.log.Warn("admin: listing messages failed")
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the audit store could not be read"})
			return
		}
		for _, rec := range page {
			after = rec.ID
			if outcome != "" && rec.Outcome != outcome {
				continue
			}
			out.Messages = append(out.Messages, messageView(rec))
			if len(out.Messages) == limit {
				out.Next = rec.ID
				writeJSON(w, http.StatusOK, out)
				return
			}
		}
		scanned += len(page)
		if len(page) < audit.DefaultLimit {
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	// Scan bound reached: the caller continues from where it stopped.
	out.Next = after
	writeJSON(w, http.StatusOK, out)
}

func messageView(r audit.Record) MessageView {
	channel := "mllp"
	if strings.HasPrefix(r.Action, webhookActionPrefix) {
		channel = "webhook"
	}
	v := MessageView{ID: r.ID, At: r.At, Action: r.Action, Channel: channel, Source: r.Actor, Outcome: r.Outcome,
		Code: r.Code, Exchange: r.Exchange, Process: r.Process, HasPayload: r.HasPayload}
	if v.Outcome == audit.OutcomeOK {
		v.Outcome = "accepted"
	}
	if _, id, ok := strings.Cut(r.Actor, ":"+reprocessPeer); ok {
		v.ReprocessOf, _ = strconv.ParseInt(id, 10, 64)
	}
	return v
}

// reprocessMessage re-drives one kept inbound message through the MLLP inbound path.
func (s *server) reprocessMessage(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: "no kept inbound message has this id"})
		return
	}
	if s.d.Records == nil {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "no audit store is configured"})
		return
	}
	ctx := r.Context()
	found, err := s.d.Records.List(ctx, audit.Filter{AfterID: id - 1, Limit: 1})
	if err != nil {
		s.log.Warn("admin: reading the audit trail failed")
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the audit store could not be read"})
		return
	}
	webhook := len(found) > 0 && strings.HasPrefix(found[0].Action, webhookActionPrefix)
	if len(found) == 0 || found[0].ID != id || (found[0].Action != inboundAction && !webhook) {
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: "no kept inbound message has this id"})
		return
	}
	orig := found[0]
	noMessage := Problem{Status: http.StatusConflict, Detail: "this record was written without its message " +
		"(it was not stored and the sender was asked to resend it), so there is nothing to reprocess"}
	if !orig.HasPayload {
		s.problem(w, r, noMessage)
		return
	}
	msg, err := s.d.Records.Payload(ctx, id)
	switch {
	case errors.Is(err, audit.ErrNotFound):
		s.problem(w, r, noMessage)
		return
	case err != nil:
		s.log.Warn("admin: a kept message could not be opened", "record", id)
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the kept message could not be opened (check AUDIT_PAYLOAD_KEYS)"})
		return
	}

	if webhook {
		s.reprocessWebhook(w, r, orig, msg)
		return
	}
	start := time.Now()
	capture := &capturingStore{Store: s.d.Records}
	d := s.d
	d.Records = capture
	// The answer names the records the reprocess wrote, so they are written before it.
	d.Deferred = nil
	note := &reprocessNote{}
	ack := newInbound(d).HandleMLLP(context.WithValue(ctx, reprocessKey{}, note), msg, reprocessPeer+strconv.FormatInt(id, 10))

	res := ReprocessResult{Original: id, Acks: []string{}, Records: capture.inbound(), Duplicate: note.duplicate}
	rec := audit.Record{Actor: Actor(ctx), Action: "admin.reprocess", Vendor: "lis", Exchange: strconv.FormatInt(id, 10),
		Process: orig.Process, Outcome: audit.OutcomeError}
	if ack != nil {
		res.Acks, res.Reason = ackSummary(ack)
		if len(res.Acks) > 0 {
			res.Ack = res.Acks[0]
		}
		rec.Code, rec.Outcome = res.Ack, audit.OutcomeRejected
		if allAccepted(res.Acks) {
			rec.Outcome = audit.OutcomeOK
		}
	}
	rec.Latency = time.Since(start)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	kept, err := s.d.Records.Append(actx, rec)
	if err != nil {
		s.log.Warn("audit append failed", "action", rec.Action)
	}
	res.Audit = kept.ID
	if ack == nil {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable,
			Detail: "the message could not be stored now (Temporal or the audit store is unavailable); try again"})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// ackSummary returns every MSA-1 of an acknowledgment (a batch has one per message) and the
// first refusal's text.
func ackSummary(ack []byte) (codes []string, reason string) {
	codes = []string{}
	if dec, err := hl7.DecodeCharset(ack); err == nil {
		ack = dec.Message
	}
	ack = bytes.ReplaceAll(ack, []byte("\r\n"), []byte("\r"))
	var seg [][]byte
	for _, line := range bytes.Split(ack, []byte("\r")) {
		if bytes.HasPrefix(line, []byte("MSH")) && len(seg) > 0 {
			codes, reason = addACK(codes, reason, seg)
			seg = nil
		}
		if bytes.HasPrefix(line, []byte("MSH")) || seg != nil {
			seg = append(seg, line)
		}
	}
	if len(seg) > 0 {
		codes, reason = addACK(codes, reason, seg)
	}
	return codes, reason
}

func addACK(codes []string, reason string, seg [][]byte) ([]string, string) {
	m, err := hl7.Parse(append(bytes.Join(seg, []byte("\r")), '\r'))
	if err != nil {
		return codes, reason
	}
	a, err := hl7.ParseACK(m)
	if err != nil {
		return codes, reason
	}
	if reason == "" && !a.Accepted() {
		reason = a.Reason()
	}
	return append(codes, a.Code), reason
}

func allAccepted(codes []string) bool {
	for _, c := range codes {
		if c != hl7.AckAccept && c != hl7.CommitAccept {
			return false
		}
	}
	return len(codes) > 0
}

// capturingStore passes records through and remembers the ids of the inbound ones appended.
type capturingStore struct {
	audit.Store
	mu  sync.Mutex
	ids []int64
}

func (c *capturingStore) Append(ctx context.Context, r audit.Record) (audit.Record, error) {
	out, err := c.Store.Append(ctx, r)
	if err == nil && out.Action == inboundAction {
		c.mu.Lock()
		c.ids = append(c.ids, out.ID)
		c.mu.Unlock()
	}
	return out, err
}

func (c *capturingStore) inbound() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64{}, c.ids...)
}

// reprocessNote collects what the lab ingest tells a reprocess beyond the ACK.
type reprocessNote struct {
	mu        sync.Mutex
	duplicate bool
}

type reprocessKey struct{}

// noteDuplicate records, for a reprocess, that an order already had this message.
func noteDuplicate(ctx context.Context) {
	if n, ok := ctx.Value(reprocessKey{}).(*reprocessNote); ok {
		n.mu.Lock()
		n.duplicate = true
		n.mu.Unlock()
	}
}
