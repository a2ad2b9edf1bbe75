package stripesim

// The *Wire types are the JSON shapes Stripe returns for API version
// stripe.APIVersion. Fields Stripe sends as null are kept (as nil pointers or
// nil interfaces) so clients see the same keys as from the real API.

// piWire is a PaymentIntent object.
type piWire struct {
	ID                        string            `json:"id"`
	Object                    string            `json:"object"`
	Amount                    int64             `json:"amount"`
	AmountCapturable          int64             `json:"amount_capturable"`
	AmountDetails             map[string]any    `json:"amount_details"`
	AmountReceived            int64             `json:"amount_received"`
	Application               *string           `json:"application"`
	ApplicationFeeAmount      *int64            `json:"application_fee_amount"`
	AutomaticPaymentMethods   map[string]any    `json:"automatic_payment_methods"`
	CanceledAt                *int64            `json:"canceled_at"`
	CancellationReason        *string           `json:"cancellation_reason"`
	CaptureMethod             string            `json:"capture_method"`
	ClientSecret              string            `json:"client_secret"`
	ConfirmationMethod        string            `json:"confirmation_method"`
	Created                   int64             `json:"created"`
	Currency                  string            `json:"currency"`
	Customer                  *string           `json:"customer"`
	Description               *string           `json:"description"`
	LastPaymentError          *errorWire        `json:"last_payment_error"`
	LatestCharge              any               `json:"latest_charge"`
	Livemode                  bool              `json:"livemode"`
	Metadata                  map[string]string `json:"metadata"`
	NextAction                any               `json:"next_action"`
	OnBehalfOf                *string           `json:"on_behalf_of"`
	PaymentMethod             *string           `json:"payment_method"`
	PaymentMethodOptions      map[string]any    `json:"payment_method_options"`
	PaymentMethodTypes        []string          `json:"payment_method_types"`
	Processing                any               `json:"processing"`
	ReceiptEmail              *string           `json:"receipt_email"`
	Review                    any               `json:"review"`
	SetupFutureUsage          *string           `json:"setup_future_usage"`
	Shipping                  any               `json:"shipping"`
	Source                    any               `json:"source"`
	StatementDescriptor       *string           `json:"statement_descriptor"`
	StatementDescriptorSuffix *string           `json:"statement_descriptor_suffix"`
	Status                    string            `json:"status"`
	TransferData              any               `json:"transfer_data"`
	TransferGroup             *string           `json:"transfer_group"`
}

// chargeWire is a Charge object.
type chargeWire struct {
	ID                            string            `json:"id"`
	Object                        string            `json:"object"`
	Amount                        int64             `json:"amount"`
	AmountCaptured                int64             `json:"amount_captured"`
	AmountRefunded                int64             `json:"amount_refunded"`
	Application                   *string           `json:"application"`
	ApplicationFee                *string           `json:"application_fee"`
	ApplicationFeeAmount          *int64            `json:"application_fee_amount"`
	BalanceTransaction            *string           `json:"balance_transaction"`
	BillingDetails                map[string]any    `json:"billing_details"`
	CalculatedStatementDescriptor string            `json:"calculated_statement_descriptor"`
	Captured                      bool              `json:"captured"`
	Created                       int64             `json:"created"`
	Currency                      string            `json:"currency"`
	Customer                      *string           `json:"customer"`
	Description                   *string           `json:"description"`
	Disputed                      bool              `json:"disputed"`
	FailureBalanceTransaction     *string           `json:"failure_balance_transaction"`
	FailureCode                   *string           `json:"failure_code"`
	FailureMessage                *string           `json:"failure_message"`
	FraudDetails                  map[string]any    `json:"fraud_details"`
	Livemode                      bool              `json:"livemode"`
	Metadata                      map[string]string `json:"metadata"`
	OnBehalfOf                    *string           `json:"on_behalf_of"`
	Outcome                       map[string]any    `json:"outcome"`
	Paid                          bool              `json:"paid"`
	PaymentIntent                 *string           `json:"payment_intent"`
	PaymentMethod                 string            `json:"payment_method"`
	PaymentMethodDetails          map[string]any    `json:"payment_method_details"`
	ReceiptEmail                  *string           `json:"receipt_email"`
	ReceiptNumber                 *string           `json:"receipt_number"`
	ReceiptURL                    string            `json:"receipt_url"`
	Refunded                      bool              `json:"refunded"`
	Review                        *string           `json:"review"`
	Shipping                      any               `json:"shipping"`
	Source                        any               `json:"source"`
	SourceTransfer                *string           `json:"source_transfer"`
	StatementDescriptor           *string           `json:"statement_descriptor"`
	StatementDescriptorSuffix     *string           `json:"statement_descriptor_suffix"`
	Status                        string            `json:"status"`
	TransferData                  any               `json:"transfer_data"`
	TransferGroup                 *string           `json:"transfer_group"`
}

// refundWire is a Refund object.
type refundWire struct {
	ID                     string            `json:"id"`
	Object                 string            `json:"object"`
	Amount                 int64             `json:"amount"`
	BalanceTransaction     *string           `json:"balance_transaction"`
	Charge                 string            `json:"charge"`
	Created                int64             `json:"created"`
	Currency               string            `json:"currency"`
	DestinationDetails     map[string]any    `json:"destination_details"`
	Metadata               map[string]string `json:"metadata"`
	PaymentIntent          *string           `json:"payment_intent"`
	Reason                 *string           `json:"reason"`
	ReceiptNumber          *string           `json:"receipt_number"`
	SourceTransferReversal *string           `json:"source_transfer_reversal"`
	Status                 string            `json:"status"`
	TransferReversal       *string           `json:"transfer_reversal"`
}

// disputeWire is a Dispute object.
type disputeWire struct {
	ID                  string            `json:"id"`
	Object              string            `json:"object"`
	Amount              int64             `json:"amount"`
	BalanceTransactions []any             `json:"balance_transactions"`
	Charge              string            `json:"charge"`
	Created             int64             `json:"created"`
	Currency            string            `json:"currency"`
	Evidence            map[string]any    `json:"evidence"`
	EvidenceDetails     map[string]any    `json:"evidence_details"`
	IsChargeRefundable  bool              `json:"is_charge_refundable"`
	Livemode            bool              `json:"livemode"`
	Metadata            map[string]string `json:"metadata"`
	PaymentIntent       *string           `json:"payment_intent"`
	Reason              string            `json:"reason"`
	Status              string            `json:"status"`
}

// pmWire is the PaymentMethod object embedded in card errors.
type pmWire struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	BillingDetails map[string]any    `json:"billing_details"`
	Card           map[string]any    `json:"card"`
	Created        int64             `json:"created"`
	Customer       *string           `json:"customer"`
	Livemode       bool              `json:"livemode"`
	Metadata       map[string]string `json:"metadata"`
	Type           string            `json:"type"`
}

// strOrNil renders "" as JSON null, as Stripe does for unset strings.
func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// emptyBillingDetails is the billing_details block of a card without any.
func emptyBillingDetails() map[string]any {
	return map[string]any{
		"address": map[string]any{
			"city": nil, "country": nil, "line1": nil, "line2": nil, "postal_code": nil, "state": nil,
		},
		"email": nil, "name": nil, "phone": nil,
	}
}

// wirePI renders a PaymentIntent; expandCharge inlines latest_charge.
func (s *Sim) wirePI(pi *paymentIntent, expandCharge bool) *piWire {
	w := &piWire{
		ID: pi.id, Object: "payment_intent", Amount: pi.amount,
		AmountCapturable: pi.amountCapturable, AmountDetails: map[string]any{"tip": map[string]any{}},
		AmountReceived: pi.amountReceived, CaptureMethod: pi.captureMethod, ClientSecret: pi.clientSecret,
		ConfirmationMethod: "automatic", Created: pi.created, Currency: pi.currency,
		Customer: strOrNil(pi.customer), Description: strOrNil(pi.description),
		LastPaymentError: pi.lastError, Metadata: copyMetadata(pi.metadata),
		PaymentMethod: strOrNil(pi.paymentMethod), PaymentMethodTypes: pi.paymentMethodTypes,
		PaymentMethodOptions: map[string]any{"card": map[string]any{
			"installments": nil, "mandate_options": nil, "network": nil, "request_three_d_secure": "automatic",
		}},
		ReceiptEmail: strOrNil(pi.receiptEmail), Status: pi.status,
		CancellationReason: strOrNil(pi.cancellationReason),
	}
	if pi.automaticMethods {
		w.AutomaticPaymentMethods = map[string]any{"allow_redirects": "always", "enabled": true}
	}
	if pi.canceledAt != 0 {
		at := pi.canceledAt
		w.CanceledAt = &at
	}
	if pi.latestCharge != "" {
		w.LatestCharge = pi.latestCharge
		if ch := s.charges[pi.latestCharge]; expandCharge && ch != nil {
			w.LatestCharge = s.wireCharge(ch)
		}
	}
	return w
}

// wireCharge renders a Charge, including the card details of its test card.
func (s *Sim) wireCharge(ch *charge) *chargeWire {
	w := &chargeWire{
		ID: ch.id, Object: "charge", Amount: ch.amount, AmountCaptured: ch.amountCaptured,
		AmountRefunded: ch.amountRefunded, BillingDetails: emptyBillingDetails(),
		CalculatedStatementDescriptor: "CAREFLOW", Captured: ch.captured, Created: ch.created,
		Currency: ch.currency, Customer: strOrNil(ch.customer), Description: strOrNil(ch.description),
		Disputed: ch.disputed, FraudDetails: map[string]any{}, Metadata: copyMetadata(ch.metadata),
		Paid: ch.status == statusSucceeded, PaymentIntent: strOrNil(ch.paymentIntent),
		PaymentMethod: ch.paymentMethod, Refunded: ch.refunded, Status: ch.status,
		ReceiptURL: "https://pay.stripe.com/receipts/payment/" + ch.id,
		PaymentMethodDetails: map[string]any{"type": "card", "card": map[string]any{
			"amount_authorized": ch.amount, "authorization_code": nil, "brand": ch.card.brand,
			"capture_before": ch.created + 7*24*3600,
			"checks": map[string]any{
				"address_line1_check": nil, "address_postal_code_check": nil, "cvc_check": "pass",
			},
			"country": ch.card.country, "exp_month": cardExpMonth, "exp_year": cardExpYear,
			"funding": ch.card.funding, "installments": nil, "last4": ch.card.last4, "mandate": nil,
			"network": ch.card.brand, "network_transaction_id": nil, "regulated_status": "unregulated",
			"three_d_secure": nil, "wallet": nil,
		}},
	}
	outcome := map[string]any{
		"advice_code": nil, "network_advice_code": nil, "network_decline_code": nil,
		"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
		"risk_score": 20, "seller_message": "Payment complete.", "type": "authorized",
	}
	if d := ch.failure; d != nil {
		w.FailureCode, w.FailureMessage = strOrNil(d.code), strOrNil(d.message)
		outcome["network_status"] = "declined_by_network"
		outcome["reason"] = d.declineCode
		outcome["seller_message"] = "The bank did not return any further details with this decline."
		outcome["type"] = "issuer_declined"
	}
	w.Outcome = outcome
	return w
}

// wireRefund renders a Refund.
func wireRefund(re *refund) *refundWire {
	return &refundWire{
		ID: re.id, Object: "refund", Amount: re.amount, Charge: re.charge, Created: re.created,
		Currency: re.currency, Metadata: copyMetadata(re.metadata), PaymentIntent: strOrNil(re.paymentIntent),
		Reason: strOrNil(re.reason), Status: "succeeded",
		DestinationDetails: map[string]any{"type": "card", "card": map[string]any{
			"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund",
		}},
	}
}

// wireDispute renders a Dispute; evidence is due three weeks after opening.
func wireDispute(d *dispute) *disputeWire {
	return &disputeWire{
		ID: d.id, Object: "dispute", Amount: d.amount, BalanceTransactions: []any{}, Charge: d.charge,
		Created: d.created, Currency: d.currency, Evidence: map[string]any{},
		EvidenceDetails: map[string]any{
			"due_by": d.created + 21*24*3600, "has_evidence": false, "past_due": false, "submission_count": 0,
		},
		Metadata: map[string]string{}, PaymentIntent: strOrNil(d.paymentIntent), Reason: d.reason,
		Status: d.status,
	}
}

// wirePM renders the PaymentMethod a test-card id stands for.
func wirePM(id string, card testCard, created int64) *pmWire {
	return &pmWire{
		ID: id, Object: "payment_method", BillingDetails: emptyBillingDetails(), Created: created,
		Metadata: map[string]string{}, Type: "card",
		Card: map[string]any{
			"brand": card.brand, "country": card.country, "exp_month": cardExpMonth, "exp_year": cardExpYear,
			"funding": card.funding, "last4": card.last4,
		},
	}
}
