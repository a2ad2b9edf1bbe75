package ehrsim

import (
	"context"
	"crypto"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// DefaultTokenTTL is the access-token lifetime when Options.TokenTTL is 0.
const DefaultTokenTTL = 300 * time.Second

// Options configures a Sim.
type Options struct {
	// Clients maps each registered client_id to its public key: an
	// *rsa.PublicKey (at least 2048 bits) for RS384 or an *ecdsa.PublicKey
	// on P-384 for ES384.
	Clients map[string]crypto.PublicKey
	// ClientJWKS maps a client_id to its JSON Web Key Set, as a SMART app
	// registers it; an assertion's "kid" header picks the key.
	ClientJWKS map[string][]byte
	// TokenURL is the audience client assertions must name. "" accepts the
	// token endpoint's URL as the request reached it (scheme, Host header
	// and "/auth/token"), which is what a client configured with the
	// simulator's URL sends.
	TokenURL string
	// TokenTTL is the access-token lifetime (default DefaultTokenTTL).
	TokenTTL time.Duration
	// Now is the simulator's clock for tokens, assertions and
	// meta.lastUpdated (default time.Now).
	Now func() time.Time
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
}

// Sim is an in-memory FHIR R4 server with a SMART Backend Services token
// endpoint; it implements http.Handler.
type Sim struct {
	tokenURL string
	tokenTTL time.Duration
	now      func() time.Time
	mux      *http.ServeMux

	// ctx ends when the simulator closes, interrupting fault delays.
	ctx    context.Context
	cancel context.CancelFunc

	// mu guards clients, tokens, replay cache, resources and counters.
	// Every operation holds it for its whole read-modify-write, which is
	// what makes If-Match and If-None-Exist atomic.
	mu      sync.Mutex
	clients map[string][]clientKey
	// jtis remembers used assertion ids per client until they expire.
	jtis   map[string]time.Time
	tokens map[string]*accessToken
	store  map[string]map[string]*record
	counts Stats
	// received are the versions stored by FHIR creates and updates (not by Seed or Put),
	// in arrival order, so tests can validate everything a client wrote.
	received []*version

	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList
	// notes delivers Appointment change notifications (notify.go).
	notes *notifier
}

// New returns an empty simulator (no resources; see Seed and DefaultSeed)
// with the clients of opts registered. It fails if a client key is of an
// unsupported type or a JWKS cannot be parsed.
func New(opts Options) (*Sim, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		tokenURL:  opts.TokenURL,
		tokenTTL:  opts.TokenTTL,
		now:       opts.Now,
		ctx:       ctx,
		cancel:    cancel,
		clients:   map[string][]clientKey{},
		jtis:      map[string]time.Time{},
		tokens:    map[string]*accessToken{},
		store:     map[string]map[string]*record{},
		counts:    newStats(),
		faultList: simkit.NewFaultInjector[faultSpec](),
		notes:     newNotifier(),
	}
	for id, key := range opts.Clients {
		if err := s.RegisterClient(id, key); err != nil {
			cancel()
			return nil, err
		}
	}
	for id, jwks := range opts.ClientJWKS {
		if err := s.RegisterClientJWKS(id, jwks); err != nil {
			cancel()
			return nil, err
		}
	}
	s.mux = s.routes()
	return s, nil
}

// RegisterClient adds public keys a client may sign assertions with; keys
// registered this way match any "kid".
func (s *Sim) RegisterClient(clientID string, keys ...crypto.PublicKey) error {
	if clientID == "" || len(keys) == 0 {
		return fmt.Errorf("ehrsim: client id and at least one key are required")
	}
	cks := make([]clientKey, 0, len(keys))
	for _, k := range keys {
		ck, err := newClientKey("", k)
		if err != nil {
			return err
		}
		cks = append(cks, ck)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientID] = append(s.clients[clientID], cks...)
	return nil
}

// RegisterClientJWKS adds the RS384/ES384 keys of a JSON Web Key Set for a
// client; keys meant for encryption or other algorithms are skipped.
func (s *Sim) RegisterClientJWKS(clientID string, jwks []byte) error {
	if clientID == "" {
		return fmt.Errorf("ehrsim: client id is required")
	}
	cks, err := parseJWKS(jwks)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientID] = append(s.clients[clientID], cks...)
	return nil
}

// RevokeTokens invalidates every access token issued so far, so clients
// must fetch a new one after their next 401.
func (s *Sim) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Close interrupts fault delays in progress; the store stays readable.
func (s *Sim) Close() {
	s.cancel()
}

// ServeHTTP serves the token endpoint, FHIR under /fhir and control calls
// under /_sim/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// routes maps the SMART and FHIR RESTful paths to handlers.
func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /auth/token", s.handleToken)
	// Discovery documents are public, as on real servers.
	m.HandleFunc("GET /fhir/metadata", s.handleMetadata)
	m.HandleFunc("GET /fhir/.well-known/smart-configuration", s.handleSMARTConfig)
	m.Handle("GET /fhir/{type}/{id}", s.fhir(OpRead, s.read))
	m.Handle("GET /fhir/{type}/{id}/_history/{vid}", s.fhir(OpRead, s.vread))
	m.Handle("GET /fhir/{type}", s.fhir(OpSearch, s.search))
	m.Handle("POST /fhir/{type}", s.fhir(OpCreate, s.create))
	m.Handle("PUT /fhir/{type}/{id}", s.fhir(OpUpdate, s.update))
	// Every other method or path under /fhir/ gets an OperationOutcome
	// rather than the mux's plain-text 404/405.
	m.HandleFunc("/fhir/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeOutcome(w, http.StatusNotFound, codeNotFound, "no such FHIR path")
			return
		}
		writeOutcome(w, http.StatusMethodNotAllowed, codeNotSupported,
			"interaction not supported by the simulator")
	})
	s.controlRoutes(m)
	return m
}
