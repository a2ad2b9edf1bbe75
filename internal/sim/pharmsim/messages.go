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

// fill reports a dispense: the full quantity, or half of it when partial.
func fill(req *ncpdp.Message, now time.Time, partial bool) *ncpdp.Message {
	n := req.Body.NewRx
	dispensed := n.MedicationPrescribed
	status := ncpdp.FillStatus{Dispensed: &ncpdp.FillNote{}}
	kind := "fill"
	if partial {
		kind = "partial-fill"
		status = ncpdp.FillStatus{PartiallyDispensed: &ncpdp.FillNote{Note: "Remaining quantity on order"}}
		if q, err := strconv.ParseFloat(dispensed.Quantity.Value, 64); err == nil && q > 1 {
			dispensed.Quantity.Value = strconv.FormatFloat(float64(int(q/2)), 'f', -1, 64)
		}
	}
	return &ncpdp.Message{
		Header: pharmacyHeader(req, kind, now),
		Body: ncpdp.Body{RxFill: &ncpdp.RxFill{
			FillStatus: status, Patient: n.Patient, Pharmacy: n.Pharmacy, Prescriber: n.Prescriber,
			MedicationPrescribed: n.MedicationPrescribed, MedicationDispensed: &dispensed,
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
