package chsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// defaultDelims are used for a 999 when the 270's ISA was unreadable.
var defaultDelims = delims{elem: '*', comp: ':', rep: '^', seg: '~'}

// writer builds one interchange with one transaction set, counting the
// segments between ST and SE for SE01.
type writer struct {
	d       delims
	b       strings.Builder
	inSet   bool
	counted int
}

// seg writes one segment from its ID and elements; trailing empty elements
// are dropped, as X12 requires.
func (w *writer) seg(id string, els ...string) {
	for len(els) > 0 && els[len(els)-1] == "" {
		els = els[:len(els)-1]
	}
	w.b.WriteString(id)
	for _, e := range els {
		w.b.WriteByte(w.d.elem)
		w.b.WriteString(e)
	}
	w.b.WriteByte(w.d.seg)
	if id == "ST" {
		w.inSet = true
	}
	if w.inSet {
		w.counted++
	}
}

// echo writes a segment read from the 270 (ID included) unchanged.
func (w *writer) echo(s segment) {
	w.seg(s.el(0), s[1:]...)
}

// envelope is the interchange and group header data of an answer.
type envelope struct {
	senderQual, sender, receiverQual, receiver string // ISA05..ISA08
	gsSender, gsReceiver                       string // GS02, GS03
	isaControl, gsControl, stControl           string
	usage                                      string // ISA15 (P or T)
	functionalID, version                      string // GS01, GS08/ST03
	setID                                      string // ST01
}

// open writes ISA, GS and ST.
func (w *writer) open(e envelope, now time.Time) {
	if w.d.rep == 0 {
		// A pre-5010 270 declared no repetition separator; 5010 needs one.
		for _, c := range []byte("^|{}!") {
			if c != w.d.elem && c != w.d.comp && c != w.d.seg {
				w.d.rep = c
				break
			}
		}
	}
	w.seg("ISA", "00", pad("", 10), "00", pad("", 10), e.senderQual, pad(e.sender, 15),
		e.receiverQual, pad(e.receiver, 15), now.Format("060102"), now.Format("1504"),
		string(w.d.rep), "00501", e.isaControl, "0", e.usage, string(w.d.comp))
	w.seg("GS", e.functionalID, e.gsSender, e.gsReceiver, now.Format("20060102"), now.Format("1504"),
		e.gsControl, "X", e.version)
	w.seg("ST", e.setID, e.stControl, e.version)
}

// close writes SE, GE and IEA.
func (w *writer) close(e envelope) {
	w.seg("SE", strconv.Itoa(w.counted+1), e.stControl)
	w.inSet = false
	w.seg("GE", "1", e.gsControl)
	w.seg("IEA", "1", e.isaControl)
}

// pad left-justifies s in a fixed-width ISA field.
func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}

// answerEnvelope swaps the 270's sender and receiver and echoes its
// control numbers, so a test can match the 271 to its 270.
func answerEnvelope(q *inquiry, functionalID, setID, version string) envelope {
	return envelope{
		senderQual: q.isa.el(7), sender: strings.TrimSpace(q.isa.el(8)),
		receiverQual: q.isa.el(5), receiver: strings.TrimSpace(q.isa.el(6)),
		gsSender: q.gs.el(3), gsReceiver: q.gs.el(2),
		isaControl: strings.TrimSpace(q.isa.el(13)), gsControl: q.gs.el(6), stControl: q.st.el(2),
		usage: q.isa.el(15), functionalID: functionalID, setID: setID, version: version,
	}
}

// benefits selects the EB loops of a 271.
type benefits int

const (
	benefitsActive   benefits = iota // coverage, copay, coinsurance, deductible
	benefitsInactive                 // EB*6 only
	benefitsNone                     // subscriber rejected with an AAA
)

// build271 answers q. With rejectCode set, the patient's loop carries
// AAA*N**<code>*C and no benefits.
func build271(q *inquiry, b benefits, rejectCode string, now time.Time) []byte {
	return build271With(q, b, rejectCode, now, CopayAmount, PlanName)
}

// build271With is build271 with the plan's copay and name. When the 270 had
// a dependent loop (2000D), the 271 answers in the dependent's loops: the
// trace, name, birth date and relationship in 2000D/2100D and the benefits
// in 2110D, as 005010X279A1 shows for a dependent without a member id.
func build271With(q *inquiry, b benefits, rejectCode string, now time.Time, copay, plan string) []byte {
	w := &writer{d: q.d}
	e := answerEnvelope(q, "HB", "271", "005010X279A1")
	w.open(e, now)
	w.seg("BHT", "0022", "11", q.bht.el(3), now.Format("20060102"), now.Format("1504"))
	w.seg("HL", "1", "", "20", "1")
	w.echoOr(q.payer, "NM1", "PR", "2", "SIMULATED PAYER", "", "", "", "", "PI", "SIMPAYER")
	w.seg("HL", "2", "1", "21", "1")
	w.echoOr(q.provider, "NM1", "1P", "2", "SIMULATED PROVIDER", "", "", "", "", "XX", "1234567893")
	dependent := q.dependent != nil
	child := "0"
	if dependent {
		child = "1"
	}
	w.seg("HL", "3", "2", "22", child)
	traces := func(trns []segment) {
		for _, t := range trns {
			// The requester's TRN*1 comes back as TRN*2 (referenced trace).
			w.seg("TRN", "2", t.el(2), t.el(3), t.el(4))
		}
	}
	traces(q.traces)
	w.echo(q.subscriber)
	if !dependent && rejectCode != "" {
		w.seg("AAA", "N", "", rejectCode, "C")
		w.close(e)
		return []byte(w.b.String())
	}
	if q.dmg != nil {
		w.echo(q.dmg)
	}
	if dependent {
		w.seg("HL", "4", "3", "23", "0")
		traces(q.depTraces)
		w.echo(q.dependent)
		if rejectCode != "" {
			w.seg("AAA", "N", "", rejectCode, "C")
			w.close(e)
			return []byte(w.b.String())
		}
		if q.depDMG != nil {
			w.echo(q.depDMG)
		}
		if q.depINS != nil {
			w.echo(q.depINS)
		}
	}
	w.seg("DTP", "346", "D8", fmt.Sprintf("%d0101", now.Year()))
	switch b {
	case benefitsActive:
		w.seg("EB", "1", "IND", "30", "C1", plan)
		for _, st := range []string{"30", "98"} {
			w.seg("EB", "B", "IND", st, "C1", "", "27", copay, "", "", "", "", "Y")
		}
		w.seg("EB", "A", "IND", "30", "C1", "", "", "", CoinsurancePercent, "", "", "", "Y")
		w.seg("EB", "C", "IND", "30", "C1", "", "23", DeductibleAmount, "", "", "", "", "Y")
		w.seg("EB", "C", "IND", "30", "C1", "", "29", DeductibleRemaining, "", "", "", "", "Y")
	case benefitsInactive:
		w.seg("EB", "6", "IND", "30", "C1", plan)
	}
	w.close(e)
	return []byte(w.b.String())
}

// echoOr echoes s, or writes the fallback segment when the 270 had none.
func (w *writer) echoOr(s segment, id string, fallback ...string) {
	if s != nil {
		w.echo(s)
		return
	}
	w.seg(id, fallback...)
}

// buildMalformed271 returns a 271 cut off inside the payer loop: no
// trailers, so any X12 parser must reject it.
func buildMalformed271(q *inquiry, now time.Time) []byte {
	full := string(build271(q, benefitsActive, "", now))
	// Keep everything up to and including "NM1<elem>PR<elem>", then stop.
	cut := "NM1" + string(q.d.elem) + "PR" + string(q.d.elem)
	if i := strings.Index(full, cut); i >= 0 {
		return []byte(full[:i+len(cut)])
	}
	return []byte(full[:len(full)/2])
}

// build999 rejects an unreadable or invalid 270. When the ISA could not be
// read the envelope falls back to the CORE sender and receiver ids.
func build999(q *inquiry, rej *x12Error, coreSender, coreReceiver string, now time.Time) []byte {
	d := q.d
	if d.elem == 0 {
		d = defaultDelims
	}
	w := &writer{d: d}
	var e envelope
	if q.isa != nil && q.gs != nil && q.st != nil {
		e = answerEnvelope(q, "FA", "999", "005010X231A1")
	} else {
		e = envelope{senderQual: "ZZ", sender: coreReceiver, receiverQual: "ZZ", receiver: coreSender,
			gsSender: coreReceiver, gsReceiver: coreSender, isaControl: "000000000", gsControl: "0",
			stControl: "0001", usage: "P", functionalID: "FA", setID: "999", version: "005010X231A1"}
	}
	if q.isa != nil {
		e.isaControl = strings.TrimSpace(q.isa.el(13))
		e.usage = q.isa.el(15)
	}
	// The 999's own ST02 is its own; the rejected set's is echoed in AK2.
	rejectedST := e.stControl
	e.stControl = "0001"
	w.open(e, now)
	gsControl := "0"
	if q.gs != nil {
		gsControl = q.gs.el(6)
	}
	w.seg("AK1", "HS", gsControl, "005010X279A1")
	w.seg("AK2", "270", rejectedST, "005010X279A1")
	w.seg("IK5", "R", rej.ik5)
	w.seg("AK9", "R", "1", "1", "0")
	w.close(e)
	return []byte(w.b.String())
}
