package stripesim

// PaymentIntent statuses the simulator moves between.
const (
	statusRequiresPaymentMethod = "requires_payment_method"
	statusRequiresConfirmation  = "requires_confirmation"
	statusRequiresCapture       = "requires_capture"
	statusSucceeded             = "succeeded"
	statusCanceled              = "canceled"
)

// paymentIntent is the simulator's state for one PaymentIntent. All fields
// are guarded by Sim.mu.
type paymentIntent struct {
	id                 string
	clientSecret       string
	amount             int64
	amountCapturable   int64
	amountReceived     int64
	currency           string
	captureMethod      string
	status             string
	customer           string
	description        string
	receiptEmail       string
	paymentMethod      string
	paymentMethodTypes []string
	automaticMethods   bool
	cancellationReason string
	canceledAt         int64
	created            int64
	metadata           map[string]string
	latestCharge       string
	lastError          *errorWire
	// captures counts successful capture calls, to expose double captures.
	captures int
}

// charge is the simulator's state for one Charge; a PaymentIntent creates one
// per confirmation attempt.
type charge struct {
	id             string
	paymentIntent  string
	amount         int64
	amountCaptured int64
	amountRefunded int64
	currency       string
	status         string // "succeeded" or "failed"
	captured       bool
	refunded       bool
	disputed       bool
	paymentMethod  string
	card           testCard
	failure        *decline
	customer       string
	description    string
	created        int64
	metadata       map[string]string
}

// refund is the simulator's state for one Refund (always succeeded).
type refund struct {
	id            string
	charge        string
	paymentIntent string
	amount        int64
	currency      string
	reason        string
	created       int64
	metadata      map[string]string
}

// dispute is the simulator's state for one Dispute opened by CreateDispute.
type dispute struct {
	id            string
	charge        string
	paymentIntent string
	amount        int64
	currency      string
	reason        string
	status        string
	created       int64
}

// copyMetadata returns an independent copy so objects never share maps.
func copyMetadata(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
