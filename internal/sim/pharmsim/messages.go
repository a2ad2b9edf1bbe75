package pharmsim

import (
	"strconv"
	"time"

	"github.com/careflow/engine/codecs/ncpdp"
)

// pharmacyHeader is the header of a pharmacy-initiated message following
// req: from the pharmacy to the prescriber, related to req, with the
// pharmacy's prescription number.
func pharmacyHeader(req *ncpdp.Message, kind string, now time.Time) ncpdp.Header {
	h := ncpdp.ReplyHeader(req, derivedID(req.Header.MessageID, kind), now)
	if h.RxReferenceNumber == "" {
		h.RxReferenceNumber = "RX" + derivedID(req.Header.MessageID, "rxref")[2:14]
	}
	return h
}

// changeRequest asks the prescriber for a therapeutic interchange.
func changeRequest(req *ncpdp.Message, now time.Time) *ncpdp.Message {
	n := req.Body.NewRx
	alt := n.MedicationPrescribed
	alt.Note = "Formulary alternative proposed by the pharmacy"
	return &ncpdp.Message{
		Header: pharmacyHeader(req, "change", now),
		Body: ncpdp.Body{RxChangeRequest: &ncpdp.RxChangeRequest{
			MessageRequestCode: ncpdp.ChangeTherapeuticInterchange,
			Patient:            n.Patient, Pharmacy: n.Pharmacy, Prescriber: n.Prescriber,
			MedicationPrescribed: n.MedicationPrescribed,
			MedicationRequested:  []ncpdp.Medication{alt},
		}},
	}
}

// fill reports the outcome of a NewRx: dispensed in full, half the
// quantity when partially dispensed, or not dispensed (no
// MedicationDispensed).
func fill(req *ncpdp.Message, now time.Time, outcome string) *ncpdp.Message {
	n := req.Body.NewRx
	dispensed := n.MedicationPrescribed
	rf := &ncpdp.RxFill{Patient: n.Patient, Pharmacy: n.Pharmacy, Prescriber: n.Prescriber,
		MedicationPrescribed: n.MedicationPrescribed, MedicationDispensed: &dispensed}
	switch outcome {
	case ncpdp.FillPartiallyDispensed:
		rf.FillStatus.PartiallyDispensed = &ncpdp.FillNote{Note: "Remaining quantity on order"}
		if q, err := strconv.ParseFloat(dispensed.Quantity.Value, 64); err == nil && q > 1 {
			dispensed.Quantity.Value = strconv.FormatFloat(float64(int(q/2)), 'f', -1, 64)
		}
	case ncpdp.FillNotDispensed:
		rf.FillStatus.NotDispensed = &ncpdp.FillNote{Note: "Not picked up"}
		rf.MedicationDispensed = nil
	default:
		rf.FillStatus.Dispensed = &ncpdp.FillNote{}
	}
	return &ncpdp.Message{Header: pharmacyHeader(req, outcome, now), Body: ncpdp.Body{RxFill: rf}}
}

// fillAfterChange reports the dispense of an approved change: it relates
// to the RxChangeResponse and dispenses the medication the prescriber
// approved (the response's, else the original one).
func fillAfterChange(orig, resp *ncpdp.Message, now time.Time) *ncpdp.Message {
	m := fill(orig, now, ncpdp.FillDispensed)
	m.Header = pharmacyHeader(resp, "fill-after-change", now)
	if mp := resp.Body.RxChangeResponse.MedicationPrescribed; mp != nil {
		d := *mp
		m.Body.RxFill.MedicationDispensed = &d
	}
	return m
}

// renewalRequest asks the prescriber for more refills of a NewRx.
func renewalRequest(req *ncpdp.Message, now time.Time) *ncpdp.Message {
	n := req.Body.NewRx
	dispensed := n.MedicationPrescribed
	return &ncpdp.Message{
		Header: pharmacyHeader(req, "renewal", now),
		Body: ncpdp.Body{RxRenewalRequest: &ncpdp.RxRenewalRequest{
			Patient: n.Patient, Pharmacy: n.Pharmacy, Prescriber: n.Prescriber,
			MedicationDispensed: &dispensed, MedicationPrescribed: n.MedicationPrescribed,
		}},
	}
}

// cancelResponse answers a CancelRx: approved, or denied because the
// prescription was already dispensed.
func cancelResponse(req *ncpdp.Message, now time.Time, denied bool) *ncpdp.Message {
	resp := ncpdp.Response{Approved: &ncpdp.Note{}}
	if denied {
		resp = ncpdp.Response{Denied: &ncpdp.Denial{ReasonCode: []string{"AA"}, DenialReason: "Prescription already dispensed"}}
	}
	return &ncpdp.Message{
		Header: pharmacyHeader(req, "cancel-response", now),
		Body:   ncpdp.Body{CancelRxResponse: &ncpdp.CancelRxResponse{Response: resp}},
	}
}
