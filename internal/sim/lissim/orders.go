package lissim

import (
	"fmt"
	"slices"
	"time"

	"github.com/careflow/engine/codecs/hl7"
)

// ackNone stands for "no ACK sent" in OrderView.AckCodes.
const ackNone = "none"

// orderData is what the simulator keeps of an order to write its results.
// It is copied into result goroutines, so it is never changed in place
// once results are scheduled.
type orderData struct {
	placer, namespace string
	scenario          Scenario
	controlID         string // MSH-10 of the latest ORM
	app, facility     string // the orderer's MSH-3/4, the ORU's MSH-5/6
	patient           hl7.Patient
	provider          hl7.Provider
	tests             []hl7.CWE
	priority          string
	filler            string
	receivedAt        time.Time
}

// order is the simulator's record of one placer order number.
type order struct {
	data     orderData
	orms     int
	ackCodes []string
	accepted bool
	// dropped and slowed mark that the drop-connection or slow-ack
	// scenario already misbehaved once for this order.
	dropped, slowed bool
	results         []Delivery
}

// OrderView is a read-only summary of an order for test assertions.
type OrderView struct {
	PlacerOrderNumber string    `json:"placerOrderNumber"`
	FillerOrderNumber string    `json:"fillerOrderNumber"`
	Scenario          Scenario  `json:"scenario"`
	ControlID         string    `json:"controlId"`        // MSH-10 of the latest ORM
	PatientID         string    `json:"patientId"`        // PID-3.1 of the first identifier
	OrderingProvider  string    `json:"orderingProvider"` // ORC-12.1, else OBR-16.1
	Tests             []string  `json:"tests"`            // OBR-4.1 of each order group
	Priority          string    `json:"priority"`
	ReceivedAt        time.Time `json:"receivedAt"` // first ORM
	// ORMs counts ORM^O01 messages received for the order, resends included.
	ORMs int `json:"orms"`
	// AckCodes are the answers to those ORMs in order: AA, AE, AR, or
	// "none" when no ACK was sent.
	AckCodes []string `json:"ackCodes"`
	// Accepted reports whether an ORM for the order was answered AA.
	Accepted bool `json:"accepted"`
	// Results are the ORU deliveries for the order, in order.
	Results []Delivery `json:"results"`
}

// Delivery is the outcome of sending one ORU^R01 to the engine.
type Delivery struct {
	ControlID    string `json:"controlId"`    // MSH-10 of the ORU
	ResultStatus string `json:"resultStatus"` // OBR-25: P, F or C
	// Repeat reports the duplicate scenario's byte-for-byte second send.
	Repeat   bool `json:"repeat,omitempty"`
	Attempts int  `json:"attempts"`
	// AckCode is the engine's MSA-1; "" when no ACK came after all attempts.
	AckCode string `json:"ackCode"`
	// AckText is the engine's reason (ERR-8, ERR-3 text or MSA-3) for AE/AR.
	AckText string `json:"ackText,omitempty"`
	// Err is the last failure when AckCode is "".
	Err string `json:"err,omitempty"`

	err error // the last failure, for errors.Is
}

// Orders returns every order the simulator has received, oldest first.
func (s *Sim) Orders() []OrderView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]OrderView, 0, len(s.orderSeq))
	for _, p := range s.orderSeq {
		out = append(out, s.orders[p].view())
	}
	return out
}

// Order returns the order with the given placer order number.
func (s *Sim) Order(placer string) (OrderView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[placer]
	if !ok {
		return OrderView{}, false
	}
	return o.view(), true
}

// view copies the record; the caller holds mu.
func (o *order) view() OrderView {
	d := &o.data
	v := OrderView{
		PlacerOrderNumber: d.placer, FillerOrderNumber: d.filler, Scenario: d.scenario,
		ControlID: d.controlID, OrderingProvider: d.provider.ID, Priority: d.priority,
		ReceivedAt: d.receivedAt, ORMs: o.orms, AckCodes: slices.Clone(o.ackCodes),
		Accepted: o.accepted, Results: slices.Clone(o.results),
	}
	if len(d.patient.Identifiers) > 0 {
		v.PatientID = d.patient.Identifiers[0].ID
	}
	for _, t := range d.tests {
		v.Tests = append(v.Tests, t.Code)
	}
	return v
}

// record returns the order for d.placer, creating it, and counts one ORM;
// until the order is accepted each ORM's data replaces the stored data.
// The caller holds mu.
func (s *Sim) record(d orderData) *order {
	o, ok := s.orders[d.placer]
	if !ok {
		d.filler = fmt.Sprintf("F%08d", len(s.orderSeq)+1)
		o = &order{data: d}
		s.orders[d.placer] = o
		s.orderSeq = append(s.orderSeq, d.placer)
	} else if !o.accepted {
		d.filler, d.receivedAt = o.data.filler, o.data.receivedAt
		o.data = d
	} else {
		o.data.controlID = d.controlID
	}
	o.orms++
	return o
}

// noteDelivery appends a result delivery to placer's order, if stored.
func (s *Sim) noteDelivery(placer string, d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[placer]; ok {
		o.results = append(o.results, d)
	}
}

// orderFromORM extracts the order of a parsed ORM^O01. It returns an HL7
// error code and a reason without PHI when the simulator cannot take it.
func orderFromORM(orm hl7.ORM, now time.Time) (d orderData, ackCode, errCode, reason string) {
	first := orm.Orders[0]
	d = orderData{
		placer:     first.PlacerOrderNumber(),
		namespace:  first.Common.PlacerOrderNumber.Namespace,
		controlID:  orm.Header.ControlID,
		app:        orm.Header.SendingApplication,
		facility:   orm.Header.SendingFacility,
		patient:    orm.Patient,
		provider:   first.Common.OrderingProvider,
		priority:   first.Priority,
		receivedAt: now,
	}
	if d.namespace == "" {
		d.namespace = first.Request.PlacerOrderNumber.Namespace
	}
	if d.provider.IsZero() {
		d.provider = first.Request.OrderingProvider
	}
	if d.placer == "" {
		return d, hl7.AckError, hl7.ErrCodeRequiredFieldMissing, "placer order number (ORC-2) is missing"
	}
	if len(d.patient.Identifiers) == 0 || d.patient.Identifiers[0].ID == "" {
		return d, hl7.AckError, hl7.ErrCodeRequiredFieldMissing, "patient identifier (PID-3) is missing"
	}
	for _, g := range orm.Orders {
		if g.PlacerOrderNumber() != d.placer {
			return d, hl7.AckReject, hl7.ErrCodeInternal, "one placer order number per message is supported"
		}
		if g.Common.Control != "" && g.Common.Control != "NW" {
			return d, hl7.AckReject, hl7.ErrCodeInternal, "only new orders (ORC-1 NW) are supported"
		}
		if g.Request.Service.Code == "" {
			return d, hl7.AckError, hl7.ErrCodeRequiredFieldMissing, "test code (OBR-4) is missing"
		}
		d.tests = append(d.tests, g.Request.Service)
	}
	d.scenario = ScenarioFor(d.placer)
	return d, "", "", ""
}
