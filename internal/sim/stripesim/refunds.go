package stripesim

import (
	"fmt"
	"net/http"
)

// createRefund handles POST /v1/refunds for a payment_intent or a charge.
func (s *Sim) createRefund(c *call) (any, *apiError) {
	ch, aerr := s.refundableCharge(c)
	if aerr != nil {
		return nil, aerr
	}
	amount, given, aerr := formInt(c.form, "amount", false)
	if aerr != nil {
		return nil, aerr
	}
	if given && amount < 1 {
		return nil, newInvalid("amount_too_small", "amount", "This value must be greater than or equal to 1.")
	}
	reason, aerr := formEnum(c.form, "reason", "duplicate", "fraudulent", "requested_by_customer")
	if aerr != nil {
		return nil, aerr
	}
	md, aerr := formMetadata(c.form)
	if aerr != nil {
		return nil, aerr
	}
	remaining := ch.amountCaptured - ch.amountRefunded
	switch {
	case ch.disputed:
		return nil, newStateError("charge_disputed", "", fmt.Sprintf(
			"Charge %s has been charged back; cannot issue a refund.", ch.id))
	case remaining <= 0:
		return nil, newStateError("charge_already_refunded", "", fmt.Sprintf(
			"Charge %s has already been refunded.", ch.id))
	case !given:
		amount = remaining
	case amount > remaining:
		return nil, newStateError("amount_too_large", "amount", fmt.Sprintf(
			"Refund amount (%s) is greater than unrefunded amount on charge (%s)",
			formatAmount(amount, ch.currency), formatAmount(remaining, ch.currency)))
	}
	re := &refund{
		id: newID("re"), charge: ch.id, paymentIntent: ch.paymentIntent, amount: amount,
		currency: ch.currency, reason: reason, created: s.now().Unix(), metadata: cleanMetadata(md),
	}
	s.refunds[re.id] = re
	ch.amountRefunded += amount
	ch.refunded = ch.amountRefunded >= ch.amountCaptured
	s.counts.Refunds++
	s.emit("refund.created", ch.paymentIntent, wireRefund(re), c)
	s.emit("charge.refunded", ch.paymentIntent, s.wireCharge(ch), c)
	return wireRefund(re), nil
}

// refundableCharge resolves the charge a refund request names and checks
// that it holds captured money.
func (s *Sim) refundableCharge(c *call) (*charge, *apiError) {
	piID, _ := formString(c.form, "payment_intent")
	chID, _ := formString(c.form, "charge")
	switch {
	case piID == "" && chID == "":
		return nil, newInvalid("parameter_missing", "payment_intent",
			"One of the following params should be provided for this request: payment_intent or charge.")
	case piID != "":
		pi, ok := s.intents[piID]
		if !ok {
			return nil, newMissing(http.StatusBadRequest, "payment_intent", piID, "payment_intent")
		}
		ch := s.charges[pi.latestCharge]
		if pi.status != statusSucceeded || ch == nil || chID != "" && chID != ch.id {
			return nil, newStateError("payment_intent_unexpected_state", "payment_intent",
				"This PaymentIntent does not have a successful charge to refund.")
		}
		return ch, nil
	}
	ch, ok := s.charges[chID]
	if !ok {
		return nil, newMissing(http.StatusBadRequest, "charge", chID, "charge")
	}
	if !ch.captured {
		return nil, newStateError("charge_not_refundable", "charge", fmt.Sprintf(
			"Charge %s has not been captured and cannot be refunded.", ch.id))
	}
	return ch, nil
}

// retrieveRefund handles GET /v1/refunds/{id}.
func (s *Sim) retrieveRefund(c *call) (any, *apiError) {
	re, ok := s.refunds[c.id]
	if !ok {
		return nil, newMissing(http.StatusNotFound, "refund", c.id, "id")
	}
	return wireRefund(re), nil
}

// retrieveCharge handles GET /v1/charges/{id}.
func (s *Sim) retrieveCharge(c *call) (any, *apiError) {
	ch, ok := s.charges[c.id]
	if !ok {
		return nil, newMissing(http.StatusNotFound, "charge", c.id, "id")
	}
	return s.wireCharge(ch), nil
}

// retrieveDispute handles GET /v1/disputes/{id}.
func (s *Sim) retrieveDispute(c *call) (any, *apiError) {
	d, ok := s.disputes[c.id]
	if !ok {
		return nil, newMissing(http.StatusNotFound, "dispute", c.id, "dispute")
	}
	return wireDispute(d), nil
}
