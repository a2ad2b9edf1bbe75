package x12

import (
	"strconv"
	"time"
)

// writer appends segments to a buffer and counts those inside the current
// transaction set for SE01. Values reach it already validated, so it does no
// checking of its own.
type writer struct {
	buf   []byte
	d     Delimiters
	count int
}

func newWriter(d Delimiters, sizeHint int) *writer {
	return &writer{buf: make([]byte, 0, sizeHint), d: d}
}

// seg writes one segment, dropping trailing empty elements as X12 requires.
func (w *writer) seg(id string, els ...string) {
	n := len(els)
	for n > 0 && els[n-1] == "" {
		n--
	}
	w.buf = append(w.buf, id...)
	for _, e := range els[:n] {
		w.buf = append(w.buf, w.d.Element)
		w.buf = append(w.buf, e...)
	}
	w.buf = append(w.buf, w.d.Segment)
	w.count++
}

// isa writes the fixed-width ISA segment: every field padded to its
// standard length, so the element separator is byte 4, the repetition
// separator byte 83 and the component separator byte 105.
func (w *writer) isa(env *Envelope) {
	b := w.buf
	el := func(s string, width int) {
		b = append(b, w.d.Element)
		b = append(b, s...)
		for i := len(s); i < width; i++ {
			b = append(b, ' ')
		}
	}
	b = append(b, "ISA"...)
	el("00", 2) // ISA01-04: no authorization or security information
	el("", 10)
	el("00", 2)
	el("", 10)
	el(env.SenderQualifier, 2)
	el(env.SenderID, 15)
	el(env.ReceiverQualifier, 2)
	el(env.ReceiverID, 15)
	el(env.Date.Format("060102"), 6)
	el(env.Date.Format("1504"), 4)
	el(byteString(w.d.Repetition), 1)
	el("00501", 5)
	b = append(b, w.d.Element)
	b = appendPadded(b, env.ControlNumber, 9)
	ack := "0"
	if env.AckRequested {
		ack = "1"
	}
	el(ack, 1)
	el(byteString(env.Usage), 1)
	el(byteString(w.d.Component), 1)
	b = append(b, w.d.Segment)
	w.buf = b
}

// gs writes the functional group header for functional identifier fid.
func (w *writer) gs(env *Envelope, fid, version string) {
	sender, receiver := env.ApplicationSender, env.ApplicationReceiver
	if sender == "" {
		sender = env.SenderID
	}
	if receiver == "" {
		receiver = env.ReceiverID
	}
	w.seg("GS", fid, sender, receiver, env.Date.Format("20060102"), env.Date.Format("1504"),
		strconv.FormatInt(env.ControlNumber, 10), "X", version)
}

// st opens a transaction set and restarts the SE01 count.
func (w *writer) st(id string, env *Envelope, version string) {
	w.count = 0
	w.seg("ST", id, stControl(env.ControlNumber), version)
}

// trailers closes the set, group and interchange with consistent counts and
// control numbers.
func (w *writer) trailers(env *Envelope) {
	w.seg("SE", strconv.Itoa(w.count+1), stControl(env.ControlNumber))
	ctl := strconv.FormatInt(env.ControlNumber, 10)
	w.seg("GE", "1", ctl)
	b := append(w.buf, "IEA"...)
	b = append(b, w.d.Element, '1', w.d.Element)
	b = appendPadded(b, env.ControlNumber, 9)
	w.buf = append(b, w.d.Segment)
}

// stControl formats ST02/SE02: the control number, at least four digits.
func stControl(n int64) string {
	return string(appendPadded(make([]byte, 0, 9), n, 4))
}

// appendPadded appends n zero padded to width digits.
func appendPadded(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// d8 formats a date as CCYYMMDD.
func d8(t time.Time) string { return t.Format("20060102") }

// envelope checks and normalizes the envelope fields every built
// transaction needs.
func (v *validator) envelope(env *Envelope) {
	if env.Delimiters == (Delimiters{}) {
		env.Delimiters = DefaultDelimiters()
	}
	if !env.Delimiters.valid() || env.Delimiters.Repetition == 0 || !env.Delimiters.ascii() {
		v.add("Envelope.Delimiters", "must be four distinct ASCII separators, none a letter, digit or space")
		// Text checks below need usable delimiters to test values against.
		v.d = DefaultDelimiters()
	} else {
		v.d = env.Delimiters
	}
	qual := textRule{min: 2, max: 2, required: true, upper: true}
	id := textRule{min: 1, max: 15, required: true}
	v.text("Envelope.SenderQualifier", &env.SenderQualifier, qual)
	v.text("Envelope.SenderID", &env.SenderID, id)
	v.text("Envelope.ReceiverQualifier", &env.ReceiverQualifier, qual)
	v.text("Envelope.ReceiverID", &env.ReceiverID, id)
	app := textRule{min: 2, max: 15}
	v.text("Envelope.ApplicationSender", &env.ApplicationSender, app)
	v.text("Envelope.ApplicationReceiver", &env.ApplicationReceiver, app)
	if env.ApplicationSender == "" && len(env.SenderID) < 2 {
		v.add("Envelope.ApplicationSender", "is required when SenderID is shorter than 2 characters")
	}
	if env.ApplicationReceiver == "" && len(env.ReceiverID) < 2 {
		v.add("Envelope.ApplicationReceiver", "is required when ReceiverID is shorter than 2 characters")
	}
	if env.ControlNumber < 1 || env.ControlNumber > maxControlNumber {
		v.add("Envelope.ControlNumber", "must be between 1 and 999999999")
	}
	if env.Date.IsZero() {
		v.add("Envelope.Date", "is required")
	} else if y := env.Date.Year(); y < 2000 || y > 2099 {
		// ISA09 has a two-digit year, read back as 20YY.
		v.add("Envelope.Date", "must be in the years 2000 to 2099")
	}
	if env.Usage != 'P' && env.Usage != 'T' {
		v.add("Envelope.Usage", "must be P or T")
	}
}
