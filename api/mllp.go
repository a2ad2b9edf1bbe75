package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workflows/laborders"
)

// MLLPHandler turns inbound HL7 v2 messages into workflow signals. It answers AA only after
// Temporal has accepted the signal (the message is then in the workflow's history), AR for a
// message it cannot read or does not take, AE for a result whose order it does not know, and no
// ACK at all when Temporal cannot be reached, so the sender resends. Messages it does not
// accept are kept, encrypted, in the audit trail.
func MLLPHandler(d Deps) mllp.Handler {
	s := &server{d: d, log: d.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return mllp.HandlerFunc(s.handleMLLP)
}

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
		s.appendAudit(ctx, rec)
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
	placer := ""
	for _, o := range oru.Orders {
		if p := o.PlacerOrderNumber(); p != "" {
			placer = p
			break
		}
	}
	if laborders.ValidatePlacerOrderNumber(placer) != nil {
		return ack("AE", "101", "the placer order number (ORC-2/OBR-2) is missing or invalid", msg, true)
	}
	wid := laborders.WorkflowID(placer)
	rec.Process = wid
	sig := resultSignal(oru)
	sctx, cancel := context.WithTimeout(ctx, signalTimeout)
	defer cancel()
	err = s.d.Temporal.SignalWorkflow(sctx, wid, "", laborders.ResultSignalName, sig)
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return ack("AE", "204", "unknown order", msg, true)
	case err != nil:
		// Not stored: no ACK, so the sender keeps the message and resends it.
		s.log.Warn("mllp: signal failed; no ACK sent", "process", wid, "error", logText(err))
		rec.Outcome, rec.Latency = audit.OutcomeError, time.Since(start)
		s.appendAudit(ctx, rec)
		return nil
	}
	return ack(hl7.AckAccept, "", "", msg, false)
}

// resultSignal reduces an ORU to the signal the lab workflow takes.
func resultSignal(oru hl7.ORU) laborders.ResultSignal {
	sig := laborders.ResultSignal{MessageControlID: oru.Header.ControlID, MessageTime: oru.Header.Time,
		Observations: []laborders.ResultObservation{}}
	for _, o := range oru.Orders {
		if sig.ReportStatus == "" {
			sig.ReportStatus = o.Request.ResultStatus
		}
		for _, x := range o.Observations {
			sig.Observations = append(sig.Observations, laborders.ResultObservation{
				Code: x.Code.Code, SubID: x.SubID, Name: x.Code.Text, Value: x.Value.Text, Number: x.Value.Number,
				Units: firstNonEmpty(x.Units.Code, x.Units.Text), ReferenceRange: x.ReferenceRange, Flags: x.AbnormalFlags,
				Status: x.Status, ObservedAt: x.ObservedAt,
			})
		}
	}
	return sig
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// appendAudit writes a record; failures are logged and never change the answer.
func (s *server) appendAudit(ctx context.Context, r audit.Record) {
	if s.d.Records == nil {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := s.d.Records.Append(actx, r); err != nil {
		s.log.Warn("audit append failed", "action", r.Action)
	}
}
