package ehrsim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/sim/simkit"
)

// Notification shapes: the two ways real FHIR servers deliver rest-hook notifications.
const (
	// ShapeResource is Medplum's: the body is the changed resource itself.
	ShapeResource = "resource"
	// ShapeIDOnly is a Subscriptions Backport IG history Bundle naming the resource only;
	// the receiver reads it.
	ShapeIDOnly = "id-only"
	// ShapeFullResource is a Backport history Bundle carrying the resource.
	ShapeFullResource = "full-resource"
)

// BackportTopic is the SubscriptionTopic canonical the simulator's notifications name.
const BackportTopic = "http://careflow.dev/fhir/SubscriptionTopic/appointment-changed"

// Notification delivery bounds: a receiver that is down for longer misses the change, as
// with a real server; the engine's reconciliation heals that.
const (
	notifyAttempts = 3
	notifyBackoff  = 50 * time.Millisecond
	notifyTimeout  = 10 * time.Second
	maxNotified    = 1000
)

// Subscription is a rest-hook subscription to Appointment changes.
type Subscription struct {
	// URL receives the notifications; "" stops them.
	URL string
	// Secret signs every body: X-Signature is its hex HMAC-SHA256 (as Medplum signs).
	Secret []byte
	// Shapes are the notification shapes, used in turn; none means ShapeResource.
	Shapes []string
	// ID is the Subscription's id in Backport Bundles; "" picks a fresh one, so event numbers
	// of a restarted simulator never repeat a former run's.
	ID string
}

// Notified is one delivered notification, for tests.
type Notified struct {
	Shape   string `json:"shape"`
	ID      string `json:"id"`
	Version string `json:"version"`
	// Event is the Backport event number (0 for ShapeResource).
	Event int `json:"event,omitempty"`
}

// NotifyStats counts notifications.
type NotifyStats struct {
	Delivered      int `json:"delivered"`
	AttemptsFailed int `json:"attemptsFailed"`
	Failed         int `json:"failed"`
}

// notifier holds the subscription, the queue of changes and the delivery log.
type notifier struct {
	mu     sync.Mutex
	sub    Subscription
	queue  []notice
	turn   int
	events int
	sent   []Notified
	stats  NotifyStats
	wake   chan struct{}
	once   sync.Once
	client *http.Client
}

// notice is one queued change: the stored version's body.
type notice struct {
	id      string
	version int
	updated time.Time
	body    []byte
}

// newNotifier returns a notifier without a subscription.
func newNotifier() *notifier {
	return &notifier{wake: make(chan struct{}, 1), client: &http.Client{Timeout: notifyTimeout}}
}

// notify returns s's notifier.
func (s *Sim) notify() *notifier { return s.notes }

// Subscribe sets the rest-hook subscription to Appointment changes (an empty URL ends it);
// every Appointment version stored afterwards by a FHIR create or update, or by Put, is
// notified in order. Seeded resources are not.
func (s *Sim) Subscribe(sub Subscription) {
	if sub.ID == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		sub.ID = "appointments-" + hex.EncodeToString(b)
	}
	n := s.notify()
	n.mu.Lock()
	n.sub = sub
	n.mu.Unlock()
	n.once.Do(func() { go n.loop(s) })
}

// Notifications returns the notifications delivered so far and the counters.
func (s *Sim) Notifications() ([]Notified, NotifyStats) {
	n := s.notify()
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notified(nil), n.sent...), n.stats
}

// changed queues a notification for a stored Appointment version. Callers hold s.mu, so
// versions are queued in the order they were stored.
func (s *Sim) changed(typ, id string, v *version) {
	if typ != "Appointment" || v == nil {
		return
	}
	n := s.notify()
	n.mu.Lock()
	if n.sub.URL != "" {
		n.queue = append(n.queue, notice{id: id, version: v.n, updated: v.updated, body: v.body})
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// loop delivers queued notifications one at a time until the simulator closes.
func (n *notifier) loop(s *Sim) {
	for {
		n.mu.Lock()
		var next notice
		have := len(n.queue) > 0
		if have {
			next, n.queue = n.queue[0], n.queue[1:]
		}
		sub := n.sub
		n.mu.Unlock()
		if !have {
			select {
			case <-s.ctx.Done():
				return
			case <-n.wake:
				continue
			}
		}
		if sub.URL == "" {
			continue
		}
		n.deliver(s, sub, next)
		if s.ctx.Err() != nil {
			return
		}
	}
}

// deliver renders one notification in the next shape and posts it with a few retries.
func (n *notifier) deliver(s *Sim, sub Subscription, c notice) {
	shapes := sub.Shapes
	if len(shapes) == 0 {
		shapes = []string{ShapeResource}
	}
	n.mu.Lock()
	shape := shapes[n.turn%len(shapes)]
	n.turn++
	event := 0
	if shape != ShapeResource {
		n.events++
		event = n.events
	}
	n.mu.Unlock()
	body := c.body
	if shape != ShapeResource {
		var err error
		if body, err = backportBundle(sub.ID, event, shape, c); err != nil {
			return
		}
	}
	for attempt := 1; ; attempt++ {
		err := n.post(s, sub, body)
		n.mu.Lock()
		switch {
		case err == nil:
			n.stats.Delivered++
			if len(n.sent) < maxNotified {
				n.sent = append(n.sent, Notified{Shape: shape, ID: c.id, Version: strconv.Itoa(c.version), Event: event})
			}
		case s.ctx.Err() != nil:
		default:
			n.stats.AttemptsFailed++
			if attempt >= notifyAttempts {
				n.stats.Failed++
			}
		}
		n.mu.Unlock()
		if err == nil || attempt >= notifyAttempts || !simkit.Sleep(s.ctx, s.ctx, notifyBackoff<<(attempt-1)) {
			return
		}
	}
}

// post sends one signed notification; non-2xx is an error.
func (n *notifier) post(s *Sim, sub Subscription, body []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", fhirContentType)
	req.Header.Set(fhir.NotificationSignatureHeader, fhir.SignNotification(sub.Secret, body))
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("ehrsim: notification receiver answered %d", resp.StatusCode)
	}
	return nil
}

// backportBundle is a Subscriptions Backport IG (R4) event-notification: a history Bundle
// whose first entry is the SubscriptionStatus Parameters, then the focus resource's entry,
// carrying the resource for ShapeFullResource and naming it only for ShapeIDOnly.
func backportBundle(subID string, event int, shape string, c notice) ([]byte, error) {
	ref := "Appointment/" + c.id + "/_history/" + strconv.Itoa(c.version)
	num := strconv.Itoa(event)
	status := map[string]any{
		"resourceType": "Parameters",
		"meta": map[string]any{"profile": []string{
			"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"}},
		"parameter": []any{
			map[string]any{"name": "subscription", "valueReference": map[string]any{"reference": "Subscription/" + subID}},
			map[string]any{"name": "topic", "valueCanonical": BackportTopic},
			map[string]any{"name": "status", "valueCode": "active"},
			map[string]any{"name": "type", "valueCode": "event-notification"},
			map[string]any{"name": "events-since-subscription-start", "valueString": num},
			map[string]any{"name": "notification-event", "part": []any{
				map[string]any{"name": "event-number", "valueString": num},
				map[string]any{"name": "timestamp", "valueInstant": c.updated.UTC().Format("2006-01-02T15:04:05.000Z07:00")},
				map[string]any{"name": "focus", "valueReference": map[string]any{"reference": ref}},
			}},
		},
	}
	focus := map[string]any{"fullUrl": ref,
		"request":  map[string]any{"method": "PUT", "url": "Appointment/" + c.id},
		"response": map[string]any{"status": "200"}}
	if shape == ShapeFullResource {
		focus["resource"] = json.RawMessage(c.body)
	}
	return json.Marshal(map[string]any{
		"resourceType": "Bundle",
		"id":           newID(),
		"type":         "history",
		"timestamp":    c.updated.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"entry": []any{
			map[string]any{"fullUrl": "urn:uuid:" + newUUID(),
				"resource": status,
				"request":  map[string]any{"method": "GET", "url": "Subscription/" + subID + "/$status"},
				"response": map[string]any{"status": "200"}},
			focus,
		},
	})
}

// newUUID is a random RFC 4122 version 4 UUID for urn:uuid: fullUrls.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
