package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"go.temporal.io/api/serviceerror"

	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/prescriptions"
)

// AuthPharmacySignature marks routes that verify X-Pharmacy-Timestamp and X-Pharmacy-Signature.
const AuthPharmacySignature = "pharmacy-signature"

// pharmacyWebhook handles POST /webhooks/pharmacy: a signed NCPDP SCRIPT message from the
// pharmacy (RxChangeRequest, RxRenewalRequest, RxFill, CancelRxResponse, or a late Status,
// Verify or Error). It is routed by Header.PrescriberOrderNumber, which the engine sets to the
// prescription id (or, without one, by RelatesToMessageID through the crosswalk the pharmacy
// activities fill), signalled to that prescription's workflow, and answered with an NCPDP Status
// only once Temporal accepted the signal. Deduplication by MessageID is the workflow's job; a
// redelivery gets the same Status (its MessageID derives from the delivered one).
func (s *server) pharmacyWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	a.webhook("pharmacy")
	s.doPharmacyWebhook(w, r, a)
}

func (s *server) doPharmacyWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) int {
	d := s.d.Prescriptions
	if d.WebhookSecret == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "pharmacy webhooks are not configured"})
		return http.StatusServiceUnavailable
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the body exceeds 1 MiB"})
			return http.StatusRequestEntityTooLarge
		}
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the body could not be read"})
		return http.StatusBadRequest
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	msg, err := pharmacy.ParseWebhook([]byte(d.WebhookSecret), r.Header, body, now())
	switch {
	case errors.Is(err, pharmacy.ErrSignatureMissing), errors.Is(err, pharmacy.ErrTimestampInvalid),
		errors.Is(err, pharmacy.ErrTimestampExpired), errors.Is(err, pharmacy.ErrSignatureMismatch):
		// Unauthenticated bodies are not kept: anyone could fill the audit trail with them.
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemBadSignature, Detail: signatureDetail(err)})
		return http.StatusBadRequest
	case err != nil:
		return s.refusePharmacy(w, r, a, body, msg, webhookReason(err))
	}
	a.rec.Exchange = msg.Header.MessageID
	h := msg.Header
	if h.PrescriberOrderNumber == "" && h.RelatesToMessageID == "" {
		return s.refusePharmacy(w, r, a, body, msg, "Header.PrescriberOrderNumber or Header.RelatesToMessageID is required: they name the prescription")
	}
	sig := prescriptions.PharmacySignal{Message: msg, ReceivedAt: now().UTC()}
	// By PrescriberOrderNumber first (the prescription id the engine sends), then by
	// RelatesToMessageID through the crosswalk: a message matching either one is taken, even
	// when the other names something the engine does not know; only matching neither is 404.
	err = errNoPrescription
	if pon := h.PrescriberOrderNumber; pon != "" && prescriptions.ValidatePrescriptionID(pon) == nil {
		err = s.signalPrescription(r.Context(), a, pon, sig)
	}
	if isNoPrescription(err) && h.RelatesToMessageID != "" {
		pon, lerr := s.relatedPrescription(r.Context(), h.RelatesToMessageID)
		switch {
		case lerr != nil && !errors.Is(lerr, audit.ErrNotFound):
			w.Header().Set("Retry-After", "5")
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the message could not be routed; retry later"})
			return http.StatusServiceUnavailable
		case lerr == nil && pon != h.PrescriberOrderNumber:
			err = s.signalPrescription(r.Context(), a, pon, sig)
		}
	}
	switch {
	case isNoPrescription(err) && h.PrescriberOrderNumber == "":
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: "RelatesToMessageID names no message of a prescription"})
		return http.StatusNotFound
	case isNoPrescription(err):
		// No open prescription with this order number: the pharmacy must not think it was taken.
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: rxNotFound})
		return http.StatusNotFound
	case err != nil:
		s.log.Warn("pharmacy webhook: signal failed", "request_id", infoFrom(r.Context()).id, "error", logText(err))
		w.Header().Set("Retry-After", "5")
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the message could not be recorded; retry later"})
		return http.StatusServiceUnavailable
	}
	ans, err := ncpdp.Encode(ncpdp.NewStatus(msg, pharmacyact.MessageID("status", msg.Header.MessageID), now(), ncpdp.StatusTransactionSuccessful))
	if err != nil {
		// The signal is recorded; an answer that cannot be encoded still must not hide that.
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	}
	w.Header().Set("Content-Type", pharmacy.ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ans)
	return http.StatusOK
}

// errNoPrescription says a pharmacy message names no prescription the engine could signal.
var errNoPrescription = errors.New("no prescription")

// isNoPrescription reports a message that reached no open prescription.
func isNoPrescription(err error) bool {
	var nf *serviceerror.NotFound
	return errors.Is(err, errNoPrescription) || errors.As(err, &nf)
}

// signalPrescription hands the message to the prescription's workflow; a closed or unknown
// prescription is *serviceerror.NotFound.
func (s *server) signalPrescription(ctx context.Context, a *auditEntry, pon string, sig prescriptions.PharmacySignal) error {
	wid := prescriptions.WorkflowID(pon)
	a.rec.Process = wid
	ctx, cancel := context.WithTimeout(ctx, signalTimeout)
	defer cancel()
	return s.d.Temporal.SignalWorkflow(ctx, wid, "", prescriptions.PharmacySignalName, sig)
}

// relatedPrescription finds the prescription of a message the engine sent (the crosswalk the
// pharmacy activities fill); audit.ErrNotFound when there is none.
func (s *server) relatedPrescription(ctx context.Context, messageID string) (string, error) {
	if s.d.Records == nil {
		return "", audit.ErrNotFound
	}
	pon, err := s.d.Records.LookupCrosswalk(ctx, crosswalk.PharmacyMessage, messageID)
	if err == nil && prescriptions.ValidatePrescriptionID(pon) != nil {
		return "", audit.ErrNotFound
	}
	return pon, err
}

// refusePharmacy answers 400 with reason and keeps the verified message encrypted in the audit
// trail (Records seals payloads), so nothing the pharmacy sent is lost.
func (s *server) refusePharmacy(w http.ResponseWriter, r *http.Request, a *auditEntry, body []byte, msg *ncpdp.Message, reason string) int {
	a.rec.Payload = body
	if msg != nil {
		a.rec.Exchange = msg.Header.MessageID
	}
	s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: reason})
	return http.StatusBadRequest
}

// signatureDetail names the signature failure.
func signatureDetail(err error) string {
	switch {
	case errors.Is(err, pharmacy.ErrSignatureMissing):
		return "the X-Pharmacy-Timestamp or X-Pharmacy-Signature header is missing"
	case errors.Is(err, pharmacy.ErrTimestampExpired):
		return "the signed timestamp is more than 5 minutes from now"
	case errors.Is(err, pharmacy.ErrTimestampInvalid):
		return "X-Pharmacy-Timestamp is not Unix seconds"
	}
	return "the X-Pharmacy-Signature does not match"
}

// webhookReason describes a message that was signed but cannot be used. Codec errors name
// element paths and fixed reasons, never values, so they may be returned.
func webhookReason(err error) string {
	var de *ncpdp.DecodeError
	var ve *ncpdp.ValidationError
	switch {
	case errors.Is(err, pharmacy.ErrUnexpectedWebhookType):
		return "the message type is not one a pharmacy sends to the prescriber"
	case errors.As(err, &de), errors.As(err, &ve):
		return err.Error()
	}
	return "the message could not be read"
}
