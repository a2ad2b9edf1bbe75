package payments

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// maxRememberedEvents bounds the dedup set. Stripe retries a webhook for up to three days,
// and one payment sees a handful of events, so a thousand ids is ample.
const maxRememberedEvents = 1000

// receiveEvents applies Stripe events as they arrive, for the life of the run.
func (w *impl) receiveEvents(ctx workflow.Context) {
	for {
		var ev StripeEventSignal
		if !w.signals.Receive(ctx, &ev) {
			return
		}
		w.applyEvent(ctx, ev)
	}
}

// drainEvents applies events delivered but not yet applied, before the run ends. A signal
// that arrived in this workflow task is often already handed to the blocked receiveEvents
// coroutine, which has not run yet; yielding once lets it apply the event before the state is
// summarized. ReceiveAsync then takes anything still buffered in the channel.
func (w *impl) drainEvents(ctx workflow.Context) {
	yielded := false
	_ = workflow.Await(ctx, func() bool {
		done := yielded
		yielded = true
		return done
	})
	for {
		var ev StripeEventSignal
		if !w.signals.ReceiveAsync(&ev) {
			return
		}
		w.applyEvent(ctx, ev)
	}
}

// applyEvent folds one verified Stripe event into the state, once per event id. Webhooks
// confirm what the workflow did and reveal what was done outside it (dashboard refunds,
// disputes); they never drive the saga's steps.
func (w *impl) applyEvent(ctx workflow.Context, ev StripeEventSignal) {
	switch ev.Type {
	case EventPaymentIntentSucceeded, EventPaymentIntentFailed, EventChargeRefunded, EventDisputeCreated:
	default:
		return
	}
	if ev.EventID == "" {
		w.logger.Warn("Stripe event without id ignored", "Type", ev.Type)
		return
	}
	if w.state.PaymentIntentID != "" && ev.PaymentIntentID != "" && ev.PaymentIntentID != w.state.PaymentIntentID {
		w.logger.Warn("Stripe event for another PaymentIntent ignored", "Type", ev.Type, "EventID", ev.EventID)
		return
	}
	if !w.events.Add(ev.EventID) {
		// Stripe delivers at least once; a repeat changes nothing.
		return
	}
	w.state.EventsApplied++
	switch ev.Type {
	case EventPaymentIntentSucceeded:
		w.state.CaptureConfirmed = true
	case EventPaymentIntentFailed:
		// The authorize activity's answer decides the outcome; the webhook only tells why.
		if w.state.Status == StatusAuthorizing && ev.FailureCode != "" {
			w.state.FailureCode = ev.FailureCode
		}
	case EventChargeRefunded:
		w.state.RefundConfirmedAmount = max(w.state.RefundConfirmedAmount, ev.AmountRefunded)
		w.settleRefunds()
	case EventDisputeCreated:
		w.addDispute(ctx, ev)
	}
}

// addDispute records a chargeback once per dispute id, whatever events announce it.
func (w *impl) addDispute(ctx workflow.Context, ev StripeEventSignal) {
	if ev.DisputeID == "" {
		return
	}
	for _, d := range w.state.Disputes {
		if d.DisputeID == ev.DisputeID {
			return
		}
	}
	opened := workflow.Now(ctx)
	if ev.Created > 0 {
		opened = time.Unix(ev.Created, 0).UTC()
	}
	w.state.Disputes = append(w.state.Disputes, Dispute{
		DisputeID: ev.DisputeID,
		Amount:    ev.Amount,
		Reason:    ev.DisputeReason,
		OpenedAt:  opened,
	})
	w.logger.Warn("Payment disputed", "DisputeID", ev.DisputeID, "Amount", ev.Amount)
}
