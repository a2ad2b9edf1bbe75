package claims

import (
	"strconv"

	"github.com/careflow/engine/codecs/x12"
)

// Routed is one claim's part of a results file, ready to signal.
type Routed struct {
	// PatientControlNumber addresses 277CA and 835 parts (WorkflowID of it).
	PatientControlNumber string `json:"patientControlNumber,omitempty"`
	// GroupControlNumber addresses a 999 (through the interchange crosswalk).
	GroupControlNumber int64           `json:"groupControlNumber,omitempty"`
	Ack                *AckSignal      `json:"ack,omitempty"`
	ClaimAck           *ClaimAckSignal `json:"claimAck,omitempty"`
	Remit              *RemitSignal    `json:"remit,omitempty"`
}

// Split999Sets reads a 999 into one verdict per acknowledged transaction set (batched
// interchanges carry a claim per set); the group's AK9 errors go to every set. A 999
// without AK2 loops gives one whole-group verdict.
func Split999Sets(payload []byte) ([]Routed, error) {
	a, err := x12.Parse999(payload)
	if err != nil {
		return nil, err
	}
	var group []Reason
	for _, e := range a.Errors {
		group = append(group, Reason{Source: "999", Code: "AK9:" + e.Code, Meaning: e.Meaning})
	}
	if len(a.SetResponses) == 0 {
		return []Routed{{GroupControlNumber: a.GroupControlNumber,
			Ack: &AckSignal{GroupControlNumber: a.GroupControlNumber, Accepted: a.Accepted, Reasons: group}}}, nil
	}
	out := make([]Routed, 0, len(a.SetResponses))
	for _, r := range a.SetResponses {
		s := &AckSignal{GroupControlNumber: a.GroupControlNumber, SetControlNumber: r.ControlNumber, Accepted: r.Accepted,
			Reasons: append([]Reason(nil), group...)}
		s.Reasons = append(s.Reasons, setReasons(r)...)
		out = append(out, Routed{GroupControlNumber: a.GroupControlNumber, Ack: s})
	}
	return out, nil
}

// setReasons decodes one set's IK5, IK3 and IK4 errors.
func setReasons(r x12.SetResponse) []Reason {
	var out []Reason
	for _, e := range r.Errors {
		out = append(out, Reason{Source: "999", Code: "IK5:" + e.Code, Meaning: e.Meaning})
	}
	for _, se := range r.SegmentErrors {
		out = append(out, Reason{Source: "999", Code: "IK3:" + se.Code, Meaning: se.Meaning,
			Segment: se.SegmentID, Loop: se.Loop})
		for _, ee := range se.ElementErrors {
			out = append(out, Reason{Source: "999", Code: "IK4:" + ee.Code, Meaning: ee.Meaning,
				Segment: se.SegmentID, Loop: se.Loop, Element: se.SegmentID + strconv.Itoa(ee.Position)})
		}
	}
	return out
}

// Split999 reads a 999 into the verdict on the group it acknowledges. Claims are sent one
// per interchange, so the group's verdict (with every set's errors) is the claim's.
func Split999(payload []byte) (Routed, error) {
	a, err := x12.Parse999(payload)
	if err != nil {
		return Routed{}, err
	}
	s := &AckSignal{GroupControlNumber: a.GroupControlNumber, Accepted: a.Accepted}
	for _, e := range a.Errors {
		s.Reasons = append(s.Reasons, Reason{Source: "999", Code: "AK9:" + e.Code, Meaning: e.Meaning})
	}
	for _, r := range a.SetResponses {
		if !r.Accepted {
			s.Accepted = false
		}
		s.Reasons = append(s.Reasons, setReasons(r)...)
	}
	return Routed{GroupControlNumber: a.GroupControlNumber, Ack: s}, nil
}

// Split277CA reads a 277CA into one verdict per claim.
func Split277CA(payload []byte) ([]Routed, error) {
	a, err := x12.Parse277CA(payload)
	if err != nil {
		return nil, err
	}
	out := make([]Routed, 0, len(a.Claims))
	for _, c := range a.Claims {
		s := &ClaimAckSignal{Accepted: c.Accepted, Rejected: c.Rejected, PayerClaimControlNumber: c.PayerClaimControlNumber}
		if c.Rejected {
			for _, st := range c.Statuses {
				for _, sc := range st.Codes {
					s.Reasons = append(s.Reasons, Reason{Source: "277CA", Code: sc.Category + ":" + sc.Status,
						Meaning: joinMeaning(sc.CategoryMeaning, sc.StatusMeaning), Entity: sc.Entity})
				}
			}
		}
		out = append(out, Routed{PatientControlNumber: c.PatientControlNumber, ClaimAck: s})
	}
	return out, nil
}

func joinMeaning(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

// Split835 reads an 835 into one signal per claim per advice: every CLP of a patient control
// number in one advice (a reversal and its new payment) travels together under the advice's
// TRN.
func Split835(payload []byte) ([]Routed, error) {
	r, err := x12.Parse835(payload)
	if err != nil {
		return nil, err
	}
	var out []Routed
	for _, adv := range r.Advices {
		var plb []Adjustment
		for _, p := range adv.ProviderAdjustments {
			plb = append(plb, Adjustment{Reason: p.Reason, Amount: int64(p.Amount)})
		}
		index := map[string]int{}
		for _, c := range adv.Claims {
			i, ok := index[c.PatientControlNumber]
			if !ok {
				i = len(out)
				index[c.PatientControlNumber] = i
				out = append(out, Routed{PatientControlNumber: c.PatientControlNumber, Remit: &RemitSignal{
					Trace: adv.Trace.Number, PaymentMethod: adv.PaymentMethod, PaymentDate: adv.PaymentDate,
					ProviderAdjustments: plb}})
			}
			out[i].Remit.Claims = append(out[i].Remit.Claims, posting(c))
		}
	}
	return out, nil
}

// posting converts one CLP loop.
func posting(c x12.ClaimPayment) ClaimPosting {
	p := ClaimPosting{Status: c.Status, Charge: int64(c.Charge), Paid: int64(c.Paid),
		PatientResponsibility: int64(c.PatientResponsibility), PayerClaimControlNumber: c.PayerClaimControlNumber,
		Adjustments: adjustments(c.Adjustments)}
	for _, s := range c.Services {
		p.Lines = append(p.Lines, LinePosting{Code: s.Code, LineControlNumber: s.LineControlNumber,
			Charge: int64(s.Charge), Paid: int64(s.Paid), Adjustments: adjustments(s.Adjustments),
			RemarkCodes: s.RemarkCodes})
	}
	return p
}

func adjustments(in []x12.Adjustment) []Adjustment {
	var out []Adjustment
	for _, a := range in {
		out = append(out, Adjustment{Group: a.Group, Reason: a.Reason, Amount: int64(a.Amount)})
	}
	return out
}
