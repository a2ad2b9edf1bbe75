package hl7

import (
	"time"
)

// Header is the typed view of MSH.
type Header struct {
	// SendingApplication and SendingFacility are MSH-3 and MSH-4 (namespace id).
	SendingApplication, SendingFacility string
	// ReceivingApplication and ReceivingFacility are MSH-5 and MSH-6.
	ReceivingApplication, ReceivingFacility string
	// Time is MSH-7 as sent; ParseTime reads it.
	Time string
	// MessageType, TriggerEvent and Structure are MSH-9's components,
	// e.g. "ORU", "R01", "ORU_R01".
	MessageType, TriggerEvent, Structure string
	// ControlID is MSH-10, the sender's unique id for the message.
	ControlID string
	// ProcessingID is MSH-11: P production, T training, D debugging.
	ProcessingID string
	// Version is MSH-12, e.g. "2.5.1".
	Version string
}

// Header returns the typed view of the message's MSH segment.
func (m *Message) Header() Header {
	if len(m.Segments) == 0 || m.Segments[0].Name != "MSH" {
		return Header{}
	}
	s, d := &m.Segments[0], &m.Delims
	first := func(n int) string { return nth(s.Field(n), d.Repetition, 1) }
	typ := first(9)
	return Header{
		SendingApplication: d.comp(first(3), 1), SendingFacility: d.comp(first(4), 1),
		ReceivingApplication: d.comp(first(5), 1), ReceivingFacility: d.comp(first(6), 1),
		Time:        d.comp(first(7), 1),
		MessageType: d.comp(typ, 1), TriggerEvent: d.comp(typ, 2), Structure: d.comp(typ, 3),
		ControlID: d.comp(first(10), 1), ProcessingID: d.comp(first(11), 1), Version: d.comp(first(12), 1),
	}
}

// Envelope is the MSH input every builder shares.
type Envelope struct {
	// Delims are the delimiters to write; the zero value means DefaultDelims.
	Delims Delims
	// SendingApplication and SendingFacility go to MSH-3 and MSH-4.
	SendingApplication, SendingFacility string
	// ReceivingApplication and ReceivingFacility go to MSH-5 and MSH-6.
	ReceivingApplication, ReceivingFacility string
	// ControlID is MSH-10; required and unique per message.
	ControlID string
	// Time is MSH-7; required.
	Time time.Time
	// ProcessingID is MSH-11; "P" (production) when empty.
	ProcessingID string
}

// start validates env and returns a message holding its MSH segment for
// the message type, trigger event and structure of MSH-9.
func (env *Envelope) start(typ, trigger, structure string, p *problems) *Message {
	if env.ControlID == "" {
		p.add("control id (MSH-10) is required")
	}
	if env.Time.IsZero() {
		p.add("time (MSH-7) is required")
	}
	m, err := NewMessage(env.Delims)
	if err != nil {
		p.add("delimiters are invalid")
		return nil
	}
	d := &m.Delims
	proc := env.ProcessingID
	if proc == "" {
		proc = "P"
	}
	m.Segments[0].Fields = append(m.Segments[0].Fields,
		d.EscapeText(env.SendingApplication), d.EscapeText(env.SendingFacility),
		d.EscapeText(env.ReceivingApplication), d.EscapeText(env.ReceivingFacility),
		d.EscapeText(FormatTime(env.Time)), "", d.join(d.Component, typ, trigger, structure), d.EscapeText(env.ControlID), d.EscapeText(proc), d.EscapeText(Version))
	return m
}

// add appends a segment built by the package itself, dropping empty
// trailing fields.
func (m *Message) add(name string, fields ...string) {
	n := len(fields)
	for n > 0 && fields[n-1] == "" {
		n--
	}
	m.Segments = append(m.Segments, Segment{Name: name, Fields: fields[:n:n]})
}
