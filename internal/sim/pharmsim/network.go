package pharmsim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/simkit"
)

// record is one processed message and its remembered answer.
type record struct {
	view   MessageView
	answer []byte
	// newRx is the message itself when it is a NewRx, so a later
	// RxChangeResponse can be filled from it.
	newRx *ncpdp.Message
}

// followUp is a pharmacy-initiated message to deliver after an answer.
type followUp struct {
	msg *ncpdp.Message
}

// derivedID returns a MessageID derived from id and kind, stable across
// retries so the engine can deduplicate webhooks too.
func derivedID(id, kind string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + id))
	return "PS" + hex.EncodeToString(h[:])[:30]
}

// receive is the network endpoint.
func (s *Sim) receive(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts.Posts++
	s.mu.Unlock()
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/xml" && mt != "text/xml") {
		s.invalid(w, http.StatusUnsupportedMediaType, "Content-Type must be application/xml")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, ncpdp.MaxMessageSize+1))
	if err != nil {
		s.invalid(w, http.StatusBadRequest, "cannot read body")
		return
	}
	m, err := ncpdp.Decode(data)
	var ve *ncpdp.ValidationError
	switch {
	case errors.As(err, &ve) && m != nil && m.Header.MessageID != "" && len(m.Header.MessageID) <= 35:
		s.mu.Lock()
		s.counts.Invalid++
		s.mu.Unlock()
		s.writeXML(w, http.StatusOK, ncpdp.NewError(m, derivedID(m.Header.MessageID, "error"), s.now(),
			ncpdp.ErrorReceiverUnable, "", "message failed validation"))
		return
	case err != nil:
		// DecodeError and validation texts name elements, never values.
		s.invalid(w, http.StatusBadRequest, err.Error())
		return
	}
	typ := string(m.Type())
	id := m.Header.MessageID
	scenario := scenarioOf(m)

	f, faulted := s.takeFault(typ)
	if faulted {
		s.mu.Lock()
		s.counts.FaultsTriggered++
		s.mu.Unlock()
		switch f.Kind {
		case FaultServerError, FaultUnavailable:
			code, _ := strconv.Atoi(f.Kind)
			s.serverError(w, id, code)
			return
		case FaultSlow:
			if !s.sleep(r, f.Delay) {
				return
			}
		}
	}
	if scenario == ScenarioSlow && !s.sleep(r, s.slowDelay) {
		return
	}

	s.mu.Lock()
	s.attempts[id]++
	if rec, ok := s.records[id]; ok {
		s.counts.Duplicates[typ]++
		answer := rec.answer
		s.mu.Unlock()
		s.writeAnswer(w, answer, faulted && f.Kind == FaultLostAnswer)
		return
	}
	if scenario == ScenarioServerError && s.attempts[id] <= s.serverErrors {
		s.counts.ServerErrors++
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	ans, follow := s.process(m, typ, scenario)
	answer, err := ncpdp.Encode(ans)
	if err != nil {
		// Answers are built from a validated message; this is a simulator bug.
		s.mu.Unlock()
		http.Error(w, "pharmsim: cannot encode answer", http.StatusInternalServerError)
		return
	}
	rec := &record{answer: answer, view: MessageView{
		MessageID: id, Type: typ, PrescriberOrderNumber: m.Header.PrescriberOrderNumber,
		Pharmacy: pharmacyOf(m), Scenario: scenario, AnswerType: string(ans.Type()), AnswerCode: answerCode(ans),
		Received: s.now(),
	}}
	for _, fu := range follow {
		rec.view.FollowUps = append(rec.view.FollowUps, string(fu.msg.Type()))
	}
	if typ == string(ncpdp.TypeNewRx) {
		rec.newRx = m
	}
	s.records[id] = rec
	s.order = append(s.order, id)
	s.counts.Received[typ]++
	s.counts.Answered[string(ans.Type())]++
	s.schedule(follow)
	s.mu.Unlock()
	if scenario == ScenarioHeldAnswer && typ == string(ncpdp.TypeNewRx) {
		s.hold(w, r)
		return
	}
	s.writeAnswer(w, answer, faulted && f.Kind == FaultLostAnswer)
}

// hold keeps a processed NewRx's answer until the sender gives up (its timeout, or its
// process dies): the network has the message, the sender never learns. A resend of the
// MessageID is a duplicate and gets the answer at once.
func (s *Sim) hold(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.ctx.Done():
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

// newRxFor returns the first NewRx processed with a prescriber order
// number, or nil; the caller holds mu.
func (s *Sim) newRxFor(order string) *ncpdp.Message {
	if order == "" {
		return nil
	}
	for _, id := range s.order {
		if r := s.records[id]; r.newRx != nil && r.newRx.Header.PrescriberOrderNumber == order {
			return r.newRx
		}
	}
	return nil
}

// sleep waits d unless the request or simulator ends first.
func (s *Sim) sleep(r *http.Request, d time.Duration) bool {
	return simkit.Sleep(r.Context(), s.ctx, d)
}

// answerCode returns the Status or Error code of an answer.
func answerCode(m *ncpdp.Message) string {
	switch {
	case m.Body.Status != nil:
		return m.Body.Status.Code
	case m.Body.Error != nil:
		return m.Body.Error.Code
	}
	return ""
}

// invalid answers a post that is not a SCRIPT message.
func (s *Sim) invalid(w http.ResponseWriter, status int, msg string) {
	s.mu.Lock()
	s.counts.Invalid++
	s.mu.Unlock()
	http.Error(w, msg, status)
}

// serverError answers a 5xx without processing.
func (s *Sim) serverError(w http.ResponseWriter, id string, code int) {
	s.mu.Lock()
	s.attempts[id]++
	s.counts.ServerErrors++
	s.mu.Unlock()
	w.WriteHeader(code)
}

// writeAnswer writes a remembered answer, or 500 when the answer is lost.
func (s *Sim) writeAnswer(w http.ResponseWriter, answer []byte, lost bool) {
	if lost {
		s.mu.Lock()
		s.counts.ServerErrors++
		s.mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(answer)
}

// writeXML encodes and writes a message the simulator built.
func (s *Sim) writeXML(w http.ResponseWriter, status int, m *ncpdp.Message) {
	b, err := ncpdp.Encode(m)
	if err != nil {
		// The header it relates to is itself invalid; a 500 would invite
		// endless resends of a message that can never pass.
		http.Error(w, "message failed validation", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// process builds the answer to a new message and the pharmacy-initiated
// messages that follow it; the caller holds mu.
func (s *Sim) process(m *ncpdp.Message, typ, scenario string) (*ncpdp.Message, []followUp) {
	id := m.Header.MessageID
	now := s.now()
	status := func() *ncpdp.Message {
		return ncpdp.NewStatus(m, derivedID(id, "status"), now, ncpdp.StatusTransactionSuccessful)
	}
	switch ncpdp.MessageType(typ) {
	case ncpdp.TypeNewRx:
		switch scenario {
		case ScenarioReject:
			return ncpdp.NewError(m, derivedID(id, "error"), now, ncpdp.ErrorTransactionRejected, "210", "transaction rejected"), nil
		case ScenarioChangeRequest:
			return status(), []followUp{{changeRequest(m, now)}}
		case ScenarioPartialFill:
			return status(), []followUp{{fill(m, now, ncpdp.FillPartiallyDispensed)}}
		case ScenarioFilled:
			return status(), []followUp{{fill(m, now, ncpdp.FillDispensed)}}
		case ScenarioNotDispensed:
			return status(), []followUp{{fill(m, now, ncpdp.FillNotDispensed)}}
		case ScenarioRenewal:
			return status(), []followUp{{renewalRequest(m, now)}}
		}
		return status(), nil
	case ncpdp.TypeCancelRx:
		return status(), []followUp{{cancelResponse(m, now, scenario == ScenarioDeniedCancel)}}
	case ncpdp.TypeRxChangeResponse:
		// An approved change is dispensed: the pharmacy fills the
		// prescription it first received under the same order number.
		switch m.Body.RxChangeResponse.Response.Answer() {
		case ncpdp.AnswerApproved, ncpdp.AnswerApprovedWithChanges:
			if orig := s.newRxFor(m.Header.PrescriberOrderNumber); orig != nil {
				return status(), []followUp{{fillAfterChange(orig, m, now)}}
			}
		}
		return status(), nil
	case ncpdp.TypeRxRenewalResponse:
		return status(), nil
	}
	return ncpdp.NewError(m, derivedID(id, "error"), now, ncpdp.ErrorReceiverUnable, "", "message type not accepted from a prescriber"), nil
}

// pause waits d unless the simulator ends first.
func (s *Sim) pause(d time.Duration) bool {
	return simkit.Sleep(s.ctx, s.ctx, d)
}
