package x12

// Parse270 parses a 270 eligibility inquiry interchange back into an
// InquiryRequest. The clearinghouse simulator uses it to answer inquiries, and
// tests use it to check Build270 by round trip. It applies the same envelope
// and hierarchy checks as Parse271; malformed input yields a *ParseError.
func Parse270(data []byte) (*InquiryRequest, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	ic, err := readInterchange(d, segs, "270")
	if err != nil {
		return nil, err
	}
	if len(ic.sets) != 1 {
		return nil, segErr(&ic.sets[1].segs[0], 0, "more than one transaction set is not supported")
	}
	set := ic.sets[0].segs
	body := set[1 : len(set)-1]
	if len(body) == 0 || body[0].ID != "BHT" {
		return nil, segErr(&set[0], 0, "BHT must follow ST")
	}
	req := &InquiryRequest{Envelope: ic.env}
	var h hierarchy
	level := ""
	var seen [4]bool
	for i := 1; i < len(body); i++ {
		s := &body[i]
		if s.ID == "HL" {
			if level, err = h.enter(s); err != nil {
				return nil, err
			}
			if seen[levelIndex(level)] {
				return nil, segErr(s, 3, "repeated hierarchical level is not supported")
			}
			seen[levelIndex(level)] = true
			if level == levelDependent {
				req.Dependent = &Dependent{}
			}
			continue
		}
		if level == "" {
			return nil, segErr(s, 0, "segment before the first HL")
		}
		if err := req.apply270(s, level); err != nil {
			return nil, err
		}
	}
	if !seen[levelIndex(levelSubscriber)] {
		return nil, &ParseError{Segment: set[len(set)-1].Index, SegmentID: "SE", Reason: "inquiry has no subscriber loop"}
	}
	return req, nil
}

// apply270 maps one segment of hierarchical level level onto req.
func (req *InquiryRequest) apply270(s *Segment, level string) error {
	patient := level == levelDependent || level == levelSubscriber
	switch s.ID {
	case "NM1":
		switch level {
		case levelSource:
			req.PayerName, req.PayerID = s.Element(3), s.Element(9)
		case levelReceiver:
			if s.Element(2) == "1" {
				req.Provider.LastName, req.Provider.FirstName = s.Element(3), s.Element(4)
			} else {
				req.Provider.OrganizationName = s.Element(3)
			}
			if s.Element(8) == "XX" {
				req.Provider.NPI = s.Element(9)
			}
		case levelSubscriber:
			req.Subscriber.LastName, req.Subscriber.FirstName = s.Element(3), s.Element(4)
			req.Subscriber.MemberID = s.Element(9)
		case levelDependent:
			req.Dependent.LastName, req.Dependent.FirstName = s.Element(3), s.Element(4)
		}
	case "TRN":
		if patient && s.Element(1) == "1" && req.TraceNumber == "" {
			req.TraceNumber, req.TraceOriginator = s.Element(2), s.Element(3)
		}
	case "REF":
		if patient && (s.Element(1) == "6P" || s.Element(1) == "1L") && req.Subscriber.GroupNumber == "" {
			req.Subscriber.GroupNumber = s.Element(2)
		}
	case "DMG":
		if !patient {
			return nil
		}
		if s.Element(1) != "D8" {
			return segErr(s, 1, "date format qualifier is not D8")
		}
		dob, ok := parseD8(s.Element(2))
		if !ok {
			return segErr(s, 2, "invalid birth date")
		}
		if level == levelDependent {
			req.Dependent.BirthDate, req.Dependent.Gender = dob, s.Element(3)
		} else {
			req.Subscriber.BirthDate, req.Subscriber.Gender = dob, s.Element(3)
		}
	case "INS":
		if level == levelDependent {
			req.Dependent.Relationship = s.Element(2)
		}
	case "DTP":
		if !patient {
			return nil
		}
		dr, err := parseDTP(s)
		if err != nil {
			return err
		}
		if dr.Qualifier == "291" {
			req.ServiceDate = dr.Start
		}
	case "EQ":
		if !patient {
			return segErr(s, 0, "EQ outside a subscriber or dependent loop")
		}
		sts := s.Repetitions(1)
		if len(sts) == 0 {
			return segErr(s, 1, "service type code is missing")
		}
		req.ServiceTypes = append(req.ServiceTypes, sts...)
	}
	return nil
}
