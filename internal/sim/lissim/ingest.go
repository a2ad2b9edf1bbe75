package lissim

import (
	"context"

	"github.com/careflow/engine/codecs/hl7"
)

// Reasons sent in ERR-8 of the simulator's negative ACKs; none carries PHI.
const (
	reasonRejected = "order rejected by the laboratory (simulated)"
	reasonError    = "laboratory system error (simulated)"
	reasonFault    = "order not accepted (simulated fault)"
)

// HandleMLLP answers one inbound message, so a Sim is an mllp.Handler:
// ORM^O01 orders are ACKed as their scenario or an injected fault says,
// anything else gets AR.
func (s *Sim) HandleMLLP(_ context.Context, msg []byte, peer string) []byte {
	m, err := hl7.Parse(msg)
	if err != nil {
		s.count(func(st *Stats) { st.InvalidMessages++ })
		// The header alone may still say whom to answer; nil is fine too.
		hdr, herr := hl7.ParseHeader(msg)
		if herr != nil {
			hdr = nil
		}
		return s.ack(hdr, hl7.AckReject, hl7.ErrCodeSegmentSequence, "message could not be parsed")
	}
	if h := m.Header(); h.MessageType != "ORM" || h.TriggerEvent != "O01" {
		s.count(func(st *Stats) { st.InvalidMessages++ })
		return s.ack(m, hl7.AckReject, hl7.ErrCodeUnsupportedMessage, "only ORM^O01 orders are accepted")
	}
	orm, err := hl7.ParseORM(m)
	if err != nil {
		s.count(func(st *Stats) { st.InvalidMessages++ })
		return s.ack(m, hl7.AckReject, hl7.ErrCodeSegmentSequence, "ORM^O01 structure not understood")
	}
	d, code, errCode, reason := orderFromORM(orm, s.opts.Now())
	if code != "" {
		s.count(func(st *Stats) { st.InvalidMessages++ })
		return s.ack(m, code, errCode, reason)
	}
	return s.handleOrder(m, d, peer)
}

// handleOrder answers a well-formed order: faults first, then the scenario.
func (s *Sim) handleOrder(m *hl7.Message, d orderData, peer string) []byte {
	s.mu.Lock()
	s.counts.OrdersReceived++
	s.counts.OrdersByScenario[string(d.scenario)]++
	s.mu.Unlock()
	s.log.Debug("lissim: order received", "placer", d.placer, "scenario", d.scenario)

	if f, ok := s.takeFault(); ok {
		s.count(func(st *Stats) { st.FaultsTriggered++ })
		switch f.Ack {
		case FaultAR, FaultAE:
			return s.refuse(m, d, f.Ack, reasonFault)
		case FaultNone:
			s.withhold(d, false, peer)
			return nil
		case FaultDrop:
			s.withhold(d, true, peer)
			return nil
		case FaultSlow:
			delay := f.Delay
			if delay == 0 {
				delay = s.opts.SlowAckDelay
			}
			if !s.sleep(delay) {
				return nil
			}
		}
	}

	switch d.scenario {
	case ScenarioRejectOrder:
		return s.refuse(m, d, hl7.AckReject, reasonRejected)
	case ScenarioErrorOrder:
		return s.refuse(m, d, hl7.AckError, reasonError)
	}

	s.mu.Lock()
	o := s.record(d)
	if d.scenario == ScenarioDropConnection && !o.dropped {
		o.dropped = true
		o.ackCodes = append(o.ackCodes, ackNone)
		s.counts.AcksWithheld++
		s.mu.Unlock()
		s.drop(peer)
		return nil
	}
	slow := d.scenario == ScenarioSlowACK && !o.slowed
	o.slowed = o.slowed || slow
	o.ackCodes = append(o.ackCodes, hl7.AckAccept)
	fresh := !o.accepted
	if fresh {
		// Accepting before a slow ACK makes a resend that overtakes it a
		// duplicate, answered at once and without a second set of results.
		o.accepted = true
		s.counts.OrdersAccepted++
	} else {
		s.counts.DuplicateOrders++
	}
	data := o.data
	s.mu.Unlock()

	if slow && !s.sleep(s.opts.SlowAckDelay) {
		return nil
	}
	// Results are scheduled after any slow ACK, so they never overtake it.
	if fresh && data.scenario.sendsResults() {
		s.mu.Lock()
		s.goWork(func() { s.runResults(data) })
		s.mu.Unlock()
	}
	return s.ack(m, hl7.AckAccept, "", "")
}

// refuse records the order as not accepted and answers code (AR or AE)
// with ERR-3 207 and reason.
func (s *Sim) refuse(m *hl7.Message, d orderData, code, reason string) []byte {
	s.mu.Lock()
	o := s.record(d)
	o.ackCodes = append(o.ackCodes, code)
	s.mu.Unlock()
	return s.ack(m, code, hl7.ErrCodeInternal, reason)
}

// withhold records an ORM left without ACK and, with drop, closes its
// connection.
func (s *Sim) withhold(d orderData, drop bool, peer string) {
	s.mu.Lock()
	o := s.record(d)
	o.ackCodes = append(o.ackCodes, ackNone)
	s.counts.AcksWithheld++
	s.mu.Unlock()
	if drop {
		s.drop(peer)
	}
}

// drop closes the connection from peer when the simulator serves it.
func (s *Sim) drop(peer string) {
	// Counted before the close: a sender that sees EOF may read the stats at once.
	if s.dropConn != nil {
		s.dropConn(peer, func() { s.count(func(st *Stats) { st.ConnectionsDropped++ }) })
	}
}

// ack builds the encoded ACK of orig and counts it; nil when it cannot be
// built, which leaves the sender to time out and resend.
func (s *Sim) ack(orig *hl7.Message, code, errCode, text string) []byte {
	m, err := hl7.BuildACK(orig, code, errCode, text, s.opts.Now(), s.nextID())
	if err != nil {
		s.log.Error("lissim: building ACK failed", "err", err)
		return nil
	}
	b, err := m.Encode()
	if err != nil {
		s.log.Error("lissim: encoding ACK failed", "err", err)
		return nil
	}
	s.count(func(st *Stats) { st.AcksSent[code]++ })
	return b
}
