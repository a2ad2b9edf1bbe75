package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/payments"
)

// stripeObject holds the few fields of a PaymentIntent, Charge or Dispute the workflow needs.
// Everything else in the event (billing details, descriptions) is never decoded.
type stripeObject struct {
	ID               string            `json:"id"`
	Metadata         map[string]string `json:"metadata"`
	Amount           int64             `json:"amount"`
	AmountReceived   int64             `json:"amount_received"`
	AmountRefunded   int64             `json:"amount_refunded"`
	Reason           string            `json:"reason"`
	LatestCharge     expandable        `json:"latest_charge"`
	Charge           expandable        `json:"charge"`
	PaymentIntent    expandable        `json:"payment_intent"`
	LastPaymentError *struct {
		Code        string `json:"code"`
		DeclineCode string `json:"decline_code"`
	} `json:"last_payment_error"`
}

// expandable is a Stripe reference that is either an ID string or an expanded object with "id".
type expandable string

// UnmarshalJSON accepts null, "id" or {"id": ...}.
func (e *expandable) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*e = ""
		return nil
	case len(b) > 0 && b[0] == '{':
		var obj struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		*e = expandable(obj.ID)
		return nil
	default:
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = expandable(s)
		return nil
	}
}

// mapStripeEvent reduces a handled event to the workflow's signal. The object is a
// PaymentIntent for payment_intent.* events, a Charge for charge.refunded and a Dispute for
// charge.dispute.created.
func mapStripeEvent(id, typ string, created int64, obj stripeObject) payments.StripeEventSignal {
	sig := payments.StripeEventSignal{EventID: id, Type: typ, Created: created}
	switch typ {
	case payments.EventPaymentIntentSucceeded, payments.EventPaymentIntentFailed:
		sig.PaymentIntentID = obj.ID
		sig.ChargeID = string(obj.LatestCharge)
		sig.Amount = obj.AmountReceived
		if e := obj.LastPaymentError; e != nil && typ == payments.EventPaymentIntentFailed {
			// The decline code (insufficient_funds) is more specific than the code (card_declined).
			sig.FailureCode = e.DeclineCode
			if sig.FailureCode == "" {
				sig.FailureCode = e.Code
			}
		}
	case payments.EventChargeRefunded:
		sig.ChargeID = obj.ID
		sig.PaymentIntentID = string(obj.PaymentIntent)
		sig.AmountRefunded = obj.AmountRefunded
	case payments.EventDisputeCreated:
		sig.DisputeID = obj.ID
		sig.ChargeID = string(obj.Charge)
		sig.PaymentIntentID = string(obj.PaymentIntent)
		sig.Amount = obj.Amount
		sig.DisputeReason = obj.Reason
	}
	return sig
}

// findPayment returns the payment ID an event belongs to: from the metadata the engine set on
// the Stripe object, else from the crosswalk the Stripe activities fill. It returns
// audit.ErrNotFound when the event concerns no payment of this engine.
func (s *server) findPayment(ctx context.Context, obj stripeObject, sig payments.StripeEventSignal) (string, error) {
	if pid, ok := paymentIDFrom(obj.Metadata[payments.MetadataPaymentID]); ok {
		return pid, nil
	}
	if pid, ok := paymentIDFrom(obj.Metadata[payments.MetadataWorkflowID]); ok {
		return pid, nil
	}
	if s.d.Records == nil {
		return "", audit.ErrNotFound
	}
	lookups := []struct{ kind, id string }{
		{CrosswalkStripePaymentIntent, sig.PaymentIntentID},
		{CrosswalkStripeCharge, sig.ChargeID},
	}
	for _, l := range lookups {
		if l.id == "" {
			continue
		}
		internal, err := s.d.Records.LookupCrosswalk(ctx, l.kind, l.id)
		if err == nil {
			if pid, ok := paymentIDFrom(internal); ok {
				return pid, nil
			}
			continue
		}
		if !errors.Is(err, audit.ErrNotFound) {
			return "", err
		}
	}
	return "", audit.ErrNotFound
}

// paymentIDFrom accepts a payment ID or a payment workflow ID and returns the payment ID when
// it is well formed.
func paymentIDFrom(v string) (string, bool) {
	if pid, ok := payments.PaymentIDFromWorkflowID(v); ok {
		v = pid
	}
	if v == "" || payments.ValidatePaymentID(v) != nil {
		return "", false
	}
	return v, true
}
