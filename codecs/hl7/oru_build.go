package hl7

// ResultInput is what BuildORU needs: the envelope, the patient and the
// result groups, in the same typed form ParseORU returns.
type ResultInput struct {
	Envelope
	// Patient goes to PID; at least one identifier with an ID is required.
	Patient Patient
	// PatientClass, when set, adds a PV1 with PV1-2.
	PatientClass string
	// Orders become ORC/OBR/NTE/OBX/NTE groups. ORC-1 defaults to "RE"
	// (observations follow) and ORC-2 to OBR-2; OBR-1 and OBX-1 default to
	// their position.
	Orders []OrderResult
}

// BuildORU builds an ORU^R01 result message from in, the inverse of
// ParseORU. Problems with in are reported together in a *ValidationError.
func BuildORU(in ResultInput) (*Message, error) {
	p := &problems{kind: "ORU^R01"}
	if len(in.Patient.Identifiers) == 0 || in.Patient.Identifiers[0].ID == "" {
		p.add("patient identifier is required")
	}
	if len(in.Orders) == 0 {
		p.add("at least one order is required")
	}
	m := in.Envelope.start("ORU", "R01", "ORU_R01", p)
	if m == nil {
		return nil, p.err()
	}
	m.addPID(in.Patient)
	if in.PatientClass != "" {
		m.add("PV1", "1", m.Delims.EscapeText(in.PatientClass))
	}
	for i := range in.Orders {
		m.addOrderResult(&in.Orders[i], i+1, p)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// addOrderResult appends one ORDER_OBSERVATION group, reporting problems to p.
func (m *Message) addOrderResult(r *OrderResult, n int, p *problems) {
	d := &m.Delims
	req, common := r.Request, r.Common
	if common.PlacerOrderNumber.ID == "" {
		common.PlacerOrderNumber = req.PlacerOrderNumber
	}
	if req.PlacerOrderNumber.ID == "" {
		req.PlacerOrderNumber = common.PlacerOrderNumber
	}
	if req.PlacerOrderNumber.ID == "" {
		p.add("order " + itoa(n) + ": placer order number is required")
	}
	if req.Service.Code == "" {
		p.add("order " + itoa(n) + ": service code (OBR-4) is required")
	}
	if common.Control == "" {
		common.Control = "RE"
	}
	if req.SetID == "" {
		req.SetID = itoa(n)
	}
	m.add("ORC", d.EscapeText(common.Control), d.encodeEI(common.PlacerOrderNumber), d.encodeEI(common.FillerOrderNumber),
		"", d.EscapeText(common.Status), "", "", "", d.EscapeText(common.TransactionTime), "", "", d.encodeXCN(common.OrderingProvider))
	m.add("OBR", d.EscapeText(req.SetID), d.encodeEI(req.PlacerOrderNumber), d.encodeEI(req.FillerOrderNumber),
		d.encodeCWE(req.Service), d.EscapeText(req.Priority), "", d.EscapeText(req.ObservedAt),
		"", "", "", "", "", "", "", "", d.encodeXCN(req.OrderingProvider),
		"", "", "", "", "", d.EscapeText(req.ReportedAt), "", "", d.EscapeText(req.ResultStatus))
	m.addNTEs(r.Notes)
	for j := range r.Observations {
		m.addOBX(&r.Observations[j], n, j+1, p)
	}
}

// addOBX appends one OBX and its notes, reporting problems to p.
func (m *Message) addOBX(o *Observation, order, n int, p *problems) {
	d := &m.Delims
	where := "order " + itoa(order) + " observation " + itoa(n) + ": "
	if o.Code.Code == "" {
		p.add(where + "code (OBX-3) is required")
	}
	if !resultStatuses[o.Status] {
		p.add(where + "status (OBX-11) is not an HL7 table 0085 code")
	}
	value, err := d.encodeValue(o.Value)
	if err != nil {
		p.add(where + "value is " + err.Error())
	}
	if o.Value.Type == "" && value != "" {
		p.add(where + "value type (OBX-2) is required with a value")
	}
	flags := make([]string, len(o.AbnormalFlags))
	for i, f := range o.AbnormalFlags {
		flags[i] = d.EscapeText(f)
	}
	setID := o.SetID
	if setID == "" {
		setID = itoa(n)
	}
	m.add("OBX", d.EscapeText(setID), d.EscapeText(o.Value.Type), d.encodeCWE(o.Code), d.EscapeText(o.SubID), value,
		d.encodeCWE(o.Units), d.EscapeText(o.ReferenceRange), joinRaw(d.Repetition, flags...),
		"", "", d.EscapeText(o.Status), "", "", d.EscapeText(o.ObservedAt))
	m.addNTEs(o.Notes)
}
