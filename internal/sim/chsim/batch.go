package chsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Batch payload types (CORE rule 2.2.0, ProcessingMode Batch).
const (
	payloadType837P           = "X12_837_Request_005010X222A1"
	payloadType999Retrieval   = "X12_999_RetrievalRequest_005010X231A1"
	payloadType277CARetrieval = "X12_277CA_RetrievalRequest_005010X214"
	payloadType835Retrieval   = "X12_835_RetrievalRequest_005010X221A1"
	payloadType277CA          = "X12_277_Response_005010X214"
	payloadType835            = "X12_835_Response_005010X221A1"
)

// batchState is the simulator's batch mode: results files waiting for
// retrieval per CORE sender, answers by PayloadID, and the patient control
// numbers seen. It is guarded by Sim.mu.
type batchState struct {
	pending   map[string][]ResultsFile // by CORE SenderID
	answers   map[exchangeKey][]byte   // rendered answers by sender + PayloadID
	seenPCN   map[string]bool
	control   int64 // the simulator's own interchange control numbers
	payerSeq  int64
	submitted []Submission
	// pushURL and pushSecret, when set, push results files instead of queueing them.
	pushURL, pushSecret string
}

// ResultsFile is one 999, 277CA or 835 waiting for retrieval.
type ResultsFile struct {
	// PayloadType is the CORE payload type of the file.
	PayloadType string `json:"payloadType"`
	// Payload is the X12 interchange.
	Payload []byte `json:"payload"`
}

// Submission is a batch the simulator accepted.
type Submission struct {
	PayloadID string
	// PatientControlNumbers are the CLM01 of its claims in order.
	PatientControlNumbers []string
	Payload               []byte
}

// Submissions returns the batches accepted so far (replays excluded).
func (s *Sim) Submissions() []Submission {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Submission(nil), s.batch.submitted...)
}

// Pending returns the results files waiting for sender, without taking them.
func (s *Sim) Pending(sender string) []ResultsFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResultsFile(nil), s.batch.pending[sender]...)
}

// retrievalKinds maps a retrieval request's payload type to the files it takes.
var retrievalKinds = map[string]string{
	payloadType999Retrieval:   payloadType999,
	payloadType277CARetrieval: payloadType277CA,
	payloadType835Retrieval:   payloadType835,
}

// handleBatch serves a batch submission or a results retrieval after the
// SOAP envelope and credentials were checked.
func (s *Sim) handleBatch(w http.ResponseWriter, r *http.Request, req *coreRequest, submit bool) {
	if code, msg := s.checkBatchFields(req, submit); code != "" {
		s.count(func(st *Stats) { st.EnvelopeErrors++ })
		writeSOAP(w, http.StatusBadRequest, s.envelopeError(req, code, msg))
		return
	}
	if injected, faulty := s.takeFault(OpBatch, ""); faulty {
		s.count(func(st *Stats) { st.FaultsTriggered++ })
		if injected.Kind != FaultLost && s.applyFault(w, r, req, injected) {
			return
		}
		if injected.Kind == FaultLost {
			// Process and store the answer, then lose it in transit.
			s.batchAnswer(req, submit)
			s.sleep(r.Context(), injected.Delay)
			f := soapFault{status: http.StatusInternalServerError, code: "Receiver", reason: "response lost"}
			writeSOAP(w, f.status, f.render())
			return
		}
	}
	body, replayed := s.batchAnswer(req, submit)
	if replayed {
		w.Header().Set("X-Sim-Replayed", "true")
	}
	writeSOAP(w, http.StatusOK, body)
}

// batchAnswer processes the request once per sender + PayloadID and returns
// the rendered answer; a repeated PayloadID gets the first answer.
func (s *Sim) batchAnswer(req *coreRequest, submit bool) (body []byte, replayed bool) {
	sender := strings.TrimSpace(req.SenderID)
	key := exchangeKey{sender: sender, payloadID: strings.TrimSpace(req.PayloadID)}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.batch.answers[key]; ok {
		s.stats.Replays++
		return b, true
	}
	resp := coreResponse{payloadID: key.payloadID, timeStamp: stamp(now),
		sender: strings.TrimSpace(req.ReceiverID), receiver: sender, errorCode: "Success"}
	element := "COREEnvelopeBatchResultsRetrievalResponse"
	if submit {
		element = "COREEnvelopeBatchSubmissionResponse"
		resp.payloadType = payloadType837P
		payload := []byte(strings.TrimSpace(req.Payload))
		sub := read837(payload)
		if sub == nil {
			resp.payloadType, resp.errorCode, resp.errorMessage = payloadTypeEnvError, "PayloadIllegal",
				"payload is not an X12 interchange"
			s.stats.Rejected++
		} else {
			s.stats.Batches++
			files := s.adjudicate(sub, now)
			if s.batch.pushURL != "" && !s.closed {
				s.push(sender, files)
			} else {
				s.batch.pending[sender] = append(s.batch.pending[sender], files...)
			}
			pcns := make([]string, len(sub.claims))
			for i, c := range sub.claims {
				pcns[i] = c.pcn
			}
			s.batch.submitted = append(s.batch.submitted, Submission{PayloadID: key.payloadID,
				PatientControlNumbers: pcns, Payload: payload})
		}
	} else {
		kind := retrievalKinds[strings.TrimSpace(req.PayloadType)]
		resp.payloadType = kind
		q := s.batch.pending[sender]
		for i, f := range q {
			if f.PayloadType == kind {
				resp.payload = f.Payload
				s.batch.pending[sender] = append(q[:i:i], q[i+1:]...)
				s.stats.Retrievals++
				break
			}
		}
	}
	b := renderBatchResponse(element, resp)
	s.batch.answers[key] = b
	return b, false
}

// checkBatchFields validates a batch envelope's CORE metadata.
func (s *Sim) checkBatchFields(req *coreRequest, submit bool) (code, msg string) {
	v := func(x string) string { return strings.TrimSpace(x) }
	pt := v(req.PayloadType)
	switch {
	case pt == "":
		return "PayloadTypeRequired", "PayloadType is required"
	case submit && pt != payloadType837P:
		return "PayloadTypeIllegal", "only " + payloadType837P + " is supported in batch"
	case !submit && retrievalKinds[pt] == "":
		return "PayloadTypeIllegal", "unknown retrieval payload type"
	case v(req.ProcessingMode) != "Batch":
		return "ProcessingModeIllegal", "ProcessingMode must be Batch"
	case v(req.PayloadID) == "":
		return "PayloadIDRequired", "PayloadID is required"
	case len(v(req.PayloadID)) > maxPayloadIDLen:
		return "PayloadIDIllegal", "PayloadID is too long"
	case !validTimeStamp(v(req.TimeStamp)):
		return "TimeStampIllegal", "TimeStamp must be an XML dateTime"
	case v(req.SenderID) == "":
		return "SenderIDRequired", "SenderID is required"
	case v(req.ReceiverID) == "":
		return "ReceiverIDRequired", "ReceiverID is required"
	case s.opts.ReceiverID != "" && v(req.ReceiverID) != s.opts.ReceiverID:
		return "ReceiverIDIllegal", "unknown ReceiverID"
	case v(req.CORERuleVersion) != coreRuleVersion:
		return "VersionMismatch", "CORERuleVersion must be " + coreRuleVersion
	case submit && v(req.Payload) == "":
		return "PayloadRequired", "Payload is required"
	}
	return "", ""
}

// adjudicated is one claim's fate inside a submission.
type adjudicated struct {
	c        *submittedClaim
	sc       claimScenario
	accepted bool   // by the 999
	payerCCN string // CLP07 / REF*1K
}

// adjudicate builds the 999, the 277CA and the 835s of a submission. It
// runs with s.mu held.
func (s *Sim) adjudicate(sub *submission, now time.Time) []ResultsFile {
	broken := map[string]bool{}
	for _, st := range sub.setsBroken {
		broken[st] = true
	}
	claims := make([]adjudicated, len(sub.claims))
	for i := range sub.claims {
		c := &sub.claims[i]
		sc := claimScenarioFor(c.pcn, c.frequency, s.batch.seenPCN[c.pcn])
		s.batch.seenPCN[c.pcn] = true
		s.batch.payerSeq++
		claims[i] = adjudicated{c: c, sc: sc, accepted: sc != claimReject999 && !broken[c.setControl] && c.pcn != "",
			payerCCN: "PCC" + strconv.FormatInt(s.batch.payerSeq, 10)}
	}
	files := []ResultsFile{{PayloadType: payloadType999, Payload: s.build999Claims(sub, claims, now)}}
	var acked []adjudicated
	for _, a := range claims {
		if a.accepted {
			acked = append(acked, a)
		}
	}
	if len(acked) == 0 {
		return files
	}
	files = append(files, ResultsFile{PayloadType: payloadType277CA, Payload: s.build277CA(sub, acked, now)})
	var paid, second []adjudicated
	var malformed []adjudicated
	for _, a := range acked {
		switch a.sc {
		case claimReject277, claimNoRemit, claimVoid:
		case claimMalformed835:
			malformed = append(malformed, a)
		case claimReversal:
			paid = append(paid, a)
			second = append(second, a)
		default:
			paid = append(paid, a)
		}
	}
	if len(paid) > 0 {
		files = append(files, ResultsFile{PayloadType: payloadType835, Payload: s.build835(sub, paid, false, now)})
	}
	if len(second) > 0 {
		files = append(files, ResultsFile{PayloadType: payloadType835, Payload: s.build835(sub, second, true, now)})
	}
	for _, a := range malformed {
		full := string(s.build835(sub, []adjudicated{a}, false, now))
		cut := strings.Index(full, "CLP")
		files = append(files, ResultsFile{PayloadType: payloadType835, Payload: []byte(full[:cut+20])})
	}
	return files
}

// nextEnvelope returns the envelope of the simulator's next answer to sub.
func (s *Sim) nextEnvelope(sub *submission, functionalID, setID, version string) envelope {
	s.batch.control++
	n := strconv.FormatInt(s.batch.control, 10)
	return envelope{
		senderQual: sub.isa.el(7), sender: strings.TrimSpace(sub.isa.el(8)),
		receiverQual: sub.isa.el(5), receiver: strings.TrimSpace(sub.isa.el(6)),
		gsSender: sub.gs.el(3), gsReceiver: sub.gs.el(2),
		isaControl: pad9(n), gsControl: n, stControl: "0001",
		usage: sub.isa.el(15), functionalID: functionalID, setID: setID, version: version,
	}
}

// pad9 zero-pads an ISA13.
func pad9(n string) string {
	return strings.Repeat("0", max(0, 9-len(n))) + n
}

// build999Claims acknowledges every transaction set of sub.
func (s *Sim) build999Claims(sub *submission, claims []adjudicated, now time.Time) []byte {
	w := &writer{d: sub.d}
	e := s.nextEnvelope(sub, "FA", "999", "005010X231A1")
	w.open(e, now)
	w.seg("AK1", "HC", sub.gs.el(6), "005010X222A1")
	accepted := 0
	for _, a := range claims {
		w.seg("AK2", "837", a.c.setControl, "005010X222A1")
		if a.accepted {
			accepted++
			w.seg("IK5", "A")
			continue
		}
		if a.c.clmPosition > 0 {
			w.seg("IK3", "CLM", strconv.Itoa(a.c.clmPosition), "2300", "8")
			w.seg("IK4", "2", "782", "7")
		}
		w.seg("IK5", "R", ik5SegmentErrors)
	}
	status := "A"
	switch {
	case accepted == 0:
		status = "R"
	case accepted < len(claims):
		status = "P"
	}
	n := strconv.Itoa(len(claims))
	w.seg("AK9", status, n, n, strconv.Itoa(accepted))
	w.close(e)
	return []byte(w.b.String())
}

// build277CA acknowledges the claims the 999 accepted.
func (s *Sim) build277CA(sub *submission, acked []adjudicated, now time.Time) []byte {
	w := &writer{d: sub.d}
	e := s.nextEnvelope(sub, "HN", "277", "005010X214")
	comp := string(sub.d.comp)
	d8 := now.Format("20060102")
	w.open(e, now)
	w.seg("BHT", "0085", "08", sub.bht03, d8, now.Format("1504"), "TH")
	first := acked[0].c
	w.seg("HL", "1", "", "20", "1")
	w.seg("NM1", "PR", "2", first.payerName, "", "", "", "", "PI", first.payerID)
	w.seg("TRN", "1", "CHSIM-"+e.gsControl)
	w.seg("DTP", "050", "D8", d8)
	w.seg("DTP", "009", "D8", d8)
	w.seg("HL", "2", "1", "21", "1")
	w.seg("NM1", "41", "2", sub.submitter.el(3), "", "", "", "", "46", sub.submitter.el(9))
	w.seg("TRN", "2", sub.bht03)
	w.seg("STC", "A1"+comp+"19"+comp+"PR", d8, "WQ")
	hl := 2
	for _, a := range acked {
		c := a.c
		hl++
		provider := hl
		w.seg("HL", strconv.Itoa(provider), "2", "19", "1")
		w.seg("NM1", "85", "2", c.billingName, "", "", "", "", "XX", c.billingNPI)
		w.seg("TRN", "1", "0")
		w.seg("STC", "A1"+comp+"19"+comp+"PR", d8, "WQ")
		hl++
		w.seg("HL", strconv.Itoa(hl), strconv.Itoa(provider), "PT")
		pt := c.subscriber
		if c.patient != nil {
			pt = c.patient
		}
		w.seg("NM1", "QC", "1", pt.el(3), pt.el(4), "", "", "", "MI", c.subscriber.el(9))
		w.seg("TRN", "2", c.pcn)
		if a.sc == claimReject277 {
			w.seg("STC", "A7"+comp+"21"+comp+"IL", d8, "U", money(c.charge), "", "", "", "", "",
				"A7"+comp+"562"+comp+"85")
		} else {
			w.seg("STC", "A2"+comp+"20"+comp+"PR", d8, "WQ", money(c.charge))
			w.seg("REF", "1K", a.payerCCN)
		}
		w.seg("REF", "D9", "CHSIM-"+c.setControl)
		if len(c.lines) > 0 && c.lines[0].date != "" {
			w.seg("DTP", "472", "D8", c.lines[0].date)
		}
	}
	w.close(e)
	return []byte(w.b.String())
}

// build835 pays claims by scenario in one advice; reversal writes the
// second 835 of ClaimReversal (the reversal and the new payment).
func (s *Sim) build835(sub *submission, claims []adjudicated, reversal bool, now time.Time) []byte {
	w := &writer{d: sub.d}
	e := s.nextEnvelope(sub, "HP", "835", "005010X221A1")
	comp := string(sub.d.comp)
	d8 := now.Format("20060102")
	first := claims[0].c
	// The claims are written first, to know the check total the BPR
	// before them carries; inSet makes body count its segments for SE01.
	body := writer{d: sub.d, inSet: true}
	var total int64
	plb := false
	for _, a := range claims {
		c := a.c
		if reversal {
			// The reversal of the first 835's full payment.
			body.seg("CLP", c.pcn, "22", money(-c.charge), money(-c.charge), "", "CI", a.payerCCN, c.place, "1")
			total -= c.charge
			s.batch.payerSeq++
			a.payerCCN = "PCC" + strconv.FormatInt(s.batch.payerSeq, 10)
			a.sc = claimPartial
		}
		status, paid, pr := "1", int64(0), int64(0)
		type lineOut struct {
			l            *submittedLine
			paid, co, pt int64
		}
		outs := make([]lineOut, len(c.lines))
		for i := range c.lines {
			l := &c.lines[i]
			o := lineOut{l: l}
			switch a.sc {
			case claimDenied:
				status = "4"
				o.co = l.charge
			case claimPartial:
				o.co, o.pt = l.charge*20/100, l.charge*10/100
				o.paid = l.charge - o.co - o.pt
			default:
				o.paid = l.charge
			}
			paid += o.paid
			pr += o.pt
			outs[i] = o
		}
		if a.sc == claimPLB {
			plb = true
		}
		total += paid
		body.seg("CLP", c.pcn, status, money(c.charge), money(paid), money(pr), "CI", a.payerCCN, c.place, "1")
		sb := c.subscriber
		body.seg("NM1", "QC", "1", sb.el(3), sb.el(4), "", "", "", "MI", sb.el(9))
		for _, o := range outs {
			body.seg("SVC", o.l.procedure, money(o.l.charge), money(o.paid), "", o.l.units)
			if o.l.date != "" {
				body.seg("DTM", "472", o.l.date)
			}
			if o.co != 0 {
				reason := "45"
				if a.sc == claimDenied {
					reason = "50"
				}
				body.seg("CAS", "CO", reason, money(o.co))
			}
			if o.pt != 0 {
				body.seg("CAS", "PR", "2", money(o.pt))
			}
			if o.l.control != "" {
				body.seg("REF", "6R", o.l.control)
			}
			if a.sc == claimDenied {
				body.seg("LQ", "HE", "N115")
			}
		}
	}
	if plb {
		total -= cents(PLBInterest)
	}
	w.open(e, now)
	if total > 0 {
		w.seg("BPR", "I", money(total), "C", "CHK", "", "", "", "", "", "", "", "", "", "", "", d8)
	} else {
		flag := "C"
		if total < 0 {
			flag = "D"
		}
		w.seg("BPR", "H", money(abs(total)), flag, "NON", "", "", "", "", "", "", "", "", "", "", "", d8)
	}
	w.seg("TRN", "1", "CHSIM-EFT-"+e.gsControl, "1512345678")
	w.seg("N1", "PR", first.payerName)
	w.seg("N3", "PO BOX 1000")
	w.seg("N4", "SPRINGFIELD", "IL", "62701")
	w.seg("REF", "2U", first.payerID)
	w.seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100")
	w.seg("N1", "PE", first.billingName, "XX", first.billingNPI)
	w.seg("LX", "1")
	w.b.WriteString(body.b.String())
	w.counted += body.counted
	if plb {
		w.seg("PLB", first.billingNPI, now.Format("2006")+"1231", "L6"+comp+"INTEREST", PLBInterest)
	}
	w.close(e)
	return []byte(w.b.String())
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
