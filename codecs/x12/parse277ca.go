package x12

import (
	"strconv"
	"time"
)

// Version277CA is the implementation guide of the claim acknowledgment.
const Version277CA = "005010X214"

// StatusCode is one STC composite: a claim status category, a claim status
// code and the entity they concern.
type StatusCode struct {
	// Category is e.g. A1 receipt, A2 accepted into adjudication, A3
	// returned as unprocessable, A6/A7/A8 rejected.
	Category string
	// CategoryMeaning is the standard text of Category ("" when unknown).
	CategoryMeaning string
	// Status is the claim status code (e.g. 20 accepted for processing, 21
	// missing or invalid information).
	Status string
	// StatusMeaning is the text of the commonest codes ("" otherwise).
	StatusMeaning string
	// Entity is the entity identifier code the status concerns (PR payer,
	// 85 billing provider, IL subscriber, QC patient...).
	Entity string
}

// StatusInfo is one STC segment.
type StatusInfo struct {
	// Codes are STC01, then STC10 and STC11 when sent.
	Codes []StatusCode
	// Date is STC02, the status effective date.
	Date time.Time
	// Action is STC03: WQ accepted, U rejected.
	Action string
	// Charge is STC04, nil when absent.
	Charge *Money
}

// ClaimAck is the acknowledgment of one claim (loop 2200D).
type ClaimAck struct {
	// PatientControlNumber is TRN02, the CLM01 the provider submitted
	// (REF*EJ when no TRN precedes it).
	PatientControlNumber string
	// BillingProviderID is NM109 of the provider level above (the NPI when
	// NM108 is XX).
	BillingProviderID string
	// PayerClaimControlNumber is REF*1K, ClearinghouseTrace REF*D9.
	PayerClaimControlNumber, ClearinghouseTrace string
	// ServiceDate and ServiceDateEnd are DTP*472.
	ServiceDate, ServiceDateEnd time.Time
	// Statuses are the claim's STC segments.
	Statuses []StatusInfo
	// Accepted is true when some status accepts the claim (categories A0,
	// A1, A2, A5) and none rejects it; Rejected when one rejects it (A3,
	// A4, A6, A7, A8). Both are false for pending or error categories.
	Accepted, Rejected bool
	// Lines are the service line acknowledgments (loop 2220D).
	Lines []LineAck
}

// LineAck is one SVC loop of a 277CA.
type LineAck struct {
	Qualifier, Code string
	Modifiers       []string
	Charge          Money
	// LineControlNumber is REF*FJ, the REF*6R of the 837 line.
	LineControlNumber string
	Statuses          []StatusInfo
}

// ClaimAcknowledgment is a parsed 277CA interchange.
type ClaimAcknowledgment struct {
	// Envelope is the 277CA's own interchange and group framing.
	Envelope Envelope
	// BatchStatuses are the STC of the information receiver level (2200B),
	// about the submission as a whole.
	BatchStatuses []StatusInfo
	// ProviderStatuses are the STC of the provider levels (2200C).
	ProviderStatuses []StatusInfo
	// Claims are the claim acknowledgments in order.
	Claims []ClaimAck
}

// FindClaim returns the acknowledgment of patient control number pcn, or nil.
func (a *ClaimAcknowledgment) FindClaim(pcn string) *ClaimAck {
	for i := range a.Claims {
		if a.Claims[i].PatientControlNumber == pcn {
			return &a.Claims[i]
		}
	}
	return nil
}

// statusCategories are the claim status category codes a 277CA uses.
var statusCategories = map[string]string{
	"A0": "Acknowledgement/Forwarded",
	"A1": "Acknowledgement/Receipt",
	"A2": "Acknowledgement/Acceptance into adjudication system",
	"A3": "Acknowledgement/Returned as unprocessable claim",
	"A4": "Acknowledgement/Not Found",
	"A5": "Acknowledgement/Split Claim",
	"A6": "Acknowledgement/Rejected for Missing Information",
	"A7": "Acknowledgement/Rejected for Invalid Information",
	"A8": "Acknowledgement/Rejected for relational field in error",
	"E0": "Response not possible - error on submitted request data",
	"E1": "Response not possible - System Status",
	"E2": "Information Holder is not responding; resubmit at a later time",
	"E3": "Correction required - relational fields in error",
	"E4": "Trading partner agreement specific requirement not met: Data correction required",
}

// statusCodes are the commonest claim status codes in acknowledgments; the
// full list is maintained outside X12 and is not reproduced.
var statusCodes = map[string]string{
	"19": "Entity acknowledges receipt of claim/encounter",
	"20": "Accepted for processing",
	"21": "Missing or invalid information",
}

// acceptCategory reports whether a category accepts (1), rejects (-1) or
// neither (0).
func acceptCategory(c string) int {
	switch c {
	case "A0", "A1", "A2", "A5":
		return 1
	case "A3", "A4", "A6", "A7", "A8":
		return -1
	}
	return 0
}

// HL03 levels of the 277CA.
var levels277 = map[string]string{ // level -> parent level
	"20": "",
	"21": "20",
	"19": "21",
	"PT": "19",
}

// Parse277CA parses a 277CA claim acknowledgment interchange (005010X214):
// the HL hierarchy information source > receiver > provider > patient, each
// claim's TRN patient control number, REF payer and clearinghouse numbers and
// STC statuses, and service line statuses. Segments it does not map (QTY,
// AMT, names) are skipped. Malformed input yields a *ParseError.
func Parse277CA(data []byte) (*ClaimAcknowledgment, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	ic, err := readInterchange(d, segs, "277")
	if err != nil {
		return nil, err
	}
	ack := &ClaimAcknowledgment{Envelope: ic.env}
	for _, set := range ic.sets {
		if err := ack.parseSet(set.segs); err != nil {
			return nil, err
		}
	}
	return ack, nil
}

func (a *ClaimAcknowledgment) parseSet(set []Segment) error {
	body := set[1 : len(set)-1]
	if len(body) == 0 || body[0].ID != "BHT" {
		return segErr(&set[0], 0, "BHT must follow ST")
	}
	var (
		levels   []string // levels[i] is HL03 of HL01 = i+1
		level    string
		provider string
		claim    *ClaimAck
		claimHL  *Segment
		line     *LineAck
	)
	closeClaim := func() error {
		if claim == nil {
			return nil
		}
		if claim.PatientControlNumber == "" {
			return segErr(claimHL, 0, "patient level has no TRN patient control number")
		}
		if len(claim.Statuses) == 0 {
			return segErr(claimHL, 0, "patient level has no STC status")
		}
		accept, reject := false, false
		for _, st := range claim.Statuses {
			for _, c := range st.Codes {
				switch acceptCategory(c.Category) {
				case 1:
					accept = true
				case -1:
					reject = true
				}
			}
		}
		claim.Rejected = reject
		claim.Accepted = accept && !reject
		claim, line = nil, nil
		return nil
	}
	for i := 1; i < len(body); i++ {
		s := &body[i]
		switch s.ID {
		case "HL":
			if err := closeClaim(); err != nil {
				return err
			}
			id, err := strconv.Atoi(s.Element(1))
			if err != nil || id != len(levels)+1 {
				return segErr(s, 1, "hierarchical id is not the next number in sequence")
			}
			lv := s.Element(3)
			parentLevel, known := levels277[lv]
			if !known {
				return segErr(s, 3, "unknown hierarchical level code")
			}
			if parentLevel == "" {
				if s.Element(2) != "" {
					return segErr(s, 2, "information source level must have no parent")
				}
			} else {
				p, err := strconv.Atoi(s.Element(2))
				if err != nil || p < 1 || p > len(levels) || levels[p-1] != parentLevel {
					return segErr(s, 2, "parent id does not name the level above")
				}
			}
			levels = append(levels, lv)
			level = lv
			if lv == "19" {
				provider = ""
			}
			if lv == "PT" {
				a.Claims = append(a.Claims, ClaimAck{BillingProviderID: provider})
				claim, claimHL = &a.Claims[len(a.Claims)-1], s
			}
		case "NM1":
			if level == "19" && s.Element(1) == "85" {
				provider = s.Element(9)
			}
		case "TRN":
			if claim != nil {
				if claim.PatientControlNumber != "" {
					return segErr(s, 0, "TRN after the patient level's control number")
				}
				claim.PatientControlNumber = s.Element(2)
				if claim.PatientControlNumber == "" {
					return segErr(s, 2, "patient control number is missing")
				}
			}
		case "STC":
			st, err := parseSTC(s)
			if err != nil {
				return err
			}
			switch {
			case line != nil:
				line.Statuses = append(line.Statuses, st)
			case claim != nil:
				claim.Statuses = append(claim.Statuses, st)
			case level == "21":
				a.BatchStatuses = append(a.BatchStatuses, st)
			case level == "19":
				a.ProviderStatuses = append(a.ProviderStatuses, st)
			default:
				return segErr(s, 0, "status outside a receiver, provider or patient level")
			}
		case "REF":
			switch {
			case line != nil && s.Element(1) == "FJ":
				line.LineControlNumber = s.Element(2)
			case claim != nil && line == nil && s.Element(1) == "1K":
				claim.PayerClaimControlNumber = s.Element(2)
			case claim != nil && line == nil && s.Element(1) == "D9":
				claim.ClearinghouseTrace = s.Element(2)
			case claim != nil && line == nil && s.Element(1) == "EJ" && claim.PatientControlNumber == "":
				// Some payers repeat the patient account number here and
				// leave TRN02 to their own batch number; TRN wins when both
				// are sent, because it comes first in the loop.
				claim.PatientControlNumber = s.Element(2)
			}
		case "DTP":
			if claim == nil || s.Element(1) != "472" {
				continue
			}
			dr, err := parseDTP(s)
			if err != nil {
				return err
			}
			if line == nil {
				claim.ServiceDate, claim.ServiceDateEnd = dr.Start, dr.End
			}
		case "SVC":
			if claim == nil {
				return segErr(s, 0, "service line outside a patient level")
			}
			comps := s.Components(1)
			if len(comps) < 2 || comps[0] == "" || comps[1] == "" {
				return segErr(s, 1, "procedure qualifier or code is missing")
			}
			la := LineAck{Qualifier: comps[0], Code: comps[1]}
			for k := 2; k < len(comps) && k < 6; k++ {
				if comps[k] != "" {
					la.Modifiers = append(la.Modifiers, comps[k])
				}
			}
			m, ok := parseMoney(s.Element(2))
			if !ok {
				return segErr(s, 2, "line charge is not a decimal")
			}
			la.Charge = m
			claim.Lines = append(claim.Lines, la)
			line = &claim.Lines[len(claim.Lines)-1]
		}
	}
	return closeClaim()
}

// parseSTC reads one STC segment.
func parseSTC(s *Segment) (StatusInfo, error) {
	var st StatusInfo
	for _, el := range [3]int{1, 10, 11} {
		if s.Element(el) == "" {
			if el == 1 {
				return st, segErr(s, 1, "status information is missing")
			}
			continue
		}
		c := StatusCode{Category: s.Component(el, 1), Status: s.Component(el, 2), Entity: s.Component(el, 3)}
		if c.Category == "" || c.Status == "" {
			return st, segErr(s, el, "status category or status code is missing")
		}
		c.CategoryMeaning = statusCategories[c.Category]
		c.StatusMeaning = statusCodes[c.Status]
		st.Codes = append(st.Codes, c)
	}
	if v := s.Element(2); v != "" {
		t, ok := parseD8(v)
		if !ok {
			return st, segErr(s, 2, "invalid status date")
		}
		st.Date = t
	}
	st.Action = s.Element(3)
	if v := s.Element(4); v != "" {
		m, ok := parseMoney(v)
		if !ok {
			return st, segErr(s, 4, "charge is not a decimal")
		}
		st.Charge = &m
	}
	return st, nil
}
