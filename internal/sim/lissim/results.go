package lissim

import (
	"time"

	"github.com/careflow/engine/codecs/hl7"
)

// obsResult is one observation of one ORU: what is reported and how.
type obsResult struct {
	a      analyte
	value  string
	status string
	note   string
}

// observations returns the observations per ordered test for an ORU of
// scenario sc with result status status. Every scenario starts from the
// catalog's in-range values; critical-potassium and corrected change one.
func observations(tests []hl7.CWE, sc Scenario, status string) [][]obsResult {
	groups := make([][]obsResult, len(tests))
	for i, t := range tests {
		for _, a := range analytesFor(t) {
			groups[i] = append(groups[i], obsResult{a: a, value: a.normal, status: status})
		}
	}
	if len(groups) == 0 {
		return groups
	}
	switch sc {
	case ScenarioCriticalPotassium:
		found := false
		for _, g := range groups {
			for j := range g {
				if g[j].a.code == LOINCPotassium {
					g[j].value, found = CriticalPotassium, true
				}
			}
		}
		// An order without potassium still gets the critical value, as a
		// reflex result in the first group, so the scenario works with any test.
		if !found {
			groups[0] = append(groups[0], obsResult{a: analytes[LOINCPotassium], value: CriticalPotassium, status: status})
		}
	case ScenarioNotes:
		groups[0][0].note = "Critical value called & read back to RN on 4 West."
	case ScenarioRetracted:
		if status == statusWrongPatient {
			first := groups[0][0]
			first.status = statusWrongPatient
			groups[0] = []obsResult{first}
		}
	case ScenarioCorrected:
		if status == statusCorrected {
			// Only the first observation changes; the others are repeated
			// as final, as laboratories resend the whole report.
			for i := range groups {
				for j := range groups[i] {
					groups[i][j].status = statusFinal
				}
			}
			first := &groups[0][0]
			first.note = "Corrected result. Previously reported value: " + first.value + unitSuffix(first.a) + "."
			first.value, first.status = first.a.corrected, statusCorrected
		}
	}
	return groups
}

// unitSuffix returns " <units>" or "" for a qualitative analyte.
func unitSuffix(a analyte) string {
	if a.units == "" {
		return ""
	}
	return " " + a.units
}

// buildORU encodes one ORU^R01 for order o and plan step st.
func (s *Sim) buildORU(o *orderData, st step, controlID string, now time.Time) ([]byte, error) {
	status := st.status
	collected := hl7.FormatTime(o.receivedAt)
	reported := hl7.FormatTime(now)
	orcStatus := "CM" // table 0038: order complete
	if status == statusPreliminary {
		orcStatus = "IP" // in process: more results follow
	}
	groups := observations(o.tests, o.scenario, status)
	in := hl7.ResultInput{
		Envelope: s.envelope(o.app, o.facility, controlID, now),
		Patient:  o.patient,
	}
	if o.scenario == ScenarioWrongPatient {
		in.Patient = hl7.Patient{Identifiers: []hl7.CX{{ID: "MRN-OTHER-0001", TypeCode: "MR"}, {ID: "pat-other", TypeCode: "PI"}},
			Names: []hl7.PersonName{{Family: "OTHER", Given: "SYNTHETIC"}}, BirthDate: "19600101", Sex: "U"}
	}
	obrStatus := status
	if status == statusWrongPatient {
		// OBR-25 has no W: the report is corrected, its retracted OBX says W.
		obrStatus = statusCorrected
	}
	placer := hl7.EI{ID: o.placer, Namespace: o.namespace}
	filler := hl7.EI{ID: o.filler, Namespace: s.opts.SendingApplication}
	for i, test := range o.tests {
		if st.only != 0 && st.only != i+1 {
			continue
		}
		if status == statusWrongPatient && i > 0 {
			continue
		}
		if test.System == "" {
			test.System = "LN"
		}
		r := hl7.OrderResult{
			Common: hl7.CommonOrder{Control: "RE", PlacerOrderNumber: placer, FillerOrderNumber: filler,
				Status: orcStatus, TransactionTime: reported, OrderingProvider: o.provider},
			Request: hl7.Request{PlacerOrderNumber: placer, FillerOrderNumber: filler, Service: test,
				ObservedAt: collected, OrderingProvider: o.provider, ReportedAt: reported, ResultStatus: obrStatus},
		}
		if o.scenario == ScenarioNotes && i == 0 {
			r.Notes = []string{"Specimen slightly hemolyzed; potassium & LDH may read high."}
		}
		for _, ob := range groups[i] {
			r.Observations = append(r.Observations, observation(ob, collected))
		}
		in.Orders = append(in.Orders, r)
	}
	m, err := hl7.BuildORU(in)
	if err != nil {
		return nil, err
	}
	return m.Encode()
}

// observation converts one result to the codec's OBX view.
func observation(ob obsResult, observedAt string) hl7.Observation {
	a := ob.a
	obx := hl7.Observation{
		Code:           hl7.CWE{Code: a.code, Text: a.name, System: "LN"},
		ReferenceRange: a.refRange,
		Status:         ob.status,
		ObservedAt:     observedAt,
		Value:          hl7.Value{Type: hl7.TypeString, Text: ob.value},
	}
	if a.numeric() {
		obx.Value.Type = hl7.TypeNumeric
		obx.Units = hl7.CWE{Code: a.units, Text: a.units, System: "UCUM"}
	}
	if f := a.flag(ob.value); f != "" {
		obx.AbnormalFlags = []string{f}
	}
	if ob.note != "" {
		obx.Notes = []string{ob.note}
	}
	return obx
}

// envelope returns the MSH input of a message the simulator sends to the
// application app at facility.
func (s *Sim) envelope(app, facility, controlID string, now time.Time) hl7.Envelope {
	return hl7.Envelope{
		SendingApplication: s.opts.SendingApplication, SendingFacility: s.opts.SendingFacility,
		ReceivingApplication: app, ReceivingFacility: facility,
		ControlID: controlID, Time: now,
	}
}
