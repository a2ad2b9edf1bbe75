package stripesim

import (
	"github.com/stripe/stripe-go/v85"
)

// eventWire is a Stripe Event object as delivered to webhook endpoints.
type eventWire struct {
	ID              string       `json:"id"`
	Object          string       `json:"object"`
	APIVersion      string       `json:"api_version"`
	Created         int64        `json:"created"`
	Data            eventData    `json:"data"`
	Livemode        bool         `json:"livemode"`
	PendingWebhooks int          `json:"pending_webhooks"`
	Request         eventRequest `json:"request"`
	Type            string       `json:"type"`
}

// eventData holds a snapshot of the object at the time of the event.
type eventData struct {
	Object any `json:"object"`
}

// eventRequest names the API request that caused the event, if any.
type eventRequest struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

// emit records a state change and queues its event in the outbox; Sim.mu
// must be held so that events are queued in the order the state changed.
// Every caller must end with commit, which saves the change and only then
// hands the events to the deliverer, so a receiver never hears of a change
// a restart would forget. paymentIntentID keys the delivery queue, which
// keeps each PaymentIntent's events in order.
func (s *Sim) emit(typ, paymentIntentID string, obj any, c *call) {
	// Every change to a Stripe object emits an event, so this is also where
	// changes are marked for saving, whether or not anyone listens.
	s.dirty = true
	if s.webhookURL == "" || (s.enabled != nil && !s.enabled[typ]) {
		// Nothing would receive the event, so skip the encoding work.
		return
	}
	ev := eventWire{
		ID: newID("evt"), Object: "event", APIVersion: stripe.APIVersion, Created: s.now().Unix(),
		Data: eventData{Object: obj}, PendingWebhooks: 1, Type: typ,
	}
	if c != nil {
		ev.Request = eventRequest{ID: strOrNil(c.requestID), IdempotencyKey: strOrNil(c.idemKey)}
	}
	s.outbox = append(s.outbox, delivery{url: s.webhookURL, eventID: ev.ID, key: paymentIntentID,
		payload: mustJSON(ev)})
}
