// Package audit keeps the engine's own append-only records: who called what, which process, which
// vendor exchange, the outcome and the latency. Record fields hold identifiers only, never PHI;
// raw content that must be kept (a rejected HL7 message) goes in the optional Payload, which
// stores encrypt with a Sealer and never write in clear.
package audit

import (
	"context"
	"errors"
	"time"

	"github.com/careflow/engine/internal/crosswalk"
)

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("audit: not found")

// ErrConflict is wrapped by PutCrosswalk when the key already maps to a different internal ID;
// it is crosswalk.ErrConflict, so callers may test for either.
var ErrConflict = crosswalk.ErrConflict

// Outcome values used across the engine.
const (
	OutcomeOK       = "ok"
	OutcomeRejected = "rejected"
	OutcomeError    = "error"
	OutcomeIgnored  = "ignored"
)

// Record is one audit entry. Every field but Payload is an identifier, a code or a number; free
// text from requests or vendors never goes there because it may carry PHI. Payload is the one
// place for raw content, and it is only ever stored encrypted.
type Record struct {
	// ID is assigned by the store, increasing in append order.
	ID int64 `json:"id"`
	// At is when the event happened; the store fills it when zero.
	At time.Time `json:"at"`
	// Actor is the API token name, "webhook:<vendor>", "mllp:<peer>" or "worker".
	Actor string `json:"actor"`
	// Action names what was done, e.g. "payments.start" or "stripe.capture".
	Action string `json:"action"`
	// Process is the Temporal workflow ID the action belongs to, when there is one.
	Process string `json:"process,omitempty"`
	// Vendor names the external system of a vendor exchange ("stripe", "twilio", ...).
	Vendor string `json:"vendor,omitempty"`
	// Exchange identifies the vendor exchange: an object id, event id or idempotency key.
	Exchange string `json:"exchange,omitempty"`
	// Outcome is one of the Outcome constants.
	Outcome string `json:"outcome"`
	// Code is a machine-readable detail such as an HTTP status or a decline code.
	Code string `json:"code,omitempty"`
	// Latency is how long the action took.
	Latency time.Duration `json:"latencyNs"`
	// Payload is raw content kept with the record, such as a message the engine could not
	// accept. Stores seal it with their Sealer (appending one without a Sealer fails), never
	// return it from Append or List, and open it only through Store.Payload. An empty
	// Payload is the same as none.
	Payload []byte `json:"-"`
	// HasPayload is set by the store: true when the record was appended with a Payload.
	HasPayload bool `json:"hasPayload,omitempty"`
}

// Filter selects records for List; zero fields match everything.
type Filter struct {
	Process string
	Action  string
	// Actions, when not empty, returns only records whose action is one of them.
	Actions []string
	Vendor  string
	Since   time.Time
	// AfterID returns only records with a larger ID, for paging.
	AfterID int64
	// Limit caps the number of records returned; 0 means DefaultLimit and anything above
	// MaxLimit is lowered to MaxLimit.
	Limit int
}

// Store is the engine's record store. Implementations are append-only for audit records:
// there is no way to change or delete one through this interface.
type Store interface {
	// Append stores r and returns it with ID (and At, when it was zero) assigned, Payload
	// cleared and HasPayload set.
	Append(ctx context.Context, r Record) (Record, error)
	// List returns records matching f in ID order, without their payloads.
	List(ctx context.Context, f Filter) ([]Record, error)
	// Payload opens and returns the payload of record id; ErrNotFound when there is no such
	// record or it has no payload, ErrNoSealer when the store has no Sealer to open it.
	Payload(ctx context.Context, id int64) ([]byte, error)
	// Store keeps the crosswalk, the routing of vendor identifiers to workflows, beside the
	// records; LookupCrosswalk answers ErrNotFound for an unknown key.
	crosswalk.Store
	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
