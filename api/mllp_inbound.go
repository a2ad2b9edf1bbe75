package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/transport/mllp"
)

// HL7InboundOptions configure the trust and metrics of inbound HL7 (MLLP and batch files).
type HL7InboundOptions struct {
	// AllowedSenders is MLLP_ALLOWED_SENDERS: "APP^FACILITY" entries matched against MSH-3 and
	// MSH-4 (an empty or "*" part matches any); empty allows every sender.
	AllowedSenders []string
	// Refused counts a refused message by reason; nil skips counting.
	Refused func(reason string)
	// Warned counts leniency applied to a message (charset fallback, batch counts); nil skips.
	Warned func(kind string)
}

// Reasons passed to HL7InboundOptions.Refused.
const (
	RefusedSender  = "sender_not_allowed"
	RefusedCharset = "charset"
	RefusedKey     = "routing_key"
	RefusedBatch   = "batch_malformed"
	// RefusedIngestReject and RefusedIngestError count the ingest handler's own AR and AE
	// (unreadable or unsupported messages, unknown orders).
	RefusedIngestReject = "ingest_reject"
	RefusedIngestError  = "ingest_error"
)

var errNoStore = errors.New("api: no audit store")

// maxBatchFileBytes bounds POST /v1/admin/hl7-batches bodies.
const maxBatchFileBytes = 32 << 20

// MLLPInboundHandler wraps MLLPHandler with what every inbound message goes through first: it
// decodes the MSH-18 character set into UTF-8 (and encodes the ACK back into the sender's set),
// refuses senders outside HL7InboundOptions.AllowedSenders and messages whose routing fields
// (MSH-9/10/12, placer/filler numbers, PID-3) are missing or ambiguous with AR/AE naming the
// segment and field, and splits batches (FHS/BHS...BTS/FTS) into messages handled one by one,
// answered with a batch acknowledgment. A refused message is kept in the audit trail first; if
// it cannot be kept, no ACK is sent so the sender resends.
func MLLPInboundHandler(d Deps) mllp.Handler {
	return newInbound(d)
}

// WrapMLLPInbound puts the inbound checks of MLLPInboundHandler in front of another handler
// that takes single UTF-8 messages (tests, or an ingest handler other than MLLPHandler).
func WrapMLLPInbound(inner mllp.Handler, d Deps) mllp.Handler {
	h := newInbound(d)
	h.inner = inner
	return h
}

type inbound struct {
	s     *server
	inner mllp.Handler
	opts  HL7InboundOptions
}

func newInbound(d Deps) *inbound {
	s := &server{d: d, log: d.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return &inbound{s: s, inner: MLLPHandler(d), opts: d.HL7Inbound}
}

// HandleMLLP decodes, checks and dispatches one MLLP frame.
func (h *inbound) HandleMLLP(ctx context.Context, raw []byte, peer string) []byte {
	dec, err := hl7.DecodeCharset(raw)
	if err != nil {
		hdr, _ := hl7.ParseHeader(raw)
		h.count(RefusedCharset)
		return h.refuse(ctx, raw, peer, hdr, &hl7.KeyError{Code: hl7.AckReject, ErrCode: hl7.ErrCodeTableValueNotFound,
			Location: hl7.ErrorLocation{Segment: "MSH", Sequence: 1, Field: 18}, Reason: "MSH-18 names a character set that is not supported"})
	}
	h.warnCharset(ctx, dec, peer)
	if hl7.IsBatch(dec.Message) {
		out, _ := h.batch(ctx, dec.Message, peer)
		if out == nil {
			return nil
		}
		return h.encode(out, dec.Charset, false)
	}
	ack := h.one(ctx, dec.Message, raw, peer)
	if ack == nil {
		return nil
	}
	return h.encode(ack, dec.Charset, true)
}

// one handles a single UTF-8 message; kept is what the audit trail keeps when it is refused.
func (h *inbound) one(ctx context.Context, msg, kept []byte, peer string) []byte {
	hdr, err := hl7.ParseHeader(msg)
	if err != nil {
		// Unreadable: the inner handler answers AR and keeps it.
		return h.ingest(ctx, msg, peer)
	}
	head := hdr.Header()
	if !h.allowed(head.SendingApplication, head.SendingFacility) {
		h.count(RefusedSender)
		field := 4
		if !h.allowed(head.SendingApplication, "") {
			field = 3
		}
		return h.refuse(ctx, kept, peer, hdr, &hl7.KeyError{Code: hl7.AckReject, ErrCode: hl7.ErrCodeUnknownKey,
			Location: hl7.ErrorLocation{Segment: "MSH", Sequence: 1, Field: field},
			Reason:   "the sending application or facility (MSH-3/MSH-4) is not allowed to send here"})
	}
	if m, err := hl7.Parse(msg); err == nil {
		if ke := hl7.CheckKeys(m); ke != nil {
			h.count(RefusedKey)
			return h.refuse(ctx, kept, peer, m, ke)
		}
		if u, err := hl7.ParseORU(m); err == nil {
			h.recordLeniency(ctx, u, peer)
			var ok bool
			if ctx, ok = h.storeDocuments(ctx, u, peer); !ok {
				return nil
			}
		}
	}
	return h.ingest(ctx, msg, peer)
}

// ingest hands a checked message to the inner handler and counts its refusals by ACK code.
func (h *inbound) ingest(ctx context.Context, msg []byte, peer string) []byte {
	ack := h.inner.HandleMLLP(ctx, msg, peer)
	switch ackCode(ack) {
	case hl7.AckReject, hl7.CommitReject:
		h.count(RefusedIngestReject)
	case hl7.AckError, hl7.CommitError:
		h.count(RefusedIngestError)
	}
	return ack
}

// recordLeniency writes the value-level leniencies of a result (an OBX-5 kept as text, a
// comparator read from an NM, ...) to the audit trail: where and why, never the values.
func (h *inbound) recordLeniency(ctx context.Context, u hl7.ORU, peer string) {
	warns := u.Warnings()
	if len(warns) == 0 {
		return
	}
	texts := make([]string, len(warns))
	for i, w := range warns {
		texts[i] = w.String()
	}
	h.warn("value")
	h.s.log.Info("mllp: result read leniently", "peer", peer, "warnings", len(warns))
	h.s.appendAudit(ctx, audit.Record{Actor: "mllp:" + peer, Action: "mllp.leniency", Vendor: "lis",
		Exchange: u.Header.ControlID, Outcome: audit.OutcomeOK, Code: strings.Join(texts, "; ")})
}

// batchOutcome is one message's answer inside a batch.
type batchOutcome struct {
	ack  []byte
	code string
}

// batch handles every message of a batch; it returns the batch acknowledgment, or nil when a
// message was not stored (then nothing is acknowledged and the sender resends the batch, whose
// stored messages are deduplicated by MSH-10).
func (h *inbound) batch(ctx context.Context, data []byte, peer string) ([]byte, []batchOutcome) {
	b, err := hl7.SplitBatch(data)
	if err != nil {
		h.count(RefusedBatch)
		hdr, _ := hl7.ParseHeader(data)
		ke := &hl7.KeyError{Code: hl7.AckReject, ErrCode: hl7.ErrCodeSegmentSequence, Reason: "the batch is malformed"}
		return h.refuse(ctx, data, peer, hdr, ke), nil
	}
	if len(b.CountProblems) > 0 {
		h.s.log.Warn("mllp: batch trailer counts do not match what arrived", "peer", peer, "problems", strings.Join(b.CountProblems, "; "))
		h.warn("batch_count")
		h.s.appendAudit(ctx, audit.Record{Actor: "mllp:" + peer, Action: "mllp.batch", Vendor: "lis",
			Outcome: audit.OutcomeRejected, Code: "count_mismatch", Payload: data})
	}
	outcomes := make([]batchOutcome, 0, len(b.Messages))
	acks := make([][]byte, 0, len(b.Messages))
	for _, m := range b.Messages {
		ack := h.one(ctx, m, m, peer)
		if ack == nil {
			return nil, outcomes
		}
		code, ackMode := ackCode(ack), ""
		if hdr, err := hl7.ParseHeader(m); err == nil {
			ackMode = hdr.Get("MSH-16")
		}
		outcomes = append(outcomes, batchOutcome{ack: ack, code: code})
		// MSH-16 asks for application ACKs never (NE) or only on error (ER).
		if ackMode == "NE" || (ackMode == "ER" && code == hl7.AckAccept) {
			continue
		}
		acks = append(acks, ack)
	}
	return hl7.BuildBatchACK(b, acks, time.Now(), ackControlID()), outcomes
}

// refuse keeps msg in the audit trail and answers ke; without a kept copy it answers nothing.
func (h *inbound) refuse(ctx context.Context, msg []byte, peer string, orig *hl7.Message, ke *hl7.KeyError) []byte {
	rec := audit.Record{Actor: "mllp:" + peer, Action: "mllp.inbound", Vendor: "lis", Outcome: audit.OutcomeRejected,
		Code: ke.Code, Payload: msg}
	if orig != nil {
		rec.Exchange = orig.Header().ControlID
	}
	if h.s.d.Records == nil {
		h.s.log.Warn("mllp: no audit store to keep a refused message; no ACK sent")
		return nil
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := h.s.d.Records.Append(actx, rec); err != nil {
		// A NAK is never sent for a message we did not keep: the sender resends.
		h.s.log.Warn("mllp: refused message could not be kept; no ACK sent", "peer", peer)
		return nil
	}
	h.s.log.Info("mllp: message refused", "peer", peer, "code", ke.Code, "segment", ke.Location.Segment, "field", ke.Location.Field)
	m, err := hl7.BuildACKAt(orig, ke.Code, ke.ErrCode, ke.Reason, time.Now(), ackControlID(), ke.Location)
	if err != nil {
		return nil
	}
	out, err := m.Encode()
	if err != nil {
		return nil
	}
	return out
}

// encode writes the UTF-8 acknowledgment in the sender's character set, naming it in MSH-18.
func (h *inbound) encode(ack []byte, cs hl7.Charset, single bool) []byte {
	if cs.Name == "" {
		return ack
	}
	if single {
		if m, err := hl7.Parse(ack); err == nil && m.Set("MSH-18", cs.Name) == nil {
			if b, err := m.Encode(); err == nil {
				ack = b
			}
		}
	}
	out, err := cs.Encode(ack)
	if err != nil {
		return ack
	}
	return out
}

func (h *inbound) warnCharset(ctx context.Context, dec hl7.Decoded, peer string) {
	for _, w := range dec.Warnings {
		h.s.log.Warn("mllp: character set leniency applied", "peer", peer, "warning", w)
		h.warn("charset")
		h.s.appendAudit(ctx, audit.Record{Actor: "mllp:" + peer, Action: "mllp.charset", Vendor: "lis",
			Outcome: audit.OutcomeOK, Code: "warning:" + w})
	}
}

// allowed matches MSH-3/MSH-4 against the allowlist; fac "" asks about the application alone.
func (h *inbound) allowed(app, fac string) bool {
	if len(h.opts.AllowedSenders) == 0 {
		return true
	}
	for _, e := range h.opts.AllowedSenders {
		a, f, _ := strings.Cut(e, "^")
		if (a == "" || a == "*" || strings.EqualFold(a, app)) && (fac == "" || f == "" || f == "*" || strings.EqualFold(f, fac)) {
			return true
		}
	}
	return false
}

func (h *inbound) count(reason string) {
	if h.opts.Refused != nil {
		h.opts.Refused(reason)
	}
}

func (h *inbound) warn(kind string) {
	if h.opts.Warned != nil {
		h.opts.Warned(kind)
	}
}

func ackControlID() string { return "ACK" + strconv.FormatInt(time.Now().UnixNano(), 36) }

// ackCode returns MSA-1 of an acknowledgment, "" when unreadable.
func ackCode(ack []byte) string {
	if ack == nil {
		return ""
	}
	m, err := hl7.Parse(ack)
	if err != nil {
		return ""
	}
	a, err := hl7.ParseACK(m)
	if err != nil {
		return ""
	}
	return a.Code
}

// HL7BatchResult is the answer of POST /v1/admin/hl7-batches.
type HL7BatchResult struct {
	// Messages counts the messages found in the file.
	Messages int `json:"messages"`
	// Results are each message's acknowledgment, in file order.
	Results []HL7BatchMessageResult `json:"results"`
	// CountProblems are BTS/FTS count mismatches (the messages were still handled).
	CountProblems []string `json:"countProblems,omitempty"`
	// Complete is false when a message could not be stored: resubmit the file (stored
	// messages are recognized by MSH-10).
	Complete bool `json:"complete"`
	// Warnings are character set leniencies applied to the file.
	Warnings []string `json:"warnings,omitempty"`
}

// HL7BatchMessageResult is one message's outcome in a batch file.
type HL7BatchMessageResult struct {
	Index     int    `json:"index"`
	ControlID string `json:"controlId,omitempty"`
	Ack       string `json:"ack"`
	Reason    string `json:"reason,omitempty"`
}

// postHL7Batch handles a batch file: each message as if it had arrived over MLLP.
func (s *server) postHL7Batch(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBatchFileBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the batch file is larger than 32 MiB"})
			return
		}
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the batch file could not be read"})
		return
	}
	h := newInbound(s.d)
	dec, err := hl7.DecodeCharset(body)
	if err != nil {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "MSH-18 names a character set that is not supported",
			InvalidParams: []InvalidParam{{Name: "MSH-18", Reason: "unsupported character set"}}})
		return
	}
	b, err := hl7.SplitBatch(dec.Message)
	if err != nil {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the body is not an HL7 batch file: " + err.Error()})
		return
	}
	peer := "admin:" + Actor(r.Context())
	h.warnCharset(r.Context(), dec, peer)
	_, outcomes := h.batch(r.Context(), dec.Message, peer)
	res := HL7BatchResult{Messages: len(b.Messages), Results: []HL7BatchMessageResult{}, CountProblems: b.CountProblems,
		Complete: len(outcomes) == len(b.Messages), Warnings: dec.Warnings}
	for i, m := range b.Messages {
		item := HL7BatchMessageResult{Index: i}
		if hdr, err := hl7.ParseHeader(m); err == nil {
			item.ControlID = hdr.Header().ControlID
		}
		if i < len(outcomes) {
			item.Ack = outcomes[i].code
			if am, err := hl7.Parse(outcomes[i].ack); err == nil {
				if a, err := hl7.ParseACK(am); err == nil && !a.Accepted() {
					item.Reason = a.Reason()
				}
			}
		}
		res.Results = append(res.Results, item)
	}
	status := http.StatusOK
	if !res.Complete {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, res)
}
