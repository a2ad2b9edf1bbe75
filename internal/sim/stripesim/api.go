package stripesim

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/stripe/stripe-go/v85"
)

// maxBodyBytes bounds request bodies; Stripe's own limit is far lower for
// the form-encoded endpoints simulated here.
const maxBodyBytes = 1 << 20

// call is what an operation needs from its request.
type call struct {
	id        string // {id} path value, if any
	form      url.Values
	requestID string
	idemKey   string
}

// opFunc executes one Stripe operation with Sim.mu held and returns the
// object to render or an API error.
type opFunc func(c *call) (any, *apiError)

// result is a rendered response, as stored for idempotent replay.
type result struct {
	status    int
	body      []byte
	requestID string
	replayed  bool
}

// api wraps an operation with Stripe's request pipeline: authentication,
// parameter decoding, injected faults, idempotency and rendering.
func (s *Sim) api(op string, fn opFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := newRequestID()
		w.Header().Set("Request-Id", reqID)
		w.Header().Set("Stripe-Version", stripe.APIVersion)
		apiKey, aerr := s.authenticate(r)
		if aerr != nil {
			writeAPIError(w, aerr)
			return
		}
		form, aerr := readForm(w, r)
		if aerr != nil {
			writeAPIError(w, aerr)
			return
		}
		fault, faulty := s.takeFault(op)
		if faulty {
			s.countFault()
			switch fault.Kind {
			case FaultServerError:
				writeAPIError(w, errServer())
				return
			case FaultRateLimit:
				writeAPIError(w, errRateLimited())
				return
			case FaultTimeout:
				// Answering after an interrupted sleep is harmless when the
				// client is gone and correct when the simulator is closing.
				s.sleep(r.Context(), fault.Delay)
				writeAPIError(w, errServer())
				return
			case FaultSlow:
				if !s.sleep(r.Context(), fault.Delay) {
					writeAPIError(w, errServer())
					return
				}
			}
		}
		c := &call{id: r.PathValue("id"), form: form, requestID: reqID,
			idemKey: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
		run := fn
		if faulty && fault.Kind == FaultStoredServerError {
			// The operation fails before changing anything, but its 500 is
			// kept under the key like any result that began executing.
			run = func(*call) (any, *apiError) {
				e := errServer()
				e.store = true
				return nil, e
			}
		}
		res := s.execute(r, apiKey, c, run)
		if faulty && fault.Kind == FaultLost {
			// The operation happened and its result is stored under the
			// key; only the caller never learns it.
			s.sleep(r.Context(), fault.Delay)
			writeAPIError(w, errServer())
			return
		}
		if c.idemKey != "" && r.Method == http.MethodPost {
			w.Header().Set("Idempotency-Key", c.idemKey)
		}
		if res.replayed {
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Original-Request", res.requestID)
		}
		writeJSON(w, res.status, res.body)
	})
}

// execute runs fn under Sim.mu, replaying or storing idempotent results in
// the same critical section so concurrent retries cannot both execute, and
// commits any change before the caller can see the answer.
func (s *Sim) execute(r *http.Request, apiKey string, c *call, fn opFunc) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	// An earlier change whose save failed is retried first: nothing is
	// answered from state that a restart could still lose.
	if err := s.commit(); err != nil {
		return errorResult(errNotSaved())
	}
	now := s.now()
	useKey := c.idemKey != "" && r.Method == http.MethodPost
	var sc idemScope
	ep, params := endpoint(r), c.form.Encode()
	if useKey {
		sc = idemScope{account: accountOf(apiKey), key: c.idemKey}
		if prev, ok := s.idem.get(sc, now); ok {
			if prev.endpoint != ep || prev.params != params {
				return errorResult(errIdempotencyMismatch(c.idemKey, prev.endpoint, prev.endpoint == ep))
			}
			// A replay changes only a counter, which is saved with the next
			// change rather than costing a write now.
			s.counts.Replays++
			return result{status: prev.status, body: prev.body, requestID: prev.requestID, replayed: true}
		}
	}
	v, aerr := fn(c)
	res := result{status: http.StatusOK, requestID: c.requestID}
	if aerr != nil {
		res.status, res.body = aerr.status, mustJSON(map[string]any{"error": aerr.body})
	} else {
		res.body = mustJSON(v)
	}
	if useKey && (aerr == nil || aerr.store) {
		s.idem.put(&idemEntry{scope: sc, endpoint: ep, params: params, status: res.status,
			body: res.body, requestID: c.requestID, at: now})
		s.dirty = true
	}
	if aerr == nil && r.Method == http.MethodPost {
		// Successful POSTs change state even when they emit no event (an
		// update of metadata); failed ones changed state only if they
		// emitted an event (a decline) or stored their result above.
		s.dirty = true
	}
	if err := s.commit(); err != nil {
		// The change stays in memory and its result under its key: the
		// client's retry replays it once a save succeeds.
		return errorResult(errNotSaved())
	}
	return res
}

// errorResult renders an API error that is not stored for replay.
func errorResult(aerr *apiError) result {
	return result{status: aerr.status, body: mustJSON(map[string]any{"error": aerr.body})}
}

// authenticate checks the key the way Stripe accepts it: Bearer, or HTTP
// basic auth with the key as the user name (curl -u sk_test_...:).
func (s *Sim) authenticate(r *http.Request) (string, *apiError) {
	h := r.Header.Get("Authorization")
	var key string
	switch {
	case strings.HasPrefix(h, "Bearer "):
		key = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	case strings.HasPrefix(h, "Basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		if err == nil {
			key, _, _ = strings.Cut(string(raw), ":")
		}
	}
	if key == "" {
		return "", &apiError{status: http.StatusUnauthorized, body: errorWire{Type: errTypeInvalidRequest,
			Message: "You did not provide an API key. You need to provide your API key in the Authorization " +
				"header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See " +
				"https://stripe.com/docs/api#authentication for details, or we can help at " +
				"https://support.stripe.com/."}}
	}
	ok := strings.HasPrefix(key, "sk_test_")
	if s.secretKey != "" {
		ok = subtle.ConstantTimeCompare([]byte(key), []byte(s.secretKey)) == 1
	}
	if !ok {
		return "", &apiError{status: http.StatusUnauthorized, body: errorWire{Type: errTypeInvalidRequest,
			Message: "Invalid API Key provided: " + redactKey(key)}}
	}
	return key, nil
}

// redactKey shows only the ends of a key, as Stripe's error message does.
func redactKey(k string) string {
	if len(k) <= 12 {
		return strings.Repeat("*", len(k))
	}
	return k[:8] + strings.Repeat("*", len(k)-12) + k[len(k)-4:]
}

// readForm decodes the form body of a POST or the query of a GET.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *apiError) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return nil, newInvalid("", "", "Invalid request body: expected application/x-www-form-urlencoded parameters.")
	}
	return r.PostForm, nil
}

// mustJSON encodes a value the simulator built itself; Stripe pretty-prints
// its responses and so does the simulator.
func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// Only simulator-built values reach here; failing to encode one is
		// a programming error.
		panic("stripesim: encode response: " + err.Error())
	}
	return b
}

// writeJSON writes a JSON body with Stripe's content type.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeAPIError writes {"error": {...}} with the error's status.
func writeAPIError(w http.ResponseWriter, aerr *apiError) {
	if aerr.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Stripe"`)
	}
	writeJSON(w, aerr.status, mustJSON(map[string]any{"error": aerr.body}))
}

// countFault records a request affected by an injected fault.
func (s *Sim) countFault() {
	s.mu.Lock()
	s.counts.FaultsTriggered++
	s.mu.Unlock()
}
