package stripesim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Delivery defaults; Stripe itself retries for days, which a test cannot wait for.
const (
	deliveryShards     = 8
	defaultMaxAttempts = 5
	defaultBackoff     = 200 * time.Millisecond
	maxBackoff         = 5 * time.Second
	deliveryTimeout    = 10 * time.Second
)

// delivery is one event bound for one endpoint.
type delivery struct {
	url     string
	eventID string
	key     string // PaymentIntent id: selects the shard, hence the order
	payload []byte
}

// deliverer posts events from per-shard queues. Every event of a
// PaymentIntent lands in the same shard and a shard delivers one event at a
// time (retries included), so a receiver sees each PaymentIntent's events in
// the order they happened, while other PaymentIntents proceed in parallel.
type deliverer struct {
	ctx         context.Context
	client      *http.Client
	secret      string
	maxAttempts int
	backoff     time.Duration
	shards      []*shard
	start       sync.Once
	wg          sync.WaitGroup

	delivered      atomic.Int64
	attemptsFailed atomic.Int64
	abandoned      atomic.Int64
}

// shard is an unbounded FIFO queue served by one goroutine; enqueue never
// blocks, because it runs while Sim.mu is held.
type shard struct {
	mu    sync.Mutex
	queue []delivery
	wake  chan struct{}
}

// newDeliverer prepares delivery; goroutines start with the first event.
func newDeliverer(ctx context.Context, opts Options) *deliverer {
	d := &deliverer{
		ctx: ctx, client: opts.HTTPClient, secret: opts.WebhookSecret,
		maxAttempts: opts.WebhookMaxAttempts, backoff: opts.WebhookBackoff,
	}
	if d.client == nil {
		d.client = &http.Client{Timeout: deliveryTimeout}
	}
	if d.maxAttempts <= 0 {
		d.maxAttempts = defaultMaxAttempts
	}
	if d.backoff <= 0 {
		d.backoff = defaultBackoff
	}
	for range deliveryShards {
		d.shards = append(d.shards, &shard{wake: make(chan struct{}, 1)})
	}
	return d
}

// enqueue adds an event to its PaymentIntent's shard.
func (d *deliverer) enqueue(dl delivery) {
	if d.ctx.Err() != nil {
		return
	}
	d.start.Do(func() {
		for _, sh := range d.shards {
			d.wg.Add(1)
			go d.run(sh)
		}
	})
	h := fnv.New32a()
	_, _ = h.Write([]byte(dl.key))
	sh := d.shards[h.Sum32()%uint32(len(d.shards))]
	sh.mu.Lock()
	sh.queue = append(sh.queue, dl)
	sh.mu.Unlock()
	select {
	case sh.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// wait blocks until every delivery goroutine has stopped.
func (d *deliverer) wait() {
	d.wg.Wait()
}

// run serves one shard until the simulator closes.
func (d *deliverer) run(sh *shard) {
	defer d.wg.Done()
	for {
		sh.mu.Lock()
		var next *delivery
		if len(sh.queue) > 0 {
			dl := sh.queue[0]
			next = &dl
			sh.queue[0] = delivery{}
			sh.queue = sh.queue[1:]
		}
		sh.mu.Unlock()
		if next == nil {
			select {
			case <-d.ctx.Done():
				return
			case <-sh.wake:
				continue
			}
		}
		d.deliver(*next)
		if d.ctx.Err() != nil {
			return
		}
	}
}

// deliver posts one event, retrying with exponential backoff.
func (d *deliverer) deliver(dl delivery) {
	wait := d.backoff
	for attempt := 1; ; attempt++ {
		err := d.post(dl)
		if err == nil {
			d.delivered.Add(1)
			return
		}
		if d.ctx.Err() != nil {
			return // closing: the attempt was cut short, not refused
		}
		d.attemptsFailed.Add(1)
		if attempt >= d.maxAttempts {
			d.abandoned.Add(1)
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-d.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

// post makes one delivery attempt, signed at the time of the attempt as
// Stripe does, so the receiver's timestamp tolerance applies per attempt.
func (d *deliverer) post(dl delivery) error {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, dl.url, bytes.NewReader(dl.payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", signatureHeader(time.Now(), dl.payload, d.secret))
	return simkit.Deliver(d.client, req, "")
}

// signatureHeader builds Stripe-Signature: "t=<unix>,v1=<hex HMAC-SHA256 of
// "<unix>.<payload>" keyed with the endpoint secret>", the scheme
// stripe-go's webhook.ConstructEvent verifies.
func signatureHeader(t time.Time, payload []byte, secret string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
