package lissim

import (
	"errors"
	"fmt"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/transport/mllp"
)

// Errors of result delivery.
var (
	// ErrNoEngine reports that no engine address is set (Options.EngineAddr, SetEngineAddr).
	ErrNoEngine = errors.New("lissim: no engine MLLP address set")
	// ErrClosed reports that the simulator was closed.
	ErrClosed = errors.New("lissim: simulator closed")
	// errNotOurAck reports an engine answer that is not an ACK of the ORU sent.
	errNotOurAck = errors.New("lissim: engine answer is not an ACK of this message")
)

// runResults sends an accepted order's scenario results, each one
// Options.ResultDelay after the previous (the first after acceptance).
func (s *Sim) runResults(d orderData) {
	if _, err := s.sendPlan(d, d.scenario.resultPlan(len(d.tests)), true); err != nil && !errors.Is(err, ErrClosed) {
		s.log.Warn("lissim: results not delivered", "placer", d.placer, "err", err)
	}
}

// sendPlan builds and delivers one ORU per step, waiting ResultDelay
// before each when wait is set. A step not ACKed after every attempt ends
// the plan: later results must not overtake it. It records each delivery
// on the stored order.
func (s *Sim) sendPlan(d orderData, plan []step, wait bool) ([]Delivery, error) {
	var out []Delivery
	var prev []byte
	var prevID string
	for _, st := range plan {
		if wait && !s.sleep(s.opts.ResultDelay) {
			return out, ErrClosed
		}
		msg, id := prev, prevID
		reused := st.repeat && prev != nil
		if !reused {
			id = s.nextID()
			var err error
			if msg, err = s.buildORU(&d, st, id, s.opts.Now()); err != nil {
				return out, fmt.Errorf("lissim: building ORU: %w", err)
			}
		}
		prev, prevID = msg, id
		dl := s.deliver(msg, id)
		dl.ResultStatus, dl.Repeat = st.status, reused
		s.noteDelivery(d.placer, dl)
		out = append(out, dl)
		if dl.AckCode == "" {
			if s.ctx.Err() != nil {
				return out, ErrClosed
			}
			return out, fmt.Errorf("lissim: ORU %s not acknowledged after %d attempts: %w", id, dl.Attempts, dl.err)
		}
	}
	return out, nil
}

// deliver sends one ORU until the engine answers it: AA/CA end it, and so
// do AE/AR/CE/CR, which are recorded and never resent (the engine will not
// change its mind). No ACK, a broken connection or an answer to another
// message is retried with doubling backoff, up to Options.MaxAttempts.
func (s *Sim) deliver(msg []byte, controlID string) Delivery {
	d := Delivery{ControlID: controlID}
	backoff := s.opts.RetryBackoff
	for d.Attempts < s.opts.MaxAttempts {
		if d.Attempts > 0 {
			s.count(func(st *Stats) { st.Resends++ })
			if !s.sleep(backoff) {
				d.Err, d.err = ErrClosed.Error(), ErrClosed
				return d
			}
			backoff = min(2*backoff, maxRetryBackoff)
		}
		d.Attempts++
		s.count(func(st *Stats) { st.ResultAttempts++ })
		raw, err := s.send(msg)
		if err != nil {
			d.Err, d.err = err.Error(), err
			if s.ctx.Err() != nil {
				return d
			}
			continue
		}
		a, err := parseACK(raw)
		if err != nil || a.ControlID != controlID {
			s.count(func(st *Stats) { st.BadEngineAcks++ })
			d.err = errNotOurAck
			d.Err = d.err.Error()
			continue
		}
		d.AckCode, d.AckText, d.Err, d.err = a.Code, a.Reason(), "", nil
		s.count(func(st *Stats) {
			st.ResultsSent++
			st.EngineAcks[a.Code]++
		})
		return d
	}
	s.count(func(st *Stats) { st.ResultsAbandoned++ })
	return d
}

// parseACK reads an ACK message.
func parseACK(raw []byte) (hl7.ACK, error) {
	m, err := hl7.Parse(raw)
	if err != nil {
		return hl7.ACK{}, err
	}
	return hl7.ParseACK(m)
}

// send writes msg to the engine and returns its answer.
func (s *Sim) send(msg []byte) ([]byte, error) {
	c, err := s.engineClient()
	if err != nil {
		return nil, err
	}
	ack, err := c.Send(s.ctx, msg)
	if err != nil && s.ctx.Err() != nil {
		return nil, ErrClosed
	}
	return ack, err
}

// engineClient returns the MLLP client for the current engine address.
// One client (one connection) is shared, so results reach the engine one
// at a time, in order, as from a real LIS interface.
func (s *Sim) engineClient() (*mllp.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.engineAddr == "" {
		return nil, ErrNoEngine
	}
	if s.client == nil {
		s.client = &mllp.Client{Addr: s.engineAddr, DialTimeout: s.opts.AckTimeout, AckTimeout: s.opts.AckTimeout}
	}
	return s.client, nil
}

// SendRaw sends msg to the engine as is, once, and returns the engine's
// answer: for garbage, unknown orders and other cases scenarios do not
// cover. It fails with ErrNoEngine, ErrClosed or an mllp error.
func (s *Sim) SendRaw(msg []byte) (ack []byte, err error) {
	c, err := s.engineClient()
	if err != nil {
		return nil, err
	}
	s.count(func(st *Stats) { st.RawSent++ })
	ack, err = c.Send(s.ctx, msg)
	if err != nil && s.ctx.Err() != nil {
		return nil, ErrClosed
	}
	return ack, err
}

// SendResults sends the results of scenario (the order's own when "") for
// placer now, without ResultDelay, and returns each ORU's delivery. An
// order the simulator never received gets synthetic patient, provider and
// a basic metabolic panel, and is not stored: that is how tests send
// results for an order the engine does not know. Scenarios that only shape
// the ORM's ACK send normal results. It fails when a result is not
// acknowledged after every attempt or the scenario is unknown.
func (s *Sim) SendResults(placer string, scenario Scenario) ([]Delivery, error) {
	if scenario != "" && !scenario.Valid() {
		return nil, fmt.Errorf("lissim: unknown scenario %q", scenario)
	}
	s.mu.Lock()
	o, ok := s.orders[placer]
	var d orderData
	if ok {
		d = o.data
	}
	s.mu.Unlock()
	if !ok {
		d = syntheticOrder(placer, s.nextID(), s.opts.Now())
	}
	if scenario != "" {
		d.scenario = scenario
	}
	return s.sendPlan(d, d.scenario.resultPlan(len(d.tests)), false)
}

// syntheticOrder is an order made up for SendResults; every value is fictitious.
func syntheticOrder(placer, filler string, now time.Time) orderData {
	return orderData{
		placer:   placer,
		scenario: ScenarioFor(placer),
		patient: hl7.Patient{
			Identifiers: []hl7.CX{{ID: "SIM-MRN-0001", AssigningAuthority: "SIM", TypeCode: "MR"}},
			Names:       []hl7.PersonName{{Family: "SIMPATIENT", Given: "TEST"}},
			BirthDate:   "19700101",
			Sex:         "U",
		},
		provider:   hl7.Provider{ID: "9999999991", Family: "SIMPROVIDER", Given: "TEST", AssigningAuthority: "NPI"},
		tests:      []hl7.CWE{{Code: LOINCBasicMetabolicPanel, Text: "Basic metabolic panel - Blood", System: "LN"}},
		filler:     filler,
		receivedAt: now,
	}
}
