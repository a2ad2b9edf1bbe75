package stripesim

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Stripe's largest charge amount (in minor units) for most currencies.
const maxAmount = 99_999_999

// createIntent handles POST /v1/payment_intents.
func (s *Sim) createIntent(c *call) (any, *apiError) {
	amount, _, aerr := formInt(c.form, "amount", true)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkAmount("amount", amount); aerr != nil {
		return nil, aerr
	}
	currency, ok := formString(c.form, "currency")
	if !ok {
		return nil, newInvalid("parameter_missing", "currency", "Missing required param: currency.")
	}
	if !currencies[currency] {
		return nil, newInvalid("", "currency", fmt.Sprintf(
			"Invalid currency: %s. Stripe currently supports these currencies: %s", currency, currencyList()))
	}
	captureMethod, aerr := formEnum(c.form, "capture_method", "automatic", "automatic_async", "manual")
	if aerr != nil {
		return nil, aerr
	}
	if captureMethod == "" {
		captureMethod = "automatic_async" // Stripe's default for current API versions
	}
	confirm, aerr := formBool(c.form, "confirm")
	if aerr != nil {
		return nil, aerr
	}
	pm, aerr := paymentMethodParam(c)
	if aerr != nil {
		return nil, aerr
	}
	if confirm && pm == "" {
		return nil, errMissingPaymentMethod()
	}
	md, aerr := formMetadata(c.form)
	if aerr != nil {
		return nil, aerr
	}
	types := formList(c.form, "payment_method_types")
	customer, _ := formString(c.form, "customer")
	description, _ := formString(c.form, "description")
	receiptEmail, _ := formString(c.form, "receipt_email")

	id := newID("pi")
	pi := &paymentIntent{
		id: id, clientSecret: id + "_secret_" + randomAlnum(25), amount: amount, currency: currency,
		captureMethod: captureMethod, status: statusRequiresPaymentMethod, customer: customer,
		description: description, receiptEmail: receiptEmail, paymentMethod: pm,
		paymentMethodTypes: types, automaticMethods: len(types) == 0,
		created: s.now().Unix(), metadata: cleanMetadata(md),
	}
	if pi.automaticMethods {
		pi.paymentMethodTypes = []string{"card"}
	}
	if pm != "" {
		pi.status = statusRequiresConfirmation
	}
	s.intents[id] = pi
	s.emit("payment_intent.created", pi.id, s.wirePI(pi, false), c)
	if confirm {
		if aerr := s.confirm(pi, c); aerr != nil {
			return nil, aerr
		}
	}
	s.counts.Creates++
	return s.wirePI(pi, formExpands(c.form, "latest_charge")), nil
}

// retrieveIntent handles GET /v1/payment_intents/{id}.
func (s *Sim) retrieveIntent(c *call) (any, *apiError) {
	pi, aerr := s.intent(c.id)
	if aerr != nil {
		return nil, aerr
	}
	return s.wirePI(pi, formExpands(c.form, "latest_charge")), nil
}

// updateIntent handles POST /v1/payment_intents/{id}; only metadata,
// description and receipt_email are simulated.
func (s *Sim) updateIntent(c *call) (any, *apiError) {
	pi, aerr := s.intent(c.id)
	if aerr != nil {
		return nil, aerr
	}
	md, aerr := formMetadata(c.form)
	if aerr != nil {
		return nil, aerr
	}
	mergeMetadata(pi.metadata, md)
	if v, ok := formString(c.form, "description"); ok {
		pi.description = v
	}
	if v, ok := formString(c.form, "receipt_email"); ok {
		pi.receiptEmail = v
	}
	return s.wirePI(pi, formExpands(c.form, "latest_charge")), nil
}

// confirmIntentCall handles POST /v1/payment_intents/{id}/confirm.
func (s *Sim) confirmIntentCall(c *call) (any, *apiError) {
	pi, aerr := s.intent(c.id)
	if aerr != nil {
		return nil, aerr
	}
	if pi.status != statusRequiresPaymentMethod && pi.status != statusRequiresConfirmation {
		return nil, errUnexpectedState(s.wirePI(pi, false), fmt.Sprintf(
			"You cannot confirm this PaymentIntent because it has a status of %s. Only a PaymentIntent "+
				"with one of the following statuses may be confirmed: requires_payment_method, "+
				"requires_confirmation, requires_action.", pi.status))
	}
	pm, aerr := paymentMethodParam(c)
	if aerr != nil {
		return nil, aerr
	}
	if pm != "" {
		pi.paymentMethod = pm
	}
	if pi.paymentMethod == "" {
		return nil, errMissingPaymentMethod()
	}
	if aerr := s.confirm(pi, c); aerr != nil {
		return nil, aerr
	}
	s.counts.Confirms++
	return s.wirePI(pi, formExpands(c.form, "latest_charge")), nil
}

// confirm authorizes pi's payment method with a new charge. A declining
// test card leaves pi in requires_payment_method and returns the 402
// card_error Stripe sends, with the PaymentIntent embedded.
func (s *Sim) confirm(pi *paymentIntent, c *call) *apiError {
	card := testCards[pi.paymentMethod]
	ch := &charge{
		id: newID("ch"), paymentIntent: pi.id, amount: pi.amount, currency: pi.currency,
		paymentMethod: pi.paymentMethod, card: card, customer: pi.customer, description: pi.description,
		created: s.now().Unix(), metadata: copyMetadata(pi.metadata),
	}
	s.charges[ch.id] = ch
	pi.latestCharge = ch.id
	if d := card.decline; d != nil {
		ch.status = "failed"
		ch.failure = d
		last := errorWire{
			Type: errTypeCard, Code: d.code, DeclineCode: d.declineCode, Message: d.message, Param: d.param,
			Charge: ch.id, DocURL: docURL(d.code), PaymentMethod: wirePM(pi.paymentMethod, card, ch.created),
		}
		pi.lastError = &last
		// Stripe detaches the failed method so the customer must supply another.
		pi.paymentMethod = ""
		pi.status = statusRequiresPaymentMethod
		s.counts.Declines++
		s.emit("charge.failed", pi.id, s.wireCharge(ch), c)
		s.emit("payment_intent.payment_failed", pi.id, s.wirePI(pi, false), c)
		body := last
		body.PaymentIntent = s.wirePI(pi, false)
		return &apiError{status: http.StatusPaymentRequired, body: body, store: true}
	}
	ch.status = statusSucceeded
	pi.lastError = nil
	if pi.captureMethod == "manual" {
		pi.status = statusRequiresCapture
		pi.amountCapturable = pi.amount
		s.emit("charge.succeeded", pi.id, s.wireCharge(ch), c)
		s.emit("payment_intent.amount_capturable_updated", pi.id, s.wirePI(pi, false), c)
		return nil
	}
	ch.captured, ch.amountCaptured = true, pi.amount
	pi.status, pi.amountReceived = statusSucceeded, pi.amount
	s.emit("charge.succeeded", pi.id, s.wireCharge(ch), c)
	s.emit("payment_intent.succeeded", pi.id, s.wirePI(pi, false), c)
	if card.disputeAfterCapture {
		s.openDispute(ch, "fraudulent")
	}
	return nil
}

// captureIntent handles POST /v1/payment_intents/{id}/capture.
func (s *Sim) captureIntent(c *call) (any, *apiError) {
	pi, aerr := s.intent(c.id)
	if aerr != nil {
		return nil, aerr
	}
	if pi.status != statusRequiresCapture {
		return nil, errUnexpectedState(s.wirePI(pi, false), fmt.Sprintf(
			"This PaymentIntent could not be captured because it has a status of %s. Only a PaymentIntent "+
				"with one of the following statuses may be captured: requires_capture.", pi.status))
	}
	amount, given, aerr := formInt(c.form, "amount_to_capture", false)
	if aerr != nil {
		return nil, aerr
	}
	if !given {
		amount = pi.amountCapturable
	}
	if aerr := checkAmount("amount_to_capture", amount); aerr != nil {
		return nil, aerr
	}
	if amount > pi.amountCapturable {
		return nil, newStateError("amount_too_large", "amount_to_capture", fmt.Sprintf(
			"The amount_to_capture (%s) must be less than or equal to the PaymentIntent's "+
				"amount_capturable (%s).", formatAmount(amount, pi.currency),
			formatAmount(pi.amountCapturable, pi.currency)))
	}
	md, aerr := formMetadata(c.form)
	if aerr != nil {
		return nil, aerr
	}
	mergeMetadata(pi.metadata, md)
	ch := s.charges[pi.latestCharge]
	ch.captured, ch.amountCaptured = true, amount
	pi.status, pi.amountReceived, pi.amountCapturable = statusSucceeded, amount, 0
	pi.captures++
	s.counts.Captures++
	s.counts.CapturesByIntent[pi.id]++
	s.emit("charge.captured", pi.id, s.wireCharge(ch), c)
	s.emit("payment_intent.succeeded", pi.id, s.wirePI(pi, false), c)
	if ch.card.disputeAfterCapture {
		s.openDispute(ch, "fraudulent")
	}
	return s.wirePI(pi, formExpands(c.form, "latest_charge")), nil
}

// cancelableStatuses are the statuses Stripe allows cancel from.
var cancelableStatuses = []string{
	statusRequiresPaymentMethod, statusRequiresCapture, statusRequiresConfirmation, "requires_action", "processing",
}

// cancelIntent handles POST /v1/payment_intents/{id}/cancel.
func (s *Sim) cancelIntent(c *call) (any, *apiError) {
	pi, aerr := s.intent(c.id)
	if aerr != nil {
		return nil, aerr
	}
	reason, aerr := formEnum(c.form, "cancellation_reason",
		"duplicate", "fraudulent", "requested_by_customer", "abandoned")
	if aerr != nil {
		return nil, aerr
	}
	if !slices.Contains(cancelableStatuses, pi.status) {
		return nil, errUnexpectedState(s.wirePI(pi, false), fmt.Sprintf(
			"You cannot cancel this PaymentIntent because it has a status of %s. Only a PaymentIntent with "+
				"one of the following statuses may be canceled: %s.", pi.status,
			strings.Join(cancelableStatuses, ", ")))
	}
	if pi.status == statusRequiresCapture {
		// Releasing an authorization shows on the charge as a full refund
		// of the uncaptured amount, as in Stripe.
		if ch := s.charges[pi.latestCharge]; ch != nil {
			ch.refunded, ch.amountRefunded = true, ch.amount
		}
	}
	pi.status, pi.amountCapturable = statusCanceled, 0
	pi.cancellationReason, pi.canceledAt = reason, s.now().Unix()
	s.counts.Cancels++
	s.emit("payment_intent.canceled", pi.id, s.wirePI(pi, false), c)
	return s.wirePI(pi, formExpands(c.form, "latest_charge")), nil
}

// intent looks up the PaymentIntent named in the URL.
func (s *Sim) intent(id string) (*paymentIntent, *apiError) {
	pi, ok := s.intents[id]
	if !ok {
		return nil, newMissing(http.StatusNotFound, "payment_intent", id, "intent")
	}
	return pi, nil
}

// paymentMethodParam validates payment_method against the test cards.
func paymentMethodParam(c *call) (string, *apiError) {
	pm, _ := formString(c.form, "payment_method")
	if pm == "" {
		return "", nil
	}
	if _, ok := testCards[pm]; !ok {
		return "", newMissing(http.StatusBadRequest, "PaymentMethod", pm, "payment_method")
	}
	return pm, nil
}

// errMissingPaymentMethod is Stripe's answer to confirming without a method.
func errMissingPaymentMethod() *apiError {
	return newInvalid("payment_intent_unexpected_state", "payment_method",
		"You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "+
			"PaymentIntent, pass a payment_method.")
}

// checkAmount enforces Stripe's bounds on a charge amount.
func checkAmount(param string, amount int64) *apiError {
	if amount < 1 {
		return newInvalid("amount_too_small", param, "This value must be greater than or equal to 1.")
	}
	if amount > maxAmount {
		return newInvalid("amount_too_large", param, "Amount must be no more than $999,999.99")
	}
	return nil
}

// currencyList renders the accepted currencies for error messages.
func currencyList() string {
	out := make([]string, 0, len(currencies))
	for c := range currencies {
		out = append(out, c)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
