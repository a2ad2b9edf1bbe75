package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workflows/laborders"
)

// MLLPHandler turns inbound HL7 v2 messages into lab-order results. It answers AA only after
// every order the message names has accepted its part (the result update: the message is then
// in the workflow's history and passed the patient check), AR for a message it cannot read or
// does not take, AE for a result whose order it does not know or whose patient does not match,
// and no ACK at all when Temporal cannot be reached, so the sender resends. Every message, taken
// or not, is kept encrypted in the audit trail: a refused one before its AE/AR, an accepted one
// (already durable in the workflow's history) right after its AA, through Deps.Deferred.
func MLLPHandler(d Deps) mllp.Handler {
	s := &server{d: d, log: d.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return mllp.HandlerFunc(s.handleMLLP)
}

// handleMLLP takes one UTF-8 HL7 message and answers its ACK. Each ORC/OBR group goes to the
// order its placer number names (groups for the same order travel together); the answer is AA
// only when every order stored its part, AE naming the first order that is unknown or whose
// patient (PID-3) does not match. Every message is kept encrypted in the audit trail, linked to
// the orders it reached, so it can be reprocessed later.
func (s *server) handleMLLP(ctx context.Context, raw []byte, peer string) []byte {
	start := time.Now()
	rec := audit.Record{Actor: "mllp:" + peer, Action: "mllp.inbound", Vendor: "lis"}
	ack := func(code, errCode, text string, orig *hl7.Message, keep bool) []byte {
		rec.Code, rec.Latency = code, time.Since(start)
		rec.Outcome = map[string]string{hl7.AckAccept: audit.OutcomeOK}[code]
		if rec.Outcome == "" {
			rec.Outcome = audit.OutcomeRejected
		}
		if keep {
			rec.Payload = raw
		}
		if code == hl7.AckAccept {
			// The message is in the workflow's history already: its kept copy is written after
			// the AA, so the ACK does not wait for the audit store's commit, and as a background
			// append it shares a commit with the copies of the messages around it.
			r := rec
			s.d.Deferred.Go(func() { s.appendAudit(audit.Background(ctx), r) })
		} else if err := s.appendAuditErr(ctx, rec); err != nil {
			// A refusal is only sent for a message we kept: without the record the sender
			// must resend it. An AA stands, the message being in the workflow's history.
			return nil
		}
		// orig is nil when not even the MSH could be read: BuildACK then answers with default
		// delimiters and an empty MSA-2.
		m, err := hl7.BuildACK(orig, code, errCode, text, time.Now(), "ACK"+strconv.FormatInt(time.Now().UnixNano(), 36))
		if err != nil {
			return nil
		}
		out, err := m.Encode()
		if err != nil {
			return nil
		}
		return out
	}
	msg, err := hl7.Parse(raw)
	if err != nil {
		hdr, _ := hl7.ParseHeader(raw)
		return ack("AR", "100", "the message could not be parsed as HL7 v2", hdr, true)
	}
	oru, err := hl7.ParseORU(msg)
	if err != nil || oru.Header.MessageType != "ORU" {
		return ack("AR", "200", "only ORU^R01 result messages are accepted here", msg, true)
	}
	rec.Exchange = oru.Header.ControlID
	placers := splitByPlacer(ctx, oru)
	for _, p := range placers {
		if laborders.ValidatePlacerOrderNumber(p.placer) != nil {
			return ack("AE", "101", "the placer order number (ORC-2/OBR-2) is missing or invalid", msg, true)
		}
	}
	stored := make([]string, 0, len(placers))
	for _, p := range placers {
		wid := laborders.WorkflowID(p.placer)
		rec.Process = wid
		outcome := s.storeResult(ctx, wid, p.signal)
		switch outcome {
		case storeUnknown:
			// Placer numbers are opaque order ids, not PHI: the AE names the group it refuses.
			s.keepLinked(ctx, rec, raw, stored)
			return ack("AE", "204", "unknown order "+p.placer, msg, true)
		case storeMismatch:
			s.keepLinked(ctx, rec, raw, stored)
			return ack("AE", "204", "the patient (PID-3) does not match order "+p.placer+"; nothing was filed for it", msg, true)
		case storeUnavailable:
			// Not stored: no ACK, so the sender keeps the message and resends it; the parts
			// already stored are deduplicated by MSH-10 when it does.
			rec.Outcome, rec.Latency = audit.OutcomeError, time.Since(start)
			s.appendAudit(ctx, rec)
			return nil
		}
		stored = append(stored, wid)
	}
	// Accepted messages are kept too (encrypted), one record per order they reached.
	rec.Process = stored[len(stored)-1]
	linked := stored[:len(stored)-1]
	if len(linked) > 0 {
		r := rec // ack below goes on changing rec
		s.d.Deferred.Go(func() { s.keepLinked(audit.Background(ctx), r, raw, linked) })
	}
	return ack(hl7.AckAccept, "", "", msg, true)
}

// keepLinked writes the accepted message once more for each other order it reached.
func (s *server) keepLinked(ctx context.Context, rec audit.Record, raw []byte, wids []string) {
	for _, wid := range wids {
		r := rec
		r.Process, r.Code, r.Outcome, r.Payload = wid, hl7.AckAccept, audit.OutcomeOK, raw
		s.appendAudit(ctx, r)
	}
}

type storeOutcome int

const (
	storeOK storeOutcome = iota
	storeUnknown
	storeMismatch
	storeUnavailable
)

// storeResult hands one order's part of a message to its workflow through the result update:
// accepted means it is in the workflow's history and passed the patient check. A worker that
// predates the update (it rejects the unknown name) gets the signal instead.
func (s *server) storeResult(ctx context.Context, wid string, sig laborders.ResultSignal) storeOutcome {
	sctx, cancel := context.WithTimeout(ctx, signalTimeout)
	defer cancel()
	opts := client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: laborders.ResultUpdateName, Args: []any{sig},
		WaitForStage: client.WorkflowUpdateStageCompleted}
	// No fixed update id: a resend is a new update, and the workflow counts it as a duplicate
	// by MSH-10 (Temporal would otherwise answer it without the workflow seeing it).
	h, err := s.d.Temporal.UpdateWorkflow(sctx, opts)
	if err == nil {
		var res laborders.ResultAccepted
		if err = h.Get(sctx, &res); err == nil && res.Duplicate {
			noteDuplicate(ctx)
		}
	}
	var nf *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		return storeOK
	case errors.As(err, &nf):
		return storeUnknown
	case errors.As(err, &appErr) && appErr.Type() == laborders.ErrTypePatientMismatch:
		return storeMismatch
	case errors.As(err, &appErr):
		err = s.d.Temporal.SignalWorkflow(sctx, wid, "", laborders.ResultSignalName, sig)
		if errors.As(err, &nf) {
			return storeUnknown
		}
		if err == nil {
			return storeOK
		}
	}
	s.log.Warn("mllp: result not stored; no ACK sent", "process", wid, "error", logText(err))
	return storeUnavailable
}

// repeatedValuesWarning records that a repeated OBX-5 was kept as one text.
const repeatedValuesWarning = "OBX-5 repeats: every value kept, as text"

// placerPart is one order's share of an ORU.
type placerPart struct {
	placer string
	signal laborders.ResultSignal
}

// splitByPlacer groups the ORU's ORC/OBR groups by placer order number, in message order.
// Documents the inbound wrapper stored are referenced from ctx (DocumentRef).
func splitByPlacer(ctx context.Context, oru hl7.ORU) []placerPart {
	var parts []placerPart
	index := map[string]int{}
	for gi, o := range oru.Orders {
		p := o.PlacerOrderNumber()
		i, ok := index[p]
		if !ok {
			i = len(parts)
			index[p] = i
			parts = append(parts, placerPart{placer: p, signal: laborders.ResultSignal{MessageControlID: oru.Header.ControlID,
				MessageTime: oru.Header.Time, Observations: []laborders.ResultObservation{}, Patient: patientIDs(oru.Patient)}})
		}
		addGroup(&parts[i].signal, o, func(obs int) (string, bool) { return DocumentRef(ctx, gi, obs, 0) })
	}
	return parts
}

func patientIDs(p hl7.Patient) []laborders.PatientID {
	var out []laborders.PatientID
	for _, id := range p.Identifiers {
		if id.ID != "" {
			out = append(out, laborders.PatientID{ID: id.ID, Type: id.TypeCode})
		}
	}
	return out
}

// addGroup appends one ORC/OBR group: its OBR-4, OBR-25 and notes, and its observations.
func addGroup(sig *laborders.ResultSignal, o hl7.OrderResult, docRef func(observation int) (string, bool)) {
	if sig.ReportStatus == "" {
		sig.ReportStatus = o.Request.ResultStatus
	}
	sig.Reports = append(sig.Reports, laborders.ReportGroup{Service: o.Request.Service.Code,
		Status: o.Request.ResultStatus, Notes: o.Notes})
	for xi, x := range o.Observations {
		r := laborders.ResultObservation{
			Code: x.Code.Code, SubID: x.SubID, Name: x.Code.Text, Value: x.Value.Text, Number: x.Value.Number,
			Units: firstNonEmpty(x.Units.Code, x.Units.Text), ReferenceRange: x.ReferenceRange, Flags: x.AbnormalFlags,
			Status: x.Status, ObservedAt: x.ObservedAt, Notes: x.Notes, Service: o.Request.Service.Code,
		}
		// A bound such as "<2.22" or a number read leniently still reaches the workflow as a
		// number, so critical thresholds judge it and the EHR gets Quantity.comparator.
		if n, cmp, ok := x.Value.Quantity(); ok && r.Number == nil {
			r.Number, r.Comparator = &n, cmp
		}
		if c := x.Value.Coded; c != nil && c.Code != "" {
			r.Coded = &laborders.CodedValue{Code: c.Code, Display: c.Text, System: c.System}
		}
		if d := x.Value.Document; d != nil {
			// The document itself stays in the encrypted audit trail (stored by the inbound
			// wrapper); the workflow gets its reference, or the laboratory's pointer for RP.
			r.Value, r.DocumentType = "", strings.Trim(d.TypeOfData+"/"+d.Subtype, "/")
			r.DocumentRef = d.Pointer
			if ref, ok := docRef(xi); ok {
				r.DocumentRef = ref
			}
		}
		if len(x.Value.More) > 0 {
			// FHIR gives an Observation one value: repeated OBX-5 values (other than the lines
			// of a text) are all kept, as text, rather than filing the first and losing the rest.
			texts := []string{x.Value.Text}
			for _, m := range x.Value.More {
				texts = append(texts, m.Text)
			}
			r.Value, r.Number, r.Comparator, r.Coded = strings.Join(texts, "; "), nil, "", nil
			r.Warnings = append(r.Warnings, repeatedValuesWarning)
		}
		for _, w := range x.Warnings {
			r.Warnings = append(r.Warnings, w.Reason)
		}
		sig.Observations = append(sig.Observations, r)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// appendAudit writes a record; failures are logged and never change the answer.
func (s *server) appendAudit(ctx context.Context, r audit.Record) {
	_ = s.appendAuditErr(ctx, r)
}

// appendAuditErr writes a record, logs a failure and returns it.
func (s *server) appendAuditErr(ctx context.Context, r audit.Record) error {
	if s.d.Records == nil {
		return nil
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := s.d.Records.Append(actx, r); err != nil {
		s.log.Warn("audit append failed", "action", r.Action)
		return err
	}
	return nil
}
