package chsim

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxRequestBytes bounds a request body; one 270 is a few hundred bytes.
const maxRequestBytes = 1 << 20

// maxPayloadIDLen is the longest PayloadID accepted (a UUID is 36).
const maxPayloadIDLen = 50

// maxStoredAnswers bounds the answers kept for repeated PayloadIDs; a
// retry comes within minutes, long before this many later inquiries.
const maxStoredAnswers = 100_000

// exchangeKey identifies an inquiry: a PayloadID is unique per sender.
type exchangeKey struct{ sender, payloadID string }

// exchange is one inquiry, answered once; requests repeating its PayloadID
// wait for and share the answer.
type exchange struct {
	done chan struct{} // closed once out is set
	out  outcome
}

// outcome is a rendered HTTP answer.
type outcome struct {
	status int
	body   []byte
	keep   bool // stored for repeated PayloadIDs; failures are not
}

// handleRealTime is the CORE real-time pipeline: media type, SOAP
// envelope, WS-Security, CORE fields, the 270, injected faults, then the
// idempotent exchange.
func (s *Sim) handleRealTime(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/soap+xml" {
		s.count(func(st *Stats) { st.EnvelopeErrors++ })
		f := soapFault{status: http.StatusUnsupportedMediaType, code: "Sender",
			reason: "Content-Type must be application/soap+xml (SOAP 1.2)"}
		writeSOAP(w, f.status, f.render())
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return // the client went away mid-request
	}
	if len(body) > maxRequestBytes {
		s.count(func(st *Stats) { st.EnvelopeErrors++ })
		f := soapFault{status: http.StatusRequestEntityTooLarge, code: "Sender", reason: "request too large"}
		writeSOAP(w, f.status, f.render())
		return
	}
	env, fault := parseRequest(body)
	if fault != nil {
		s.count(func(st *Stats) { st.EnvelopeErrors++ })
		writeSOAP(w, fault.status, fault.render())
		return
	}
	req := env.Body.Request
	if !s.authenticate(w, env) {
		return
	}
	if env.batch {
		s.handleBatch(w, r, req, env.submit)
		return
	}
	if code, msg := s.checkFields(req); code != "" {
		s.count(func(st *Stats) { st.EnvelopeErrors++ })
		writeSOAP(w, http.StatusBadRequest, s.envelopeError(req, code, msg))
		return
	}
	inq, xerr := read270([]byte(strings.TrimSpace(req.Payload)))
	member := ""
	if xerr == nil {
		member = inq.memberID
	}
	injected, faulty := s.takeFault(OpRealTime, member)
	if faulty {
		s.count(func(st *Stats) { st.FaultsTriggered++ })
		if s.applyFault(w, r, req, injected) {
			return
		}
	}
	key := exchangeKey{sender: strings.TrimSpace(req.SenderID), payloadID: strings.TrimSpace(req.PayloadID)}
	out, replayed, ok := s.exchange(r.Context(), key, inq, xerr, func() outcome { return s.answer(req, inq, xerr) })
	if !ok {
		return // the client gave up waiting
	}
	if faulty && injected.Kind == FaultLost {
		// The inquiry was answered and stored; only the caller never
		// learns it, until it repeats the PayloadID.
		s.sleep(r.Context(), injected.Delay)
		f := soapFault{status: http.StatusInternalServerError, code: "Receiver", reason: "response lost"}
		writeSOAP(w, f.status, f.render())
		return
	}
	if replayed {
		w.Header().Set("X-Sim-Replayed", "true")
	}
	writeSOAP(w, out.status, out.body)
}

// applyFault acts out an injected fault; it reports whether it answered
// the request (false: continue normally, perhaps after a delay).
func (s *Sim) applyFault(w http.ResponseWriter, r *http.Request, req *coreRequest, f Fault) bool {
	receiverFault := func(status int, reason string) {
		sf := soapFault{status: status, code: "Receiver", reason: reason}
		writeSOAP(w, status, sf.render())
	}
	switch f.Kind {
	case FaultServerError:
		receiverFault(http.StatusInternalServerError, "injected server error")
	case FaultUnavailable:
		w.Header().Set("Retry-After", "1")
		receiverFault(http.StatusServiceUnavailable, "injected unavailability")
	case FaultRateLimit:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, "rate limited\n")
	case FaultTimeout:
		// Answering after an interrupted sleep is harmless when the client
		// is gone and correct when the simulator is closing.
		s.sleep(r.Context(), f.Delay)
		receiverFault(http.StatusInternalServerError, "injected timeout")
	case FaultSlow:
		if !s.sleep(r.Context(), f.Delay) {
			receiverFault(http.StatusServiceUnavailable, "interrupted")
			return true
		}
		return false
	case FaultCOREError:
		code := f.ErrorCode
		if code == "" {
			code = defaultFaultErrorCode
		}
		writeSOAP(w, http.StatusOK, s.envelopeError(req, code, "injected CORE error"))
	default: // FaultLost acts after the exchange.
		return false
	}
	return true
}

// exchange answers an inquiry once per key. The first request creates the
// exchange and counts the inquiry; answering runs detached from that
// request, so a client that times out and repeats the PayloadID joins the
// same answer instead of causing a second inquiry. ok is false when ctx
// ended first.
func (s *Sim) exchange(ctx context.Context, key exchangeKey, inq *inquiry, xerr *x12Error,
	answer func() outcome) (out outcome, replayed, ok bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return closingOutcome(), false, true
	}
	ex, seen := s.exchanges[key]
	if seen {
		s.stats.Replays++
	} else {
		ex = &exchange{done: make(chan struct{})}
		s.exchanges[key] = ex
		if xerr != nil {
			s.stats.Rejected++
		} else {
			s.stats.Inquiries++
			s.stats.InquiriesByMember[inq.memberID]++
			s.received = append(s.received, Inquiry{MemberID: inq.memberID, Payload: inq.raw})
			if len(s.received) > maxReceived {
				s.received = s.received[1:]
			}
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			o := answer()
			s.mu.Lock()
			ex.out = o
			if o.keep {
				s.remember(key)
			} else {
				// A failure is not an answer to remember: the next request
				// with this PayloadID is a new attempt.
				delete(s.exchanges, key)
			}
			s.mu.Unlock()
			close(ex.done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-ex.done:
		return ex.out, seen, true
	case <-ctx.Done():
		return outcome{}, seen, false
	}
}

// remember records a stored answer and forgets the oldest beyond
// maxStoredAnswers, so long load-generator runs cannot exhaust memory. It
// runs with s.mu held.
func (s *Sim) remember(key exchangeKey) {
	s.stored = append(s.stored, key)
	if len(s.stored) > maxStoredAnswers {
		delete(s.exchanges, s.stored[0])
		s.stored = s.stored[1:]
	}
}

// answer computes the response to a 270 by scenario.
func (s *Sim) answer(req *coreRequest, inq *inquiry, xerr *x12Error) outcome {
	now := s.now()
	reply := func(payloadType string, payload []byte) outcome {
		return outcome{status: http.StatusOK, keep: true, body: renderResponse(coreResponse{
			payloadType: payloadType, payloadID: strings.TrimSpace(req.PayloadID), timeStamp: stamp(now),
			sender: strings.TrimSpace(req.ReceiverID), receiver: strings.TrimSpace(req.SenderID),
			payload: payload, errorCode: "Success"})}
	}
	if xerr != nil {
		return reply(payloadType999, build999(inq, xerr, strings.TrimSpace(req.SenderID),
			strings.TrimSpace(req.ReceiverID), now))
	}
	switch scenarioFor(inq.memberID) {
	case scenarioActive:
		return reply(payloadType271, build271(inq, benefitsActive, "", now))
	case scenarioSlow:
		if !s.sleep(context.Background(), s.opts.SlowDelay) {
			return closingOutcome()
		}
		return reply(payloadType271, build271(inq, benefitsActive, "", s.now()))
	case scenarioInactive:
		return reply(payloadType271, build271(inq, benefitsInactive, "", now))
	case scenarioFamily:
		if inq.dependent == nil {
			// The family plan's member id with the subscriber alone: the subscriber's benefits.
			return reply(payloadType271, build271(inq, benefitsActive, "", now))
		}
		return reply(payloadType271, build271With(inq, benefitsActive, "", now, DependentCopayAmount, PlanName))
	case scenarioSecondary:
		return reply(payloadType271, build271With(inq, benefitsActive, "", now, SecondaryCopayAmount, SecondaryPlanName))
	case scenarioNotFound:
		return reply(payloadType271, build271(inq, benefitsNone, RejectSubscriberNotFound, now))
	case scenarioServerError:
		f := soapFault{status: http.StatusInternalServerError, code: "Receiver", reason: "payer system error"}
		return outcome{status: f.status, body: f.render()}
	case scenarioMalformed:
		return reply(payloadType271, buildMalformed271(inq, now))
	}
	return reply(payloadType271, build271(inq, benefitsNone, RejectInvalidMemberID, now))
}

// closingOutcome answers requests caught by Close.
func closingOutcome() outcome {
	f := soapFault{status: http.StatusServiceUnavailable, code: "Receiver", reason: "simulator closing"}
	return outcome{status: f.status, body: f.render()}
}
